/**
 * Where the runs of one L2 table start, decoded once per table. The guest map answers a lookup
 * with the run that starts there, as qemu's count_contiguous_subclusters counts it: entries of
 * the same subcluster type and, for allocated ones, contiguous host offsets. Counted entry by
 * entry on every lookup, a table named by millions of L1 entries (a hostile file; one entry
 * allocated and a tail of zeros is enough) is scanned to its end millions of times.
 *
 * Entry j "continues" entry j-1 when a scan that has consumed all of j-1 would consume all of j
 * too: every subcluster of j has the type of the last one of j-1 (which the scan is extending),
 * the host offset follows on where the type has one, and the guest map does not refuse j. A run
 * starts at every entry that does not continue the one before it.
 */
import { MAX_SAFE_OFFSET_BYTES } from '../limits.js';
import { clusterType, entryOffset, SubclusterType, subclusterType } from './table-entries.js';

export interface TableShape {
  readonly entries: number;
  readonly clusterSize: number;
  readonly extendedL2: boolean;
  readonly hasDataFile: boolean;
  /** v3: zero clusters exist; a v2 image's zero entries are refused, as invalid ones are. */
  readonly zeroClusters: boolean;
}

/** Not one type for the whole entry, or an entry the guest map refuses: it continues nothing. */
const NONE = -1;

const hasHostOffset = (t: number): boolean => t === SubclusterType.Normal || t === SubclusterType.ZeroAlloc || t === SubclusterType.UnallocatedAlloc;

function refused(t: SubclusterType, shape: TableShape): boolean {
  return t === SubclusterType.Invalid || (!shape.zeroClusters && (t === SubclusterType.ZeroPlain || t === SubclusterType.ZeroAlloc));
}

/** The type all of entry `i`'s subclusters have and the type of its last one, or NONE. */
function entryTypes(view: DataView, i: number, shape: TableShape): [all: number, last: number] {
  const ext = shape.extendedL2;
  const p = i * (ext ? 16 : 8);
  const hi = view.getUint32(p);
  const lo = view.getUint32(p + 4);
  const zero = ext ? view.getUint32(p + 8) : 0;
  const alloc = ext ? view.getUint32(p + 12) : 0;
  const ct = clusterType(hi, lo, ext, shape.hasDataFile);
  const first = subclusterType(ct, ext, alloc, zero, 0);
  if (refused(first, shape)) return [NONE, NONE];
  if (!ext) return [first, first];
  let all: number = first;
  let last: number = first;
  for (let sc = 1; sc < 32; sc++) {
    last = subclusterType(ct, ext, alloc, zero, sc);
    if (last !== first) all = NONE;
  }
  return [all, last];
}

/** The indices at which runs start, ascending, then `shape.entries`. */
export function runStarts(table: Buffer, shape: TableShape): Uint32Array {
  const view = new DataView(table.buffer, table.byteOffset, table.length);
  const entryBytes = shape.extendedL2 ? 16 : 8;
  const starts: number[] = [0];
  let [, prevLast] = entryTypes(view, 0, shape);
  let prevOffset = entryOffset(view.getUint32(0), view.getUint32(4));
  for (let j = 1; j < shape.entries; j++) {
    const [all, last] = entryTypes(view, j, shape);
    const offset = entryOffset(view.getUint32(j * entryBytes), view.getUint32(j * entryBytes + 4));
    const follows = !hasHostOffset(all) || (offset === prevOffset + shape.clusterSize && offset < MAX_SAFE_OFFSET_BYTES);
    if (all === NONE || all !== prevLast || !follows) starts.push(j);
    prevLast = last;
    prevOffset = offset;
  }
  starts.push(shape.entries);
  return Uint32Array.from(starts);
}

/** The first run start after entry `index`: where a run that has consumed all of `index` stops. */
export function runEnd(starts: Uint32Array, index: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  // The last element is the number of entries, greater than any index.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((starts[mid] as number) > index) hi = mid;
    else lo = mid + 1;
  }
  return starts[lo] as number;
}
