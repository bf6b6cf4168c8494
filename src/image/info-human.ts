/**
 * Human `qemu-img info` (7.2 bdrv_image_info_dump): the fixed lines, the snapshot table, then
 * "Format specific information" dumped from the same JSON object in QDict order, dashes in keys
 * turned into spaces.
 */
import { qemuSizeToStr } from './human-size.js';
import type { QemuImageInfo } from './info-api.js';
import type { QemuJsonValue } from './qemu-json.js';
import { qdictOrder } from './qemu-json.js';
import { formatSnapshotTable } from './snapshot-list.js';

function dumpValue(indent: number, v: QemuJsonValue): string {
  if (Array.isArray(v)) return dumpList(indent, v as readonly QemuJsonValue[]);
  if (v !== null && typeof v === 'object') return dumpDict(indent, v as { readonly [k: string]: QemuJsonValue | undefined });
  return String(v);
}

const isComposite = (v: QemuJsonValue): boolean => v !== null && typeof v === 'object';

function dumpList(indent: number, list: readonly QemuJsonValue[]): string {
  return list.map((item, i) => {
    const composite = isComposite(item);
    return `${' '.repeat(indent * 4)}[${i}]:${composite ? '\n' : ' '}${dumpValue(indent + 1, item)}${composite ? '' : '\n'}`;
  }).join('');
}

function dumpDict(indent: number, dict: { readonly [k: string]: QemuJsonValue | undefined }): string {
  const keys = qdictOrder(Object.keys(dict).filter((k) => dict[k] !== undefined));
  return keys.map((k) => {
    const v = dict[k] as QemuJsonValue;
    const composite = isComposite(v);
    return `${' '.repeat(indent * 4)}${k.replace(/-/g, ' ')}:${composite ? '\n' : ' '}${dumpValue(indent + 1, v)}${composite ? '' : '\n'}`;
  }).join('');
}

/** qemu turns SnapshotInfo's int vm-state-size back into a uint64_t for the table. */
const unsignedSize = (v: QemuJsonValue | undefined): number => Number(BigInt.asUintN(64, BigInt(v as number | bigint)));

export function infoHumanText(info: QemuImageInfo): string {
  let s = `image: ${info.filename}\nfile format: ${info.format}\n`
    + `virtual size: ${qemuSizeToStr(info['virtual-size'])} (${info['virtual-size']} bytes)\n`
    + `disk size: ${qemuSizeToStr(info['actual-size'])}\n`;
  if (info.encrypted) s += 'encrypted: yes\n';
  if (info['cluster-size'] !== undefined) s += `cluster_size: ${info['cluster-size']}\n`;
  if (info['dirty-flag']) s += 'cleanly shut down: no\n';
  const backing = info['backing-filename'];
  if (backing !== undefined) {
    const full = info['full-backing-filename'];
    s += `backing file: ${backing}${full === undefined ? ' (cannot determine actual path)' : full !== backing ? ` (actual path: ${full})` : ''}\n`;
    if (info['backing-filename-format'] !== undefined) s += `backing file format: ${info['backing-filename-format']}\n`;
  }
  if (info.snapshots) {
    s += formatSnapshotTable(info.snapshots.map((sn) => ({
      id: String(sn['id']), name: String(sn['name']), vmStateSize: unsignedSize(sn['vm-state-size']), dateSec: Number(sn['date-sec']),
      vmClockNsec: BigInt(sn['vm-clock-sec'] ?? 0) * 1_000_000_000n + BigInt(sn['vm-clock-nsec'] ?? 0),
      icount: sn['icount'] === undefined ? undefined : BigInt(sn['icount']),
    })));
  }
  const spec = info['format-specific'];
  if (spec) s += `Format specific information:\n${dumpDict(1, spec.data as { readonly [k: string]: QemuJsonValue })}`;
  return s;
}
