/**
 * The text table of `qemu-img snapshot -l`, in the QEMU 7.2 layout (block/qapi.c
 * bdrv_snapshot_dump before 9.0) or the 9.0+ layout. Widths are printf widths, so they count
 * bytes, not characters; dates are local time as qemu prints them (TZ decides).
 */
import { qemuSizeToStr } from './human-size.js';
import { listedText } from './qcow2/snapshots.js';
import type { Qcow2Snapshot } from './qcow2/snapshots.js';

export type SnapshotLayout = 'qemu-7.2' | 'qemu-9.0';

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');
const left = (s: string, width: number): string => s + ' '.repeat(Math.max(0, width - byteLength(s)));
const right = (s: string, width: number): string => ' '.repeat(Math.max(0, width - byteLength(s))) + s;
const two = (n: number): string => String(n).padStart(2, '0');

export function localDate(sec: number): string {
  const d = new Date(sec * 1000);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** C's (int) cast of an int64 quotient: keep the low 32 bits, signed. */
const int32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

/**
 * QEMUSnapshotInfo.vm_clock_nsec is a uint64_t, divided unsigned into an int64_t `secs` (7.2 and
 * 9.0 alike): a clock of 2^63 ns or more prints as a huge positive time, never a negative one.
 */
function clock(vmClockNsec: bigint, layout: SnapshotLayout): string {
  const ns = BigInt.asUintN(64, vmClockNsec);
  const secs = ns / 1_000_000_000n;
  const h = int32(secs / 3600n);
  const m = int32((secs / 60n) % 60n);
  const s = int32(secs % 60n);
  const ms = int32((ns / 1_000_000n) % 1000n);
  const hours = layout === 'qemu-9.0' ? String(h).padStart(4, '0') : two(h);
  return `${hours}:${two(m)}:${two(s)}.${String(ms).padStart(3, '0')}`;
}

/** The fields a table row needs (a Qcow2Snapshot, or a SnapshotInfo read back from JSON). */
export type SnapshotRow = Pick<Qcow2Snapshot, 'id' | 'name' | 'vmStateSize' | 'dateSec' | 'vmClockNsec' | 'icount'>
  & Partial<Pick<Qcow2Snapshot, 'idBytes' | 'nameBytes'>>;

/**
 * An id or name padded to `width`. From the image's bytes: the prefix qemu lists, padded by its
 * raw byte count as printf pads it (bytes decoded to U+FFFD would count 3). A SnapshotInfo's
 * strings are already that prefix.
 */
function cell(s: string, raw: Uint8Array | undefined, field: 'id' | 'name', width: number): string {
  if (raw === undefined) return left(s, width);
  const listed = listedText(raw, field);
  return listed.text + ' '.repeat(Math.max(0, width - listed.bytes));
}

function row(sn: SnapshotRow, layout: SnapshotLayout): string {
  const size = qemuSizeToStr(sn.vmStateSize);
  const date = localDate(sn.dateSec);
  const icount = sn.icount === undefined ? (layout === 'qemu-9.0' ? '--' : '') : BigInt.asIntN(64, sn.icount).toString();
  if (layout === 'qemu-9.0') {
    return `${cell(sn.id, sn.idBytes, 'id', 7)} ${cell(sn.name, sn.nameBytes, 'name', 16)} ${right(size, 8)} ${right(date, 19)} ${right(clock(sn.vmClockNsec, layout), 15)} ${right(icount, 10)}`;
  }
  return `${cell(sn.id, sn.idBytes, 'id', 9)} ${cell(sn.name, sn.nameBytes, 'name', 16)} ${right(size, 8)}${right(date, 20)}${right(clock(sn.vmClockNsec, layout), 13)}${right(icount, 11)}`;
}

function header(layout: SnapshotLayout): string {
  if (layout === 'qemu-9.0') {
    return `${left('ID', 7)} ${left('TAG', 16)} ${right('VM_SIZE', 8)} ${right('DATE', 19)} ${right('VM_CLOCK', 15)} ${right('ICOUNT', 10)}`;
  }
  return `${left('ID', 10)}${left('TAG', 17)}${right('VM SIZE', 8)}${right('DATE', 20)}${right('VM CLOCK', 13)}${right('ICOUNT', 11)}`;
}

/** "Snapshot list:", the header and one line per snapshot, as `qemu-img info` prints them. */
export function formatSnapshotTable(snapshots: readonly SnapshotRow[], layout: SnapshotLayout = 'qemu-7.2'): string {
  const lines = ['Snapshot list:', header(layout), ...snapshots.map((sn) => row(sn, layout))];
  return `${lines.join('\n')}\n`;
}

/** The whole output of `qemu-img snapshot -l`: empty when there are no snapshots. */
export function formatSnapshotList(snapshots: readonly SnapshotRow[], layout: SnapshotLayout = 'qemu-7.2'): string {
  return snapshots.length === 0 ? '' : formatSnapshotTable(snapshots, layout);
}
