/**
 * Opening a QCOW2 image read-only: header, extensions, backing name, snapshot table, bitmaps
 * directory and LUKS header, with qemu 7.2's checks in qemu's order (block/qcow2.c
 * qcow2_do_open) so the first error is the one qemu-img prints. Tables that qemu only checks
 * for size are also checked against the file size, before anything is read.
 */
import { ImageCorruptError, ImageUnsupportedError, isImageError } from '../errors.js';
import { FindingList } from './findings.js';
import type { Finding, FindingCode } from './findings.js';
import type { ImageFile } from '../image-file.js';
import {
  bound, LUKS1_HEADER_BYTES, QCOW2_MAX_BACKING_NAME_BYTES, QCOW2_MAX_L1_BYTES, QCOW2_MAX_REFCOUNT_ORDER,
  QCOW2_MAX_REFTABLE_BYTES, QCOW2_MAX_SNAPSHOT_COUNT, QCOW2_SNAPSHOT_ENTRY_FIXED_BYTES,
} from '../limits.js';
import { parseLuksHeader } from '../luks.js';
import type { LuksHeader } from '../luks.js';
import { cStringFromBytes } from '../text.js';
import { readBitmapDirectory } from './bitmaps.js';
import { loadBitmaps } from './bitmap-load.js';
import type { Qcow2Bitmap } from './bitmaps.js';
import { readExtensions } from './extensions.js';
import type { Qcow2Extensions } from './extensions.js';
import { describeFeatures, INCOMPAT_DATA_FILE, INCOMPAT_KNOWN_MASK, unsupportedIncompatMessage } from './features.js';
import type { FeatureBit } from './features.js';
import { checkCompressionType, parseQcow2Header } from './header.js';
import type { Qcow2Header } from './header.js';
import { readSnapshotTable } from './snapshots.js';
import type { Qcow2Snapshot } from './snapshots.js';

export interface Qcow2Image {
  readonly file: ImageFile;
  readonly header: Qcow2Header;
  readonly extensions: Qcow2Extensions;
  /** The backing file name exactly as stored (a plain path; never interpreted as a protocol). */
  readonly backingFile: string | undefined;
  readonly snapshots: readonly Qcow2Snapshot[];
  readonly snapshotTableBytes: number;
  /** undefined when there is no (consistent) bitmaps extension. */
  readonly bitmaps: readonly Qcow2Bitmap[] | undefined;
  readonly luks: LuksHeader | undefined;
  readonly features: {
    readonly incompatible: readonly FeatureBit[];
    readonly compatible: readonly FeatureBit[];
    readonly autoclear: readonly FeatureBit[];
  };
  readonly hasDataFile: boolean;
  /** Entries per L2 table (cluster_size / 8, or / 16 with extended L2). */
  readonly l2Entries: number;
  /** L1 entries needed to map the virtual size (qemu l1_vm_state_index). */
  readonly l1VmStateIndex: number;
  /** Problems met while opening: warnings always, and in lenient mode what would have been errors. */
  readonly findings: readonly Finding[];
}

export interface OpenQcow2Options {
  /**
   * Inspect what can be inspected: once the fixed header parses, a problem in a later part
   * (extensions, backing name, snapshot table, bitmaps, LUKS header, table checks) becomes a
   * finding and that part is left empty, instead of failing the open.
   */
  readonly lenient?: boolean;
  /**
   * Open as qemu-img check opens (BDRV_O_CHECK): an image without a refcount table is accepted,
   * and the refcount table, active L1 and snapshot table may lie past the end of the file, where
   * they read as zeros as in qemu (the check then reports them as beyond the end of the file).
   * Their sizes stay bounded by qemu's limits.
   */
  readonly check?: boolean;
}

export const CRYPT_NONE = 0;
export const CRYPT_AES = 1;
export const CRYPT_LUKS = 2;
const INT_MAX = 2 ** 31 - 1;

const NO_EXTENSIONS: Qcow2Extensions = {
  all: [], backingFormat: undefined, featureNames: [], bitmaps: undefined, cryptoHeader: undefined, dataFile: undefined, unknown: [],
};

