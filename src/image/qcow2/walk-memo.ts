/**
 * Walks of L2 tables remembered by the table's offset. An L1 table may name one L2 table from
 * each of its entries, and every snapshot's L1 table may name it again: qemu walks the table each
 * time, which a hostile file of a few megabytes turns into 2^40 steps. Here the first walk is
 * recorded; a later one adds the recorded findings again and counts a repeat, whose references
 * the caller adds all at once at the end (refcounts are sums, so only where an overflow is
 * reported in the list can differ from qemu's).
 */
import { CHECK_MAX_REMEMBERED_L2_TABLES } from '../limits.js';
import type { FindingCode, FindingList, FindingRecord } from './findings.js';

interface Walk<T> {
  readonly record: FindingRecord;
  readonly value: T;
  repeats: number;
}

export class WalkMemo<T> {
  private readonly walks = new Map<number, Walk<T>>();

  /** `skip`: findings that depend on more than the table (see FindingList.startRecord). */
  constructor(private readonly out: FindingList, private readonly skip: FindingCode) {}

  /**
   * The table at `offset`: `walk` the first time, and what it returned; after that, its findings
   * again, through `findingsOnly` when they were too many to record, and the same value.
   */
  visit(offset: number, walk: () => T, findingsOnly: () => void): T {
    const seen = this.walks.get(offset);
    if (seen) {
      seen.repeats++;
      if (!this.out.replay(seen.record)) findingsOnly();
      return seen.value;
    }
    if (this.walks.size >= CHECK_MAX_REMEMBERED_L2_TABLES) return walk();
    this.out.startRecord(this.skip);
    let value: T;
    try {
      value = walk();
    } catch (err) {
      this.out.stopRecord();
      throw err;
    }
    this.walks.set(offset, { record: this.out.stopRecord(), value, repeats: 0 });
    return value;
  }

  /** Every table met more than once: its offset and how many times after the first. */
  *repeated(): Iterable<[offset: number, repeats: number]> {
    for (const [offset, w] of this.walks) if (w.repeats > 0) yield [offset, w.repeats];
  }
}
