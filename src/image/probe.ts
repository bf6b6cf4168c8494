/**
 * Format detection. Every probe is run, not just until one matches, so a polyglot (a file that
 * is valid as two formats) is reported as ambiguous instead of silently won by one of them.
 * Probing only says what a file looks like: nothing that reads an image trusts it (CVE-2008-2004).
 * The tests are qemu 7.2's own `bdrv_probe` functions, over the same buffer qemu's
 * find_image_format() gives them: the first 2048 bytes, zero-padded to 2048 when the file is
 * shorter. So a file shorter than a format's header is still that format when qemu says so (an
 * 83-byte qcow2 header naming a backing file is qcow2 to qemu, never "just raw"), and an empty
 * file is raw whatever its name.
 */
import { basename } from 'node:path';
import type { ImageFile } from './image-file.js';
import { PROBE_BYTES } from './limits.js';

/** Every format detection knows, by qemu's name for it. */
export const IMAGE_FORMATS = ['raw', 'qcow', 'qcow2', 'qed', 'vmdk', 'vdi', 'vpc', 'vhdx', 'luks', 'parallels', 'bochs', 'cloop', 'dmg'] as const;
export type ImageFormatName = (typeof IMAGE_FORMATS)[number];

export interface FormatMatch {
  readonly format: ImageFormatName;
  /** qemu's probe score: 100 for a magic number, 2 for weak evidence. */
  readonly score: number;
  /** What was seen, e.g. "magic QFI\xfb at 0, version 3". */
  readonly evidence: string;
}

export interface DetectResult {
  /** Every non-raw format that matched, strongest first. */
  readonly matches: readonly FormatMatch[];
  /** More than one format matched with the best score. */
  readonly ambiguous: boolean;
  /** The single best format; 'raw' when nothing matched; undefined when ambiguous. */
  readonly format: ImageFormatName | undefined;
  /** Things inside a raw-looking image worth knowing (partition tables, ISO 9660). */
  readonly contents: readonly string[];
}

type Probe = (buf: Buffer, name: string) => Omit<FormatMatch, 'format'> | undefined;

const ascii = (buf: Buffer, start: number, end: number): string => buf.toString('latin1', start, end);
const cString = (buf: Buffer, start: number, len: number): string => {
  const raw = ascii(buf, start, start + len);
  const nul = raw.indexOf('\0');
  return nul < 0 ? raw : raw.slice(0, nul);
};

// The probes below see a PROBE_BYTES buffer (see probeBuffer), so the `buf_size >= sizeof(header)`
// guards of qemu's probes always hold and are left out; a file shorter than the header reads as
// zeros past its end, as it does for qemu.

const probeQcow: Probe = (b) =>
  b.readUInt32BE(0) === 0x514649fb && b.readUInt32BE(4) === 1
    ? { score: 100, evidence: 'magic QFI\\xfb at 0, version 1' }
    : undefined;

// qemu accepts any version >= 2 here.
const probeQcow2: Probe = (b) =>
  b.readUInt32BE(0) === 0x514649fb && b.readUInt32BE(4) >= 2
    ? { score: 100, evidence: `magic QFI\\xfb at 0, version ${b.readUInt32BE(4)}` }
    : undefined;

// Magic 'QED\0' little-endian.
const probeQed: Probe = (b) =>
  b.readUInt32LE(0) === 0x00444551 ? { score: 100, evidence: "magic 'QED\\0' at 0" } : undefined;

const VMDK_VERSION_LINES = ['version=1\n', 'version=2\n', 'version=3\n', 'version=1\r\n', 'version=2\r\n', 'version=3\r\n'];

/** qemu vmdk_probe: '#' comment lines and blank lines, then a `version=N` line. */
function vmdkTextDescriptor(b: Buffer): boolean {
  const s = ascii(b, 0, b.length);
  let p = 0;
  while (p < s.length) {
    if (s[p] === '#') {
      while (p < s.length && s[p] !== '\n') p++;
      p++;
      continue;
    }
    if (s[p] === ' ') {
      while (p < s.length && s[p] === ' ') p++;
      if (p < s.length && s[p] === '\r') p++;
      if (p === s.length || s[p] !== '\n') return false;
      p++;
      continue;
    }
    return VMDK_VERSION_LINES.some((line) => s.startsWith(line, p));
  }
  return false;
}

const probeVmdk: Probe = (b) => {
  if (b.readUInt32BE(0) === 0x4b444d56) return { score: 100, evidence: "magic 'KDMV' at 0 (sparse extent)" };
  if (b.readUInt32BE(0) === 0x434f5744) return { score: 100, evidence: "magic 'COWD' at 0 (ESX COW)" };
  return vmdkTextDescriptor(b) ? { score: 100, evidence: 'text descriptor with a version= line' } : undefined;
};

const probeVdi: Probe = (b) =>
  b.readUInt32LE(0x40) === 0xbeda107f ? { score: 100, evidence: 'signature 0xbeda107f at 0x40' } : undefined;

const probeVpc: Probe = (b) => (ascii(b, 0, 8) === 'conectix' ? { score: 100, evidence: "cookie 'conectix' at 0" } : undefined);

const probeVhdx: Probe = (b) => (ascii(b, 0, 8) === 'vhdxfile' ? { score: 100, evidence: "signature 'vhdxfile' at 0" } : undefined);

// LUKS1 phdr is 592 bytes: magic 'LUKS\xba\xbe', BE16 version. qemu 7.2 knows version 1 only.
const probeLuks: Probe = (b) => {
  if (ascii(b, 0, 6) !== 'LUKS\xba\xbe') return undefined;
  const version = b.readUInt16BE(6);
  if (version === 1) return { score: 100, evidence: "magic 'LUKS\\xba\\xbe' at 0, version 1" };
  return { score: 2, evidence: `magic 'LUKS\\xba\\xbe' at 0, version ${version} (qemu 7.2 opens version 1 only)` };
};

