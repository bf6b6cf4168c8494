#!/usr/bin/env node
// The tsvirt command line. Each command is a module with run(argv, io) -> exit code.
import { isLibvirtError } from '../ffi/index.js';
import { UsageError, type Io } from './args.js';

const usage = `usage: tsvirt <command> [options]

commands:
  version [--json]                       tsvirt, the loaded libvirt, and the libvirt the bindings came from
                                         (also --version, -V)
  api [--missing] [--kind K] [--json]    every bound symbol with its \`since\`; --missing: what the loaded libvirt lacks
  tour [--connect URI]                   versions, node, domains and pools of a connection, and
                                         a sample qcow2 image inspected offline
  domain list|info|define|undefine|start|shutdown|destroy|reboot|suspend|resume [NAME|FILE]
                                         (start: --paused; destroy: --graceful;
                                         shutdown, reboot: --mode acpi,agent,initctl,signal,paravirt;
                                         undefine: --managed-save, --snapshots-metadata,
                                         --checkpoints-metadata, --nvram or --keep-nvram,
                                         --tpm or --keep-tpm)
  domain xml NAME [--inactive]           the domain's XML (--inactive: its persistent definition)
  domain screenshot NAME FILE [--screen N] [--force]
                                         save a screenshot (its MIME type in the report)
  snapshot list [--tree]|create|current|revert|delete DOMAIN [NAME]
                                         (create: --description TEXT, --live, --halt,
                                         --quiesce, --atomic, --disk-only,
                                         --overlay DISK=FILE for a disk-only one;
                                         revert: --running or --paused, --force;
                                         delete: --children or --children-only,
                                         either with --metadata-only too)
  pool list|info [NAME]
  vol list|info|delete|snapshots POOL [VOL]
                                         vol snapshots: the qcow2 snapshot table beside libvirt's
  vol create POOL VOL --capacity 64M [--allocation 16M] [--format qcow2|raw|...]
  vol clone POOL SOURCE NEW [--format qcow2|raw|...]
  vol upload POOL VOL FILE [--no-sparse] [--offset N]
  vol download POOL VOL FILE [--no-sparse] [--offset N] [--length N] [--force]
                                         with a progress bar; holes stay holes
  net list|info|start|destroy [NAME]    virtual networks
  net autostart NAME [--disable]
  secret list|info|define|undefine [UUID|FILE]
                                         libvirt's secrets (values are never printed)
  iface list|info [NAME] [--inactive]    the host's network interfaces
  nodedev list [--cap TYPE]|info [NAME]  the host's devices (pci, net, storage, scsi_host, ...)
  nwfilter list|info|define|undefine [NAME|FILE]
                                         network filters: chain, priority, rules, references
  events [--domain NAME] [--types T,T] [--count N]
                                         print events as they happen (JSON lines with --json)
                                         until Ctrl-C; types: domain:lifecycle, pool:lifecycle, ...
                                         (default: every family the driver supports;
                                         qemu:monitor, raw QMP events, only when named)
  image info|snapshots|check|map|partitions|detect FILE [--json] ...
                                         the offline disk-image inspector (tsvirt image --help)

A domain is named by its name, UUID or ID. Every connecting command takes --connect URI, and
all but tour take --json. The connection defaults to $LIBVIRT_DEFAULT_URI, else test:///default.
An action reports one line, KIND NAME: WHAT (domain test: suspended), or with --json an object
{ kind, name, action, ... }. tsvirt help COMMAND prints the usage of that command.
`;

type Command = (argv: string[], io: Io) => number | Promise<number>;
// Loaded on demand: start-up stays that of plain Node plus the one command's modules.
const commands: Record<string, () => Promise<Command>> = {
  version: async () => (await import('./version-command.js')).runVersion,
  api: async () => (await import('./api-command.js')).runApi,
  tour: async () => (await import('./tour-command.js')).runTour,
  image: async () => (await import('./image-command.js')).runImageCommand,
  domain: async () => (await import('./domain-commands.js')).runDomain,
  snapshot: async () => (await import('./snapshot-commands.js')).runSnapshot,
  pool: async () => (await import('./storage-commands.js')).runPool,
  vol: async () => (await import('./storage-commands.js')).runVol,
  net: async () => (await import('./network-commands.js')).runNet,
  secret: async () => (await import('./host-commands.js')).runSecret,
  iface: async () => (await import('./host-commands.js')).runIface,
  nodedev: async () => (await import('./host-commands.js')).runNodedev,
  nwfilter: async () => (await import('./host-commands.js')).runNwfilter,
  events: async () => (await import('./events-command.js')).runEvents,
};

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    io.stdout.write(usage);
    return name === undefined ? 2 : 0;
  }
  // `tsvirt help domain` is `tsvirt domain --help`.
  if (name === 'help') return rest.length === 1 ? main([...rest, '--help'], io) : helpUsage(rest, io);
  // The spelling most tools answer to, as `tsvirt version` (with its options: --version --json).
  const command = name === '--version' || name === '-V' ? 'version' : name;
  const load = commands[command];
  if (!load) { io.stderr.write(`tsvirt: unknown command "${name}"\n\n${usage}`); return 2; }
  // `tsvirt image` has a help of its own; the others share this one.
  if (command !== 'image' && asksForHelp(rest)) { io.stdout.write(commandUsage(command)); return 0; }
  try {
    return await (await load())(rest, io);
  } catch (err) {
    return report(err, command, io);
  }
}

/** `tsvirt help A B`: help is about one command. */
function helpUsage(words: string[], io: Io): number {
  io.stderr.write(`tsvirt: help takes one command (got ${words.join(' ')})\n\n${usage}`);
  return 2;
}

/** --help or -h among the options (a word after `--` is an argument, not an option). */
function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** The usage lines of one command (with their continuation lines) and the closing notes. */
function commandUsage(name: string): string {
  const [, body = '', notes = ''] = /^[^]*?commands:\n([^]*?)\n\n([^]*)$/.exec(usage) ?? [];
  const lines: string[] = [];
  let mine = false;
  for (const line of body.split('\n')) {
    if (!/^ {3,}/.test(line)) mine = line.trimStart().split(' ')[0] === name;
    if (mine) lines.push(line);
  }
  return `usage: tsvirt ${name} ...\n\n${lines.join('\n')}\n\n${notes}`;
}

/**
 * A usage error is followed by the usage of its command alone: the error stays in sight above a
 * few lines, instead of above every command's.
 */
function report(err: unknown, command: string, io: Io): number {
  if (err instanceof UsageError) { io.stderr.write(`tsvirt: ${err.message}\n\n${commandUsage(command)}`); return 2; }
  if (isLibvirtError(err)) { io.stderr.write(`tsvirt: ${err.codeName}: ${err.message}\n`); return 1; }
  io.stderr.write(`tsvirt: ${err instanceof Error ? err.message : String(err)}${forceHint(err, command)}\n`);
  return 1;
}

/** An output file that exists is refused (EEXIST) by the commands that can replace it, with --force. */
function forceHint(err: unknown, command: string): string {
  return (err as NodeJS.ErrnoException | null)?.code === 'EEXIST' && commandUsage(command).includes('--force') ? ' (--force replaces it)' : '';
}

// `tsvirt api | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: () => process.stdin });