export function openQcow2(file: ImageFile, options: OpenQcow2Options = {}): Qcow2Image {
  // Cluster 0 holds header, extensions and the backing name; read the first cluster's worth.
  const head = file.read(0, Math.min(file.size, 2 ** 21));
  const h = parseQcow2Header(head);
  const cluster0 = head.subarray(0, Math.min(head.length, h.clusterSize));
  const out = new FindingList();
  /** Runs one part of the open: errors propagate, or in lenient mode become a finding. */
  const step = <T>(code: FindingCode, fallback: T, run: () => T): T => {
    if (!options.lenient) return run();
    try {
      return run();
    } catch (err) {
      if (!isImageError(err)) throw err;
      out.add(code, 'corruption', err.message);
      return fallback;
    }
  };
  step('UNSUPPORTED_FEATURE', undefined, () => validateFeatures(h, cluster0));
  const l2Entries = h.clusterSize / (h.extendedL2 ? 16 : 8);
  const check = options.check ?? false;
  const l1VmStateIndex = step('TABLE_INVALID', 0, () => validateTables(file, h, l2Entries, check));
  const extensions = step('HEADER_EXTENSION_INVALID', NO_EXTENSIONS, () => readExtensions(h, cluster0));
  const backingFile = step('BACKING_NAME_INVALID', undefined, () => readBackingName(h, cluster0));
  const table = step('SNAPSHOT_TABLE_INVALID', { snapshots: [], sizeBytes: 0 }, () => readSnapshotTable(file, h, { partial: options.lenient ?? false, pastEofReadsZeros: check }));
  // Lenient: the entries before one that cannot be read are kept.
  if (table.error) out.add('SNAPSHOT_TABLE_INVALID', 'corruption', table.error.message);
  const { snapshots, sizeBytes } = table;
  const bitmaps = step('BITMAPS_INVALID', undefined, () => (extensions.bitmaps?.consistent ? readBitmapDirectory(file, h, extensions.bitmaps) : undefined));
  if (bitmaps) step('BITMAPS_INVALID', undefined, () => loadBitmaps(file, h, bitmaps));
  const crypto = extensions.cryptoHeader;
  const luks = step('LUKS_HEADER_INVALID', undefined, () => (crypto ? readLuks(file, crypto.offset, crypto.length) : undefined));
  addWarnings(out, h, extensions, snapshots);
  const names = extensions.featureNames;
  return {
    file, header: h, extensions, backingFile, snapshots, snapshotTableBytes: sizeBytes, bitmaps, luks, findings: out.items,
    features: {
      incompatible: describeFeatures('incompatible', h.incompatibleFeatures, names),
      compatible: describeFeatures('compatible', h.compatibleFeatures, names),
      autoclear: describeFeatures('autoclear', h.autoclearFeatures, names),
    },
    hasDataFile: (h.incompatibleFeatures & INCOMPAT_DATA_FILE) !== 0n,
    l2Entries,
    l1VmStateIndex,
  };
}

/** What qemu accepts but a careful reader should hear about. */
function addWarnings(out: FindingList, h: Qcow2Header, ext: Qcow2Extensions, snapshots: readonly Qcow2Snapshot[]): void {
  if (h.version === 3 && h.headerLength % 8 !== 0) out.add('HEADER_LENGTH_UNALIGNED', 'warning', `header_length ${h.headerLength} is not a multiple of 8`, 100);
  if (h.nonZeroPadding) out.add('HEADER_PADDING_NONZERO', 'warning', 'header padding after compression_type is not zero', 105);
  for (const e of ext.unknown) out.add('UNKNOWN_EXTENSION', 'warning', `unknown header extension 0x${e.type.toString(16)} (${e.length} bytes)`, e.offset - 8);
  for (const [kind, word, known] of [['compatible', h.compatibleFeatures, 1n], ['autoclear', h.autoclearFeatures, 3n]] as const) {
    const unknown = word & ~known;
    if (unknown) out.add('UNKNOWN_FEATURE_BIT', 'warning', `unknown ${kind} feature bits 0x${unknown.toString(16)}`, kind === 'compatible' ? 80 : 88);
  }
  if (ext.bitmaps && !ext.bitmaps.consistent) out.add('BITMAPS_IGNORED', 'warning', 'bitmaps extension present but autoclear bit 0 is clear: all bitmaps are inconsistent');
  for (const sn of snapshots) {
    for (const p of sn.l1Problems) out.add('SNAPSHOT_L1_INVALID', 'corruption', `snapshot ${sn.id} (${sn.name}): ${p}`, sn.entryOffset);
  }
}

