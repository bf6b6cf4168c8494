/**
 * `tsvirt image <command> FILE [options]`: the offline image inspector on the command line.
 *
 * Commands
 *   info FILE        like `qemu-img info` (human text, or --json for `--output=json`)
 *   snapshots FILE   like `qemu-img snapshot -l` (--json: SnapshotInfo objects;
 *                    --details: plus disk size, L1 location and validation, extra data;
 *                    --layout 9.0: the table layout of QEMU 9.0 and later)
 *   check FILE       like `qemu-img check` (read-only; exit codes 0 clean, 2 corruptions,
 *                    3 leaks only, 1 check errors or failure, 63 no check for the format;
 *                    --findings: the structured findings as JSON instead)
 *   map FILE         like `qemu-img map` (--json: `--output=json`; --layout 8.2 adds "compressed")
 *   partitions FILE  MBR/GPT partitions of the guest disk (reads through the backing chain)
 *   detect FILE      every format the file matches, with the evidence; exit 2 when ambiguous
 *
 * Options
 *   --json                  machine-readable output
 *   --format FMT, -f FMT    the image's format (qcow2, qcow, raw); without it the format is
 *                           probed, and an ambiguous file is refused
 *   --backing-chain         info: every image of the backing chain (needs --allow-backing)
 *   --allow-backing         let backing files named by the image be opened (never by default);
 *                           names are plain paths relative to the image's directory
 *   --probe-backing-format  probe a backing file whose format the image does not record
 *   --allow-data-file       partitions: let an external data file be opened
 *   --no-progress           no progress bar (one is drawn on stderr for long check/map on a TTY)
 *   --lenient               info, snapshots, check: inspect what can be read of a damaged image;
 *                           problems after the fixed header become findings instead of errors
 *                           (a skipped part is named on stderr; check counts each as an error)
 *   --findings              info, check: print the structured findings (stable codes) as JSON
 *
 * Exit codes: 0 success, 1 error (the message is on stderr), and check's codes above.
 */
import { basename } from 'node:path';
import { isImageError } from '../image/errors.js';
import type { Finding, FormatChoice, ImageFormatName, MapLayout, SnapshotLayout } from '../image/index.js';
import { IMAGE_FORMATS } from '../image/probe.js';

// Each command imports only the modules it uses, when it runs: a short command such as info
// should not pay for loading check, map and the guest reader (start-up is most of its time).

export interface ImageCommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

interface Parsed {
  command: string;
  file: string;
  json: boolean;
  format: FormatChoice;
  backingChain: boolean;
  allowBacking: boolean;
  probeBackingFormat: boolean;
  allowDataFile: boolean;
  details: boolean;
  findings: boolean;
  progress: boolean;
  layout: string | undefined;
  lenient: boolean;
  /** The options given, by their long name (--output=json as --json, -f as --format). */
  given: Set<string>;
}

const USAGE = 'usage: tsvirt image info|snapshots|check|map|partitions|detect FILE [--json] [--format FMT] [--backing-chain] [--allow-backing]\n';
const FORMATS: ReadonlySet<string> = new Set(IMAGE_FORMATS);

class UsageError extends Error {}

