/**
 * A small cache of L2 tables keyed by their offset: walks read each table once, and random
 * reads through the guest reader stay bounded in memory (entries x cluster size).
 */
import { ReadWindow } from '../image-file.js';
import type { ImageFile } from '../image-file.js';
import { isAllZero } from '../all-zero.js';

export class L2Cache {
  private readonly tables = new Map<number, Buffer>();
  private readonly window: ReadWindow;
  /** Whether a cached table is all zeros, decided once per table read. */
  private readonly zero = new WeakMap<Buffer, boolean>();

  constructor(
    file: ImageFile,
    private readonly tableBytes: number,
    private readonly maxEntries = 64,
  ) {
    this.window = new ReadWindow(file);
  }

  get(offset: number): Buffer {
    const hit = this.tables.get(offset);
    if (hit) {
      // Refresh recency: Map keeps insertion order, so re-insert to make it the newest.
      this.tables.delete(offset);
      this.tables.set(offset, hit);
      return hit;
    }
    // Copied out of the read-ahead window, which the next miss overwrites.
    const table = Buffer.from(this.window.view(offset, this.tableBytes));
    this.tables.set(offset, table);
    if (this.tables.size > this.maxEntries) {
      const oldest = this.tables.keys().next().value;
      if (oldest !== undefined) this.tables.delete(oldest);
    }
    return table;
  }

  /** The table at `offset` is all zeros. */
  allZero(offset: number): boolean {
    const table = this.get(offset);
    let zero = this.zero.get(table);
    if (zero === undefined) {
      zero = isAllZero(table);
      this.zero.set(table, zero);
    }
    return zero;
  }
}
