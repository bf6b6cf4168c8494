/**
 * `check` and `map` as library calls returning what qemu-img would print.
 */
import { closeChain, openChain } from './backing-chain.js';
import type { BackingPolicy } from './backing-chain.js';
import { checkExitCode, checkHumanText, checkJsonText, checkStderrText } from './check-report.js';
import type { CheckReport } from './check-report.js';
import { guestLayerOf } from './guest-layer.js';
import { skippedByOpen, withSkippedParts } from './lenient-check.js';
import { writeMapJson, walkMap } from './map.js';
import type { MapEntry, MapLayout, MapProgress } from './map.js';
import { openImage, closeImage } from './open-image.js';
import { BACKING_POLICY_KEYS, checkImageOptions, optionKeys } from './option-checks.js';
import type { FormatChoice } from './open-image.js';
import { checkQcow2 } from './qcow2/check.js';
import type { CheckProgress, Qcow2CheckResult } from './qcow2/check.js';
import type { Finding } from './qcow2/findings.js';

export interface CheckOptions {
  readonly format?: FormatChoice;
  readonly displayName?: string;
  readonly progress?: CheckProgress;
  /** Open leniently: problems in the snapshot table, extensions... become findings, the rest is checked. */
  readonly lenient?: boolean;
}

export interface ImageCheckResult extends CheckReport {
  /** What `qemu-img check --output=json` prints. */
  readonly json: string;
  /** What `qemu-img check` prints on stdout. */
  readonly human: string;
  /** The problem lines qemu-img prints on stderr. */
  readonly stderr: string;
  /** qemu-img's exit code: 0, 2 corruptions, 3 leaks only, 1 check errors, 63 no check for the format. */
  readonly exitCode: number;
  /**
   * Problems met while opening (warnings; in lenient mode also what would have stopped the open).
   * Those a lenient check counts as errors are also in `result.findings`, as ERROR lines.
   */
  readonly openFindings: readonly Finding[];
}

/** Formats with no consistency check, as qemu-img says for raw. */
export const NO_CHECK_EXIT_CODE = 63;

const CHECK_KEYS = optionKeys<CheckOptions>({ format: true, displayName: true, progress: true, lenient: true });

export async function imageCheck(path: string, options: CheckOptions = {}): Promise<ImageCheckResult> {
  checkImageOptions(options, CHECK_KEYS, 'imageCheck');
  const img = openImage(path, options.format ?? 'probe', { lenient: options.lenient ?? false, check: true });
  try {
    const filename = options.displayName ?? path;
    if (img.kind !== 'qcow2') {
      const empty: Qcow2CheckResult = { corruptions: 0, leaks: 0, checkErrors: 0, imageEndOffset: 0, findings: [], unlistedFindings: 0,
        fragmentation: { totalClusters: 0, allocatedClusters: 0, compressedClusters: 0, fragmentedClusters: 0 } };
      return { filename, format: img.kind, result: empty, openFindings: [], json: '', human: '', stderr: 'This image format does not support checks\n', exitCode: NO_CHECK_EXIT_CODE };
    }
    const lenient = options.lenient ?? false;
    const checked = checkQcow2(img.qcow2, options.progress, lenient);
    // A lenient open may have skipped parts qemu would refuse: they count as errors here.
    const { result, leaksUnreliable } = withSkippedParts(checked, lenient ? skippedByOpen(img.qcow2.findings, checked.findings) : []);
    const report: CheckReport = { filename, format: 'qcow2', result, leaksUnreliable };
    return {
      ...report, openFindings: img.qcow2.findings, json: checkJsonText(report), human: checkHumanText(report), stderr: checkStderrText(report), exitCode: checkExitCode(report),
    };
  } finally {
    closeImage(img);
  }
}

/**
 * Every finding of a check once: the open's (but those the check counted, which are among its own
 * as ERROR lines), then the check's.
 */
export function checkFindings(r: ImageCheckResult): Finding[] {
  const counted = new Set(skippedByOpen(r.openFindings, r.result.findings));
  return [...r.openFindings.filter((f) => !counted.has(f)), ...r.result.findings];
}

export interface MapOptions extends BackingPolicy {
  readonly format?: FormatChoice;
  readonly layout?: MapLayout;
  readonly progress?: MapProgress;
}

/** Opens the chain the way map needs it: a backing file that may not be opened is an error. */
const MAP_KEYS = [...BACKING_POLICY_KEYS, ...optionKeys<Omit<MapOptions, keyof BackingPolicy>>({ format: true, layout: true, progress: true })];

function mapChain<T>(path: string, options: MapOptions, use: (layers: ReturnType<typeof guestLayerOf>[]) => T): T {
  checkImageOptions(options, MAP_KEYS, 'imageMap');
  const chain = openChain(path, options.format ?? 'probe', { ...options, requireWholeChain: true });
  try {
    return use(chain.map((l) => guestLayerOf(l.image)));
  } finally {
    closeChain(chain);
  }
}

/** Every merged extent, as objects. */
export async function imageMap(path: string, options: MapOptions = {}): Promise<MapEntry[]> {
  return mapChain(path, options, (layers) => {
    const out: MapEntry[] = [];
    walkMap(layers, (e) => out.push({ ...e }), options.progress);
    return out;
  });
}

/** The text `qemu-img map --output=json` prints. */
export async function imageMapJson(path: string, options: MapOptions = {}): Promise<string> {
  return mapChain(path, options, (layers) => {
    const parts: string[] = [];
    writeMapJson(layers, (s) => parts.push(s), options.layout, options.progress);
    return parts.join('');
  });
}

/** Streams the map JSON to a writer without holding all extents. */
export async function writeImageMapJson(path: string, write: (chunk: string) => void, options: MapOptions = {}): Promise<void> {
  mapChain(path, options, (layers) => writeMapJson(layers, write, options.layout, options.progress));
}