function parse(argv: readonly string[]): Parsed {
  const p: Parsed = {
    command: '', file: '', json: false, format: 'probe', backingChain: false, allowBacking: false, probeBackingFormat: false,
    allowDataFile: false, details: false, findings: false, progress: true, layout: undefined, lenient: false, given: new Set(),
  };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a.startsWith('-') && a !== '-') p.given.add(a === '--output=json' ? '--json' : a === '-f' ? '--format' : a);
    switch (a) {
      case '--json': p.json = true; break;
      case '--output=json': p.json = true; break;
      case '-f': case '--format': {
        const f = value();
        if (!FORMATS.has(f)) throw new UsageError(`unknown format '${f}'`);
        p.format = f as ImageFormatName;
        break;
      }
      case '--backing-chain': p.backingChain = true; break;
      case '--allow-backing': p.allowBacking = true; break;
      case '--probe-backing-format': p.probeBackingFormat = true; break;
      case '--allow-data-file': p.allowDataFile = true; break;
      case '--details': p.details = true; break;
      case '--findings': p.findings = true; break;
      case '--no-progress': p.progress = false; break;
      case '--lenient': p.lenient = true; break;
      case '--layout': p.layout = value(); break;
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option '${a}'`);
        positional.push(a);
    }
  }
  if (positional.length !== 2) throw new UsageError('expected a command and one FILE');
  [p.command, p.file] = positional as [string, string];
  checkOptions(p);
  checkLayout(p);
  return p;
}

/** The options each command reads; any other is refused, as qemu-img refuses it, not ignored. */
const OPTIONS: Readonly<Record<string, readonly string[]>> = {
  info: ['--json', '--format', '--backing-chain', '--allow-backing', '--probe-backing-format', '--lenient', '--findings'],
  snapshots: ['--json', '--format', '--lenient', '--details', '--layout'],
  check: ['--json', '--format', '--lenient', '--findings', '--no-progress'],
  map: ['--json', '--format', '--allow-backing', '--probe-backing-format', '--no-progress', '--layout'],
  partitions: ['--json', '--format', '--allow-backing', '--probe-backing-format', '--allow-data-file'],
  detect: ['--json'],
};

function checkOptions(p: Parsed): void {
  const known = OPTIONS[p.command];
  if (known === undefined) return; // an unknown command is reported as such
  const extra = [...p.given].filter((o) => !known.includes(o));
  if (extra.length > 0) throw new UsageError(`${p.command} takes no ${extra.join(', ')} (it takes ${known.join(', ')})`);
}

/** The output layouts of the commands that have more than one (qemu-img 7.2's is the default). */
const LAYOUTS: Readonly<Record<string, readonly string[]>> = { snapshots: ['7.2', '9.0'], map: ['7.2', '8.2'] };

/** A --layout a command does not have is refused: falling back to 7.2's in silence would hide a typo. */
function checkLayout(p: Parsed): void {
  if (p.layout === undefined || !Object.hasOwn(COMMANDS, p.command)) return;
  const known = LAYOUTS[p.command] ?? [];
  if (known.includes(p.layout)) return;
  throw new UsageError(known.length === 0 ? `${p.command} takes no --layout` : `unknown layout '${p.layout}' for ${p.command} (${known.join(' or ')})`);
}

/** A progress bar on stderr, drawn only on a TTY and only once the work has taken a while. */
export function progressBar(io: ImageCommandIo, enabled: boolean, clock: () => number = Date.now): { tick: (done: number, total: number) => void; end: () => void } {
  const tty = enabled && (io.stderr as NodeJS.WriteStream).isTTY === true;
  const started = clock();
  let last = 0;
  let drawn = false;
  return {
    tick: (done, total) => {
      if (!tty) return;
      const now = clock();
      if (now - started < 500 || now - last < 100 || total <= 0) return;
      last = now;
      drawn = true;
      const pct = Math.min(100, (done * 100) / total);
      const bar = '#'.repeat(Math.round(pct / 2.5)).padEnd(40);
      io.stderr.write(`\r    (${pct.toFixed(2).padStart(6)}/100%) [${bar}]`);
    },
    end: () => {
      if (drawn) io.stderr.write('\r\x1b[K');
    },
  };
}

/** A lenient open's skipped parts, on stderr: never silently missing from the output. */
async function warnSkippedParts(io: ImageCommandIo, findings: readonly Finding[]): Promise<void> {
  const { skippedPartWarning } = await import('../image/lenient-check.js');
  for (const f of findings) {
    const line = skippedPartWarning(f);
    if (line !== undefined) io.stderr.write(`tsvirt image: warning: ${line}\n`);
  }
}

async function runInfo(p: Parsed, io: ImageCommandIo): Promise<number> {
  const { imageInfo, imageInfoJson } = await import('../image/info-api.js');
  const { infoHumanText } = await import('../image/info-human.js');
  const info = await imageInfo(p.file, {
    format: p.format, displayName: p.file, backingChain: p.backingChain, allowBacking: p.allowBacking, probeBackingFormat: p.probeBackingFormat,
    lenient: p.lenient,
  });
  await warnSkippedParts(io, info.findings.flat());
  if (p.findings) io.stdout.write(`${JSON.stringify(info.findings.length === 1 ? info.findings[0] : info.findings, null, 2)}\n`);
  else if (p.json) io.stdout.write(imageInfoJson(info));
  else io.stdout.write(info.images.map((i) => infoHumanText(i)).join('\n'));
  return 0;
}

async function runSnapshots(p: Parsed, io: ImageCommandIo): Promise<number> {
  const { imageSnapshots, snapshotsJson, snapshotsText } = await import('../image/snapshots-api.js');
  const s = await imageSnapshots(p.file, { format: p.format, lenient: p.lenient });
  await warnSkippedParts(io, s.findings);
  const layout: SnapshotLayout = p.layout === '9.0' ? 'qemu-9.0' : 'qemu-7.2';
  io.stdout.write(p.json || p.details ? snapshotsJson(s, p.details) : snapshotsText(s, layout));
  return 0;
}

async function runCheck(p: Parsed, io: ImageCommandIo): Promise<number> {
  const { checkFindings, imageCheck } = await import('../image/check-api.js');
  const bar = progressBar(io, p.progress);
  const r = await imageCheck(p.file, { format: p.format, displayName: p.file, progress: bar.tick, lenient: p.lenient });
  bar.end();
  if (r.format !== 'qcow2') {
    io.stderr.write('tsvirt image: This image format does not support checks\n');
    return r.exitCode;
  }
  if (p.findings) {
    io.stdout.write(`${JSON.stringify(checkFindings(r), null, 2)}\n`);
    return r.exitCode;
  }
  io.stderr.write(r.stderr);
  io.stdout.write(p.json ? r.json : r.human);
  if (r.exitCode === 1) io.stderr.write('tsvirt image: Check failed\n');
  return r.exitCode;
}

async function runMap(p: Parsed, io: ImageCommandIo): Promise<number> {
  const { openChain, closeChain } = await import('../image/backing-chain.js');
  const { guestLayerOf } = await import('../image/guest-layer.js');
  const { mapFileNames, writeMapHuman, writeMapJson } = await import('../image/map.js');
  const chain = openChain(p.file, p.format, { allowBacking: p.allowBacking, probeBackingFormat: p.probeBackingFormat, requireWholeChain: true }, p.file);
  const bar = progressBar(io, p.progress);
  try {
    const layers = chain.map((l) => guestLayerOf(l.image));
    const write = (s: string): void => void io.stdout.write(s);
    if (p.json) writeMapJson(layers, write, (p.layout === '8.2' ? 'qemu-8.2' : 'qemu-7.2') as MapLayout, bar.tick);
    else writeMapHuman(layers, mapFileNames(chain), write, bar.tick);
  } finally {
    bar.end();
    closeChain(chain);
  }
  return 0;
}

async function runPartitions(p: Parsed, io: ImageCommandIo): Promise<number> {
  const { openGuestReader } = await import('../image/reader-api.js');
  const { readPartitions } = await import('../image/partitions.js');
  const opened = await openGuestReader(p.file, { format: p.format, allowBacking: p.allowBacking, probeBackingFormat: p.probeBackingFormat, allowDataFile: p.allowDataFile });
  try {
    const table = readPartitions(opened.reader);
    if (p.json) {
      io.stdout.write(`${JSON.stringify(table, null, 2)}\n`);
      return 0;
    }
    io.stdout.write(`Partition table: ${table.scheme}${table.diskId ? ` (disk id ${table.diskId})` : ''}\n`);
    if (table.partitions.length > 0) io.stdout.write(`${'#'.padEnd(4)}${'Start'.padStart(14)}${'Size'.padStart(14)}  Type\n`);
    for (const part of table.partitions) {
      const extra = part.name ? `  ${part.name}` : part.bootable ? '  (boot)' : '';
      io.stdout.write(`${String(part.number).padEnd(4)}${String(part.start).padStart(14)}${String(part.size).padStart(14)}  ${part.type}${extra}\n`);
    }
    for (const problem of table.problems) io.stderr.write(`warning: ${problem}\n`);
    return 0;
  } finally {
    opened.close();
  }
}

async function runDetect(p: Parsed, io: ImageCommandIo): Promise<number> {
  const { ImageFile } = await import('../image/image-file.js');
  const { detectFormat } = await import('../image/probe.js');
  const file = ImageFile.open(p.file);
  try {
    const r = detectFormat(file);
    if (p.json) io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else {
      io.stdout.write(`${basename(p.file)}: ${r.format ?? 'ambiguous'}\n`);
      for (const m of r.matches) io.stdout.write(`  ${m.format} (score ${m.score}): ${m.evidence}\n`);
      if (r.matches.length === 0) io.stdout.write('  raw: no other format matched\n');
      for (const c of r.contents) io.stdout.write(`  contains: ${c}\n`);
    }
    return r.ambiguous ? 2 : 0;
  } finally {
    file.close();
  }
}

const COMMANDS: Readonly<Record<string, (p: Parsed, io: ImageCommandIo) => Promise<number>>> = {
  info: runInfo, snapshots: runSnapshots, check: runCheck, map: runMap, partitions: runPartitions, detect: runDetect,
};

const HELP = `${USAGE}
commands:
  info FILE        like qemu-img info (--json: --output=json; --backing-chain with --allow-backing)
  snapshots FILE   like qemu-img snapshot -l (--json, --details, --layout 9.0)
  check FILE       like qemu-img check, read-only (--json, --findings); exit 0, 2, 3, 1 or 63
  map FILE         like qemu-img map (--json; --layout 8.2 adds "compressed")
  partitions FILE  MBR/GPT partitions of the guest disk (--json)
  detect FILE      every format the file matches, with evidence; exit 2 when ambiguous

options:
  --format FMT, -f FMT    the image's format; without it the format is probed (ambiguous files are refused)
  --allow-backing         let backing files named by the image be opened (never by default)
  --probe-backing-format  probe a backing file whose format the image does not record
  --allow-data-file       partitions: let an external data file be opened
  --lenient               inspect what can be read of a damaged image (problems become findings, named on stderr)
  --no-progress           no progress bar on stderr
`;

export async function runImageCommand(argv: string[], io: ImageCommandIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    io.stdout.write(HELP);
    return 0;
  }
  let parsed: Parsed;
  try {
    parsed = parse(argv);
  } catch (err) {
    io.stderr.write(`tsvirt image: ${(err as Error).message}\n${USAGE}`);
    return 1;
  }
  const run = COMMANDS[parsed.command];
  if (!run) {
    io.stderr.write(`tsvirt image: unknown command '${parsed.command}'\n${USAGE}`);
    return 1;
  }
  try {
    return await run(parsed, io);
  } catch (err) {
    if (!isImageError(err)) throw err;
    // qemu-img's wording: a check that could not run says so ("Check failed: File too large"),
    // anything else failed to open the image.
    const what = err.message.startsWith('Check failed: ') ? err.message : `Could not open '${parsed.file}': ${err.message}`;
    for (const line of err.problemLines ?? []) io.stderr.write(`${line}\n`);
    io.stderr.write(`tsvirt image: ${what}\n`);
    return 1;
  }
}

