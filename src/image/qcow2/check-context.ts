/**
 * What the steps of `check` share: the image, the rebuilt refcount array, the findings, and
 * qemu's qcow2_inc_refcounts_imrt, through which every reference is counted.
 */
import type { ReadWindow } from '../image-file.js';
import type { Finding, FindingList } from './findings.js';
import { hex, UNLISTED } from './findings.js';
import type { Qcow2Image } from './open.js';
import type { RefcountArray } from './refcounts.js';

export interface FragmentationInfo {
  totalClusters: number;
  allocatedClusters: number;
  compressedClusters: number;
  fragmentedClusters: number;
}

export interface Qcow2CheckResult {
  readonly corruptions: number;
  readonly leaks: number;
  readonly checkErrors: number;
  readonly imageEndOffset: number;
  readonly fragmentation: FragmentationInfo;
  /** The first CHECK_MAX_LISTED_FINDINGS findings, then one FINDINGS_NOT_LISTED if there were more. */
  readonly findings: readonly Finding[];
  /** Findings counted but not listed (0 unless the image has more than CHECK_MAX_LISTED_FINDINGS). */
  readonly unlistedFindings: number;
}

export interface CheckProgress {
  (done: number, total: number): void;
}

/** State shared by the steps of one check. */
export interface CheckContext {
  readonly img: Qcow2Image;
  /** Read-ahead for the L2 walks (views are used before the next read). */
  readonly window: ReadWindow;
  readonly refs: RefcountArray;
  readonly out: FindingList;
  readonly fileSize: number;
  /** The image was opened leniently: what qemu would fail the whole check for becomes a finding. */
  readonly lenient: boolean;
}

/** qemu qcow2_inc_refcounts_imrt: one reference to every cluster of [offset, offset+size). */
export function incRefcounts(ctx: CheckContext, offset: number, size: number): void {
  if (size <= 0 || regionBeyondEof(ctx, offset, size)) return;
  addReferences(ctx, offset, size, 1);
}

/** A region that ends a cluster or more past the end of the file (the last may be half written). */
const pastEof = (ctx: CheckContext, offset: number, size: number): boolean => offset + size - ctx.fileSize >= ctx.img.header.clusterSize;

/**
 * The finding qemu_inc_refcounts_imrt reports for a region past the end of the file; true when
 * there is one (the region's clusters are then not counted).
 */
export function regionBeyondEof(ctx: CheckContext, offset: number, size: number): boolean {
  if (!pastEof(ctx, offset, size)) return false;
  beyondEofFinding(ctx.out, offset, size);
  return true;
}

/*
 * The messages of the findings below are closures, made in functions of their own: capturing the
 * variables of a function called for every entry walked, or of a loop, would allocate them on
 * every call or turn, a finding or not. None is made once the list is full.
 */

function beyondEofFinding(out: FindingList, offset: number, size: number): void {
  out.add('REGION_BEYOND_EOF', 'corruption', out.full ? UNLISTED
    : () => `ERROR: counting reference for region exceeding the end of the file by one cluster or more: offset 0x${hex(offset)} size 0x${hex(size)}`, offset);
}

function overflowFindings(out: FindingList, count: number, clusterOffset: number): void {
  if (out.full) out.addRun('REFCOUNT_OVERFLOW', 'corruption', count, UNLISTED, UNLISTED);
  else out.addRun('REFCOUNT_OVERFLOW', 'corruption', count, () => `ERROR: overflow cluster offset=0x${hex(clusterOffset)}`, () => clusterOffset);
}

/**
 * `times` references to every cluster of a region within the file (see regionBeyondEof), each
 * one past the refcount width's maximum reported as qemu does.
 */
export function addReferences(ctx: CheckContext, offset: number, size: number, times: number): void {
  if (size <= 0 || times <= 0 || pastEof(ctx, offset, size)) return;
  const cs = ctx.img.header.clusterSize;
  const first = Math.floor(offset / cs);
  const last = Math.floor((offset + size - 1) / cs);
  for (let k = first; k <= last; k++) {
    if (k >= ctx.refs.size) ctx.refs.grow(k + 1);
    const over = ctx.refs.add(k, times);
    if (over > 0) overflowFindings(ctx.out, over, k * cs);
  }
}

export const entryHex = (hi: number, lo: number): string => ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString(16);
