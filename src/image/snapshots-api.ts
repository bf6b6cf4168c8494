/**
 * `snapshots`: the internal snapshot table as qemu's SnapshotInfo objects, as the text table of
 * `qemu-img snapshot -l`, or in full detail (extra data, each snapshot's L1 validation).
 */
import type { FormatChoice } from './open-image.js';
import { closeImage, openImage } from './open-image.js';
import { checkImageOptions, optionKeys } from './option-checks.js';
import type { Finding } from './qcow2/findings.js';
import type { Qcow2Snapshot } from './qcow2/snapshots.js';
import { exactJsonInt, snapshotInfoJson } from './info.js';
import type { JsonObject } from './info.js';
import { formatSnapshotList } from './snapshot-list.js';
import type { SnapshotLayout } from './snapshot-list.js';
import { qemuJsonPretty } from './qemu-json.js';

export interface SnapshotsOptions {
  readonly format?: FormatChoice;
  /** List what can be read of a damaged table (entries before the first bad one). */
  readonly lenient?: boolean;
}

export interface ImageSnapshots {
  readonly snapshots: readonly Qcow2Snapshot[];
  /** qemu lists nothing for images with an external data file (it answers "not supported"). */
  readonly listedByQemu: boolean;
  /**
   * Problems met while opening; with `lenient`, a table that could not be read in full is one
   * (SNAPSHOT_TABLE_INVALID), and `snapshots` holds the entries before the first bad one.
   */
  readonly findings: readonly Finding[];
}

const SNAPSHOTS_KEYS = optionKeys<SnapshotsOptions>({ format: true, lenient: true });

export async function imageSnapshots(path: string, options: SnapshotsOptions = {}): Promise<ImageSnapshots> {
  checkImageOptions(options, SNAPSHOTS_KEYS, 'imageSnapshots');
  const img = openImage(path, options.format ?? 'probe', { lenient: options.lenient ?? false });
  try {
    if (img.kind !== 'qcow2') return { snapshots: [], listedByQemu: false, findings: [] };
    return { snapshots: img.qcow2.snapshots, listedByQemu: !img.qcow2.hasDataFile, findings: img.qcow2.findings };
  } finally {
    closeImage(img);
  }
}

/** The text `qemu-img snapshot -l` prints. */
export function snapshotsText(s: Pick<ImageSnapshots, 'snapshots' | 'listedByQemu'>, layout: SnapshotLayout = 'qemu-7.2'): string {
  return s.listedByQemu ? formatSnapshotList(s.snapshots, layout) : '';
}

/** SnapshotInfo objects as in `qemu-img info --output=json`; `details` adds what qemu does not show. */
export function snapshotsJson(s: Pick<ImageSnapshots, 'snapshots' | 'listedByQemu'>, details = false): string {
  const list: JsonObject[] = s.snapshots.map((sn) => {
    const base = snapshotInfoJson(sn);
    if (!details) return base;
    return {
      ...base,
      'disk-size': exactJsonInt(sn.diskSizeRaw),
      'l1-table-offset': sn.l1TableOffset,
      'l1-size': sn.l1Size,
      'extra-data-size': sn.extraDataSize,
      'unknown-extra-data': sn.unknownExtraData,
      'l1-problems': [...sn.l1Problems],
    };
  });
  return `${qemuJsonPretty(list)}\n`;
}
