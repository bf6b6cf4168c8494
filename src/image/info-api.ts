/**
 * `info` as a library call: one image, or with `backingChain` every image of the chain (top
 * first) as `qemu-img info --backing-chain` lists them.
 */
import { openChain, closeChain } from './backing-chain.js';
import type { BackingPolicy } from './backing-chain.js';
import { qcow2InfoJson, qcowV1InfoJson, rawInfoJson } from './info.js';
import type { JsonObject } from './info.js';
import type { FormatChoice, OpenedImage } from './open-image.js';
import { BACKING_POLICY_KEYS, checkImageOptions, optionKeys } from './option-checks.js';
import { qemuJsonPretty } from './qemu-json.js';
import type { Finding } from './qcow2/findings.js';

export interface InfoOptions extends BackingPolicy {
  /** The image's format, or 'probe' to opt in to detection (ambiguous files are refused). */
  readonly format?: FormatChoice;
  /** The name printed as "filename" (qemu prints the name it was given); default: the path. */
  readonly displayName?: string;
  /** List the whole backing chain (needs allowBacking for anything past the top image). */
  readonly backingChain?: boolean;
}

/** The fields of qemu's ImageInfo this inspector produces (QAPI names). */
export interface QemuImageInfo {
  readonly filename: string;
  readonly format: string;
  readonly 'dirty-flag': boolean;
  readonly 'actual-size': number;
  readonly 'virtual-size': number;
  readonly 'cluster-size'?: number;
  readonly encrypted?: boolean;
  readonly 'backing-filename'?: string;
  readonly 'full-backing-filename'?: string;
  readonly 'backing-filename-format'?: string;
  readonly snapshots?: readonly Record<string, number | bigint | string>[];
  readonly 'format-specific'?: { readonly type: string; readonly data: Record<string, unknown> };
}

export interface ImageInfoResult {
  /** One entry, or the chain top first when backingChain was asked for. */
  readonly images: readonly QemuImageInfo[];
  readonly backingChain: boolean;
  /** Problems met while opening each image (same order as images). */
  readonly findings: readonly (readonly Finding[])[];
}

export function infoJsonOf(img: OpenedImage, displayName: string): JsonObject {
  if (img.kind === 'qcow2') return qcow2InfoJson(img.qcow2, displayName);
  if (img.kind === 'qcow') return qcowV1InfoJson(img.qcow, displayName);
  return rawInfoJson(img.file, displayName);
}

const INFO_KEYS = [...BACKING_POLICY_KEYS, ...optionKeys<Omit<InfoOptions, keyof BackingPolicy>>({ format: true, displayName: true, backingChain: true })];

export async function imageInfo(path: string, options: InfoOptions = {}): Promise<ImageInfoResult> {
  checkImageOptions(options, INFO_KEYS, 'imageInfo');
  const chain = options.backingChain ?? false;
  // Without --backing-chain nothing past the top image is opened, whatever the policy says.
  const policy: BackingPolicy = chain ? { ...options, requireWholeChain: true } : { allowBacking: false, lenient: options.lenient ?? false };
  const layers = openChain(path, options.format ?? 'probe', policy, options.displayName ?? path);
  try {
    const images = layers.map((l) => infoJsonOf(l.image, l.displayName) as unknown as QemuImageInfo);
    const findings = layers.map((l) => (l.image.kind === 'qcow2' ? l.image.qcow2.findings : []));
    return { images, backingChain: chain, findings };
  } finally {
    closeChain(layers);
  }
}

/** The text `qemu-img info --output=json [--backing-chain]` prints, newline included. */
export function imageInfoJson(info: ImageInfoResult): string {
  const objects = info.images as unknown as JsonObject[];
  if (!info.backingChain) return `${qemuJsonPretty(objects[0] ?? {})}\n`;
  return `${qemuJsonPretty(objects)}\n`;
}