/** Unknown incompatible bits, subcluster size, refcount width, compression type, encryption. */
function validateFeatures(h: Qcow2Header, cluster0: Buffer): void {
  if (h.incompatibleFeatures & ~INCOMPAT_KNOWN_MASK) {
    // qemu reads the feature-name table first so the message can name the bits; errors in the
    // extensions are ignored at this point, as qemu ignores them.
    let names: Qcow2Extensions['featureNames'] = [];
    try {
      names = readExtensions(h, cluster0).featureNames;
    } catch (err) {
      if (!isImageError(err)) throw err;
    }
    throw new ImageUnsupportedError(unsupportedIncompatMessage(h.incompatibleFeatures, names));
  }
  if (h.extendedL2 && h.clusterSize / 32 < 512) throw new ImageUnsupportedError(`Unsupported subcluster size: ${h.clusterSize / 32}`);
  if (h.refcountOrder > QCOW2_MAX_REFCOUNT_ORDER) {
    throw new ImageUnsupportedError('Reference count entry width too large; may not exceed 64 bits');
  }
  checkCompressionType(h.compressionTypeCode, h.incompatibleFeatures);
  if (h.cryptMethod > CRYPT_LUKS) throw new ImageUnsupportedError(`Unsupported encryption method ${h.cryptMethod}`);
}

/**
 * qemu qcow2_validate_table for the refcount table, snapshot table and active L1 (size limit, then
 * alignment), then the L1 size against the virtual size. Returns l1_vm_state_index.
 */
function validateTables(file: ImageFile, h: Qcow2Header, l2Entries: number, check: boolean): number {
  if (h.refcountTableClusters === 0 && !check) throw new ImageCorruptError('Image does not contain a reference count table', 56);
  bound({ what: 'refcount table', count: h.refcountTableClusters, entryBytes: h.clusterSize, limitBytes: QCOW2_MAX_REFTABLE_BYTES, limitMessage: 'Reference count table too large' });
  if (h.refcountTableOffset % h.clusterSize !== 0) throw new ImageCorruptError('Reference count table offset invalid', 48);
  bound({ what: 'snapshot table', count: h.nbSnapshots, entryBytes: QCOW2_SNAPSHOT_ENTRY_FIXED_BYTES, limitBytes: QCOW2_MAX_SNAPSHOT_COUNT * QCOW2_SNAPSHOT_ENTRY_FIXED_BYTES, limitMessage: 'Snapshot table too large' });
  if (h.snapshotsOffset % h.clusterSize !== 0) throw new ImageCorruptError('Snapshot table offset invalid', 64);
  bound({ what: 'active L1 table', count: h.l1Size, entryBytes: 8, limitBytes: QCOW2_MAX_L1_BYTES, limitMessage: 'Active L1 table too large' });
  if (h.l1TableOffset % h.clusterSize !== 0) throw new ImageCorruptError('Active L1 table offset invalid', 40);
  const l1VmStateIndex = Math.ceil(h.virtualSize / (h.clusterSize * l2Entries));
  if (l1VmStateIndex > INT_MAX) throw new ImageCorruptError('Image is too big', 24);
  if (h.l1Size < l1VmStateIndex) throw new ImageCorruptError('L1 table is too small', 36);
  // Beyond qemu: the tables must lie inside the file (qemu would read zeros past the end), but
  // for check, which reports them as beyond the end of the file as qemu's does.
  if (check) return l1VmStateIndex;
  bound({ what: 'refcount table', count: h.refcountTableClusters, entryBytes: h.clusterSize, limitBytes: QCOW2_MAX_REFTABLE_BYTES, offset: h.refcountTableOffset, fileSize: file.size });
  bound({ what: 'active L1 table', count: h.l1Size, entryBytes: 8, limitBytes: QCOW2_MAX_L1_BYTES, offset: h.l1TableOffset, fileSize: file.size });
  return l1VmStateIndex;
}

/**
 * The backing file name: not NUL-terminated, at most 1023 bytes and inside cluster 0. An empty
 * name is no backing file, as for qemu (its backing_file[0] == '\0').
 */
function readBackingName(h: Qcow2Header, cluster0: Buffer): string | undefined {
  if (h.backingFileOffset === 0) return undefined;
  const len = h.backingFileSize;
  if (len > QCOW2_MAX_BACKING_NAME_BYTES || len > h.clusterSize - h.backingFileOffset) {
    throw new ImageCorruptError('Backing file name too long', 16);
  }
  const name = cStringFromBytes(cluster0.subarray(h.backingFileOffset, h.backingFileOffset + len));
  return name === '' ? undefined : name;
}

function readLuks(file: ImageFile, offset: number, length: number): LuksHeader {
  const range = bound({ what: 'LUKS header', count: LUKS1_HEADER_BYTES, limitBytes: Math.max(length, LUKS1_HEADER_BYTES), offset, fileSize: file.size });
  return parseLuksHeader(file.read(range.offset, range.length));
}