const probeParallels: Probe = (b) => {
  const magic = ascii(b, 0, 16);
  if ((magic === 'WithoutFreeSpace' || magic === 'WithouFreSpacExt') && b.readUInt32LE(16) === 2) {
    return { score: 100, evidence: `magic '${magic}' at 0, version 2` };
  }
  return undefined;
};

// Bochs: char magic[32], type[16], subtype[16], LE32 version at 64.
const probeBochs: Probe = (b) => {
  const version = b.readUInt32LE(64);
  if (
    cString(b, 0, 32) === 'Bochs Virtual HD Image' &&
    cString(b, 32, 16) === 'Redolog' &&
    cString(b, 48, 16) === 'Growing' &&
    (version === 0x00020000 || version === 0x00010000)
  ) {
    return { score: 100, evidence: `'Bochs Virtual HD Image' Redolog/Growing, version 0x${version.toString(16)}` };
  }
  return undefined;
};

const CLOOP_MAGIC = '#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n';
const probeCloop: Probe = (b) =>
  ascii(b, 0, CLOOP_MAGIC.length) === CLOOP_MAGIC
    ? { score: 2, evidence: 'cloop V2.0 shell preamble at 0' }
    : undefined;

/** qemu's dmg probe looks at the name only; the UDIF 'koly' trailer is checked separately. */
const probeDmgName: Probe = (_b, name) =>
  name.length > 4 && name.endsWith('.dmg') ? { score: 2, evidence: "file name ends in '.dmg'" } : undefined;

const PROBES: ReadonlyArray<readonly [ImageFormatName, Probe]> = [
  ['qcow', probeQcow], ['qcow2', probeQcow2], ['qed', probeQed], ['vmdk', probeVmdk], ['vdi', probeVdi],
  ['vpc', probeVpc], ['vhdx', probeVhdx], ['luks', probeLuks], ['parallels', probeParallels],
  ['bochs', probeBochs], ['cloop', probeCloop], ['dmg', probeDmgName],
];

/**
 * Bytes of the header each format's probe reads (qemu's `sizeof` in its probe's buf_size guard),
 * for the evidence of a file shorter than that: qemu probes it zero-padded, and so do we.
 */
const HEADER_BYTES: Partial<Record<ImageFormatName, number>> = {
  qcow: 48, qcow2: 112, qed: 64, vdi: 512, parallels: 64, bochs: 512, luks: 592,
};

/** The buffer qemu's find_image_format() probes: the first PROBE_BYTES bytes, zeros past the end. */
function probeBuffer(head: Buffer): Buffer {
  if (head.length >= PROBE_BYTES) return head.subarray(0, PROBE_BYTES);
  const buf = Buffer.alloc(PROBE_BYTES);
  head.copy(buf);
  return buf;
}

/**
 * Probes the start of a file: `head` is its first bytes, all of them when the file is shorter
 * than PROBE_BYTES (an empty `head` is an empty file, which qemu calls raw without probing).
 * `tail` is the file's last 512 bytes, for DMG.
 */
export function detectFromBytes(head: Buffer, name: string, tail?: Buffer): DetectResult {
  const matches: FormatMatch[] = [];
  if (head.length > 0) {
    const buf = probeBuffer(head);
    for (const [format, probe] of PROBES) {
      const m = probe(buf, name);
      if (m) matches.push({ format, ...m, evidence: m.evidence + shortFileNote(format, head.length) });
    }
  }
  // UDIF images end with a 512-byte 'koly' trailer: stronger evidence than the name.
  if (tail && tail.length === 512 && ascii(tail, 0, 4) === 'koly') {
    const byName = matches.findIndex((m) => m.format === 'dmg');
    const evidence = "UDIF trailer 'koly' in the last 512 bytes";
    if (byName >= 0) matches[byName] = { format: 'dmg', score: 100, evidence: `${evidence}; file name ends in '.dmg'` };
    else matches.push({ format: 'dmg', score: 100, evidence });
  }
  matches.sort((a, b) => b.score - a.score);
  const best = matches[0];
  const top = matches.filter((m) => m.score === best?.score);
  const ambiguous = top.length > 1;
  return {
    matches,
    ambiguous,
    format: best === undefined ? 'raw' : ambiguous ? undefined : best.format,
    contents: rawContents(head),
  };
}

function shortFileNote(format: ImageFormatName, fileBytes: number): string {
  const header = HEADER_BYTES[format];
  return header !== undefined && fileBytes < header
    ? ` (file shorter than the ${header}-byte header: ${fileBytes} bytes, zero-padded as qemu probes it)`
    : '';
}

function rawContents(head: Buffer): string[] {
  const out: string[] = [];
  if (head.length >= 512 && head[510] === 0x55 && head[511] === 0xaa) out.push('MBR boot signature 0x55aa at 510');
  if (head.length >= 520 && ascii(head, 512, 520) === 'EFI PART') out.push("GPT header 'EFI PART' at LBA 1 (512-byte sectors)");
  if (head.length >= 32774 && ascii(head, 32769, 32774) === 'CD001') out.push("ISO 9660 volume descriptor 'CD001' at 32769");
  return out;
}

/** Reads what the probes need (the first 32 KiB + a bit for ISO 9660, the last 512 bytes). */
export function detectFormat(file: ImageFile): DetectResult {
  const head = file.read(0, Math.min(file.size, 32774));
  const tail = file.size >= 1024 ? file.read(file.size - 512, 512) : undefined;
  return detectFromBytes(head, basename(file.path), tail);
}
