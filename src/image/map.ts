/**
 * `qemu-img map --output=json` (7.2): walk the top image's guest range, find for each piece the
 * first layer of the chain that decides it (qemu-img.c get_block_status), and merge neighbours
 * that agree in every field (entry_mergeable). 7.2 prints no "compressed" key; it is kept in the
 * entries for callers and printed with the 8.2+ layout only.
 */
import type { ChainLayer } from './backing-chain.js';
import type { GuestLayer } from './guest-layer.js';
import { fullBackingFilename } from './info.js';

export interface MapEntry {
  start: number;
  length: number;
  depth: number;
  present: boolean;
  zero: boolean;
  data: boolean;
  compressed: boolean;
  offset: number | undefined;
}

export type MapProgress = (done: number, total: number) => void;

/** The decision for [offset, offset + bytes) (bytes may be shortened). */
export function blockStatus(layers: readonly GuestLayer[], offset: number, bytes: number): MapEntry {
  let depth = 0;
  let length = bytes;
  for (;;) {
    const layer = layers[depth];
    if (!layer) throw new Error('empty chain');
    const st = layer.status(offset, Math.min(length, layer.size - offset));
    length = st.bytes;
    const present = st.data || st.zero;
    let zero = st.zero;
    if (!present) {
      const below = layers[depth + 1];
      // io.c: no backing file, or a backing file that ends before this offset, reads as zeros.
      if (!below || offset >= below.size) zero = true;
    }
    if (zero || st.data || !layers[depth + 1]) {
      return { start: offset, length, depth, present, zero, data: st.data, compressed: st.compressed, offset: st.offset };
    }
    depth++;
  }
}

function mergeable(a: MapEntry, b: MapEntry): boolean {
  if (a.length === 0) return false;
  if (a.zero !== b.zero || a.data !== b.data || a.compressed !== b.compressed || a.depth !== b.depth || a.present !== b.present) return false;
  if ((a.offset === undefined) !== (b.offset === undefined)) return false;
  if (a.offset !== undefined && a.offset + a.length !== b.offset) return false;
  return true;
}

/** Calls `emit` for each merged extent, in order. Memory stays constant whatever the size. */
export function walkMap(layers: readonly GuestLayer[], emit: (e: MapEntry) => void, progress?: MapProgress): void {
  const top = layers[0];
  if (!top) return;
  const size = top.size;
  if (size === 0) {
    // qemu-img map prints its initial, empty entry for an image of no bytes.
    emit({ start: 0, length: 0, depth: 0, present: false, zero: false, data: false, compressed: false, offset: undefined });
    return;
  }
  let curr: MapEntry | undefined;
  let pos = 0;
  while (pos < size) {
    const next = blockStatus(layers, pos, size - pos);
    pos += next.length;
    progress?.(pos, size);
    if (curr && mergeable(curr, next)) {
      curr.length += next.length;
      continue;
    }
    if (curr) emit(curr);
    curr = next;
  }
  if (curr) emit(curr);
}

export type MapLayout = 'qemu-7.2' | 'qemu-8.2';

export function mapEntryJson(e: MapEntry, layout: MapLayout = 'qemu-7.2'): string {
  const compressed = layout === 'qemu-8.2' ? `, "compressed": ${e.compressed}` : '';
  const offset = e.offset !== undefined ? `, "offset": ${e.offset}` : '';
  return `{ "start": ${e.start}, "length": ${e.length}, "depth": ${e.depth}, "present": ${e.present}, "zero": ${e.zero}, "data": ${e.data}${compressed}${offset}}`;
}

/** Writes the whole JSON array the way qemu-img does: "[", entries joined by ",\n", "]\n". */
export function writeMapJson(layers: readonly GuestLayer[], write: (chunk: string) => void, layout: MapLayout = 'qemu-7.2', progress?: MapProgress): void {
  let first = true;
  let pending: string[] = [];
  walkMap(layers, (e) => {
    pending.push(`${first ? '[' : ',\n'}${mapEntryJson(e, layout)}`);
    first = false;
    if (pending.length >= 4096) {
      write(pending.join(''));
      pending = [];
    }
  }, progress);
  write(`${pending.join('')}${first ? '[' : ''}]\n`);
}

/** C's "%#-16" PRIx64: 0x-prefixed hex except for zero, left-aligned in 16 columns. */
const hex16 = (n: number): string => (n === 0 ? '0' : `0x${n.toString(16)}`).padEnd(16);

/**
 * The file each layer's host offsets are in, as human `qemu-img map` names it: the layer's own
 * name, or its external data file's (the name the image records, shown relative to the image
 * as backing names are; every offset of such an image is in the data file).
 */
export function mapFileNames(chain: readonly ChainLayer[]): string[] {
  return chain.map((l) => {
    const dataFile = l.image.kind === 'qcow2' && l.image.qcow2.hasDataFile ? l.image.qcow2.extensions.dataFile : undefined;
    return dataFile === undefined ? l.displayName : fullBackingFilename(l.displayName, dataFile);
  });
}

/**
 * Human `qemu-img map`: data extents only (`names`: see mapFileNames). qemu stops with an error at the first compressed or
 * encrypted data extent; this prints "-" in the "Mapped to" column instead and goes on.
 */
export function writeMapHuman(layers: readonly GuestLayer[], names: readonly string[], write: (chunk: string) => void, progress?: MapProgress): void {
  write(`${'Offset'.padEnd(16)}${'Length'.padEnd(16)}${'Mapped to'.padEnd(16)}File\n`);
  walkMap(layers, (e) => {
    if (!e.data || e.zero) return;
    const mapped = e.offset === undefined ? '-'.padEnd(16) : hex16(e.offset);
    write(`${hex16(e.start)}${hex16(e.length)}${mapped}${e.offset === undefined ? '' : (names[e.depth] ?? '')}\n`);
  }, progress);
}
