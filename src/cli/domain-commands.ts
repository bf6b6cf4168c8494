// tsvirt domain: VM management through the SDK, as virsh's list, dominfo, define, start, ...
// Every command takes --connect URI and --json; libvirt failures print the error name and
// message (main.ts).
import { addAbortSignal } from 'node:stream';
import type { Connection, Domain, DomainInfo } from '../sdk/index.js';
import { withOutputFile } from '../sdk/output-file.js';
import * as v from '../../generated/index.js';
import { interruptible, parseCommandArgs, printFields, printJson, printRows, readXml, rowsOf, UsageError, type Io } from './args.js';
import { connectOptions as common, noDomain, onObject, onObjectWith, runSubcommand, type Subcommand } from './connect.js';
import { reportAction, type Action } from './action-report.js';
import { choices, exclusive, flagsOf, switches, type FlagTable } from './option-tables.js';

/** IDs are C ints: a longer run of digits can only be a name. */
const MAX_DOMAIN_ID = 2 ** 31 - 1;

/**
 * The domain a user named by name, UUID or ID, as virsh takes them: digits are tried as a
 * running domain's ID first, then as a name. A failure names what was looked up, which some
 * drivers' errors do not ("Domain not found").
 */
export async function findDomain(conn: Connection, key: string): Promise<Domain> {
  try {
    if (/^\d+$/.test(key) && Number(key) <= MAX_DOMAIN_ID) {
      try {
        return await conn.lookupDomain(Number(key));
      } catch (err) {
        if (!noDomain(err)) throw err;
      }
    }
    return await conn.lookupDomain(key);
  } catch (err) {
    if (noDomain(err) && !err.message.includes(`'${key}'`)) err.message += ` (no domain has the name, UUID or ID '${key}')`;
    throw err;
  }
}

/** `domain start`'s switches, as virsh's start. */
const START_FLAGS = {
  paused: { flag: v.VIR_DOMAIN_START_PAUSED, why: 'start with the CPUs paused (to attach a debugger, or resume later)' },
} as const satisfies FlagTable;

/** `domain destroy`'s switches, as virsh's destroy. */
const DESTROY_FLAGS = {
  graceful: { flag: v.VIR_DOMAIN_DESTROY_GRACEFUL, why: 'ask the hypervisor to end the guest with SIGTERM only, never SIGKILL' },
} as const satisfies FlagTable;

/**
 * `domain undefine`'s switches, as virsh's undefine: libvirt refuses to undefine a domain that
 * has any of these unless told what to do with them.
 */
const UNDEFINE_FLAGS = {
  'managed-save': { flag: v.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE, why: 'remove its managed-save image too' },
  'snapshots-metadata': { flag: v.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA, why: 'forget its snapshots (their data stays in the images)' },
  'checkpoints-metadata': { flag: v.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA, why: 'forget its checkpoints' },
  nvram: { flag: v.VIR_DOMAIN_UNDEFINE_NVRAM, why: 'remove its UEFI variable store' },
  'keep-nvram': { flag: v.VIR_DOMAIN_UNDEFINE_KEEP_NVRAM, why: 'keep its UEFI variable store' },
  tpm: { flag: v.VIR_DOMAIN_UNDEFINE_TPM, why: 'remove its emulated TPM state' },
  'keep-tpm': { flag: v.VIR_DOMAIN_UNDEFINE_KEEP_TPM, why: 'keep its emulated TPM state' },
} as const satisfies FlagTable;

/**
 * `--mode` of shutdown and reboot, virsh's words (comma-separated, libvirt tries each): the
 * shutdown and reboot flags of a mode are the same bit.
 */
const POWER_MODES = {
  acpi: v.VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN,
  agent: v.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT,
  initctl: v.VIR_DOMAIN_SHUTDOWN_INITCTL,
  signal: v.VIR_DOMAIN_SHUTDOWN_SIGNAL,
  paravirt: v.VIR_DOMAIN_SHUTDOWN_PARAVIRT,
} as const;

function powerMode(mode: string | undefined): number {
  if (mode === undefined) return 0;
  return choices('--mode', mode, Object.keys(POWER_MODES) as (keyof typeof POWER_MODES)[]).reduce((flags, m) => flags | POWER_MODES[m], 0);
}

const domainOptions = {
  ...common, screen: { type: 'string' }, force: { type: 'boolean' }, inactive: { type: 'boolean' }, mode: { type: 'string' },
  ...switches(START_FLAGS), ...switches(DESTROY_FLAGS), ...switches(UNDEFINE_FLAGS),
} as const;
type DomainValues = ReturnType<typeof parseCommandArgs<typeof domainOptions>>['values'];

/** What `domain list` and `domain info` show of a domain. */
async function domainRow(d: Domain): Promise<{ name: string; uuid: string } & DomainInfo> {
  return { name: d.name, uuid: d.uuid, ...(await d.getInfo()) };
}

const onDomain = onObject<Domain, DomainValues>('NAME', findDomain);

/** The options an action takes and the flags they make (checked before anything connects). */
interface ActionFlags { readonly options: string[]; readonly read: (values: DomainValues) => number }

const noFlags: ActionFlags = { options: [], read: () => 0 };
const fromTable = (table: FlagTable): ActionFlags => ({ options: Object.keys(table), read: (values) => flagsOf(table, values) });
const withMode: ActionFlags = { options: ['mode'], read: (values) => powerMode(values.mode) };

/** An action on one domain, reported with the domain's name (also when it was named by UUID or ID). */
function action(verb: Action, act: (d: Domain, flags: number) => Promise<unknown>, flags = noFlags): Subcommand<DomainValues> {
  return onDomain(async (d, values, io) => {
    const name = d.name;
    await act(d, flags.read(values));
    return reportAction(io, values.json, { kind: 'domain', name, action: verb });
  }, { options: flags.options, check: (values) => { flags.read(values); } });
}

const domainCommands: Record<string, Subcommand<DomainValues>> = {
  list: {
    words: '',
    run: async (conn, _w, values, io) => printRows(io, values.json, await rowsOf(await conn.listAllDomains(), domainRow), {
      NAME: (r) => r.name, STATE: (r) => r.state, VCPUS: (r) => r.vcpus, 'MEMORY (KiB)': (r) => r.memoryKiB,
    }),
  },
  info: onDomain(async (d, values, io) => printFields(io, values.json, await domainRow(d))),
  define: {
    words: 'FILE',
    run: async (conn, [file], values, io) => {
      using d = await conn.defineDomain(readXml(file as string));
      return reportAction(io, values.json, { kind: 'domain', name: d.name, action: 'define' });
    },
  },
  xml: onDomain(async (d, values, io) => {
    const xml = await d.getXml(values.inactive ? v.VIR_DOMAIN_XML_INACTIVE : 0);
    if (values.json) printJson(io, { domain: d.name, xml });
    else io.stdout.write(xml.endsWith('\n') ? xml : `${xml}\n`);
    return 0;
  }, { options: ['inactive'] }),
  screenshot: onObjectWith<Domain, DomainValues>('NAME', findDomain)('FILE', (d, [file], values, io) => screenshot(d, file as string, values, io), {
    options: ['screen', 'force'], check: (values) => { screenNumber(values.screen); },
  }),
  start: action('start', (d, flags) => d.start(flags), fromTable(START_FLAGS)),
  shutdown: action('shutdown', (d, flags) => d.shutdownFlags(flags), withMode),
  destroy: action('destroy', (d, flags) => d.destroyFlags(flags), fromTable(DESTROY_FLAGS)),
  reboot: action('reboot', (d, flags) => d.reboot(flags), withMode),
  suspend: action('suspend', (d) => d.suspend()),
  resume: action('resume', (d) => d.resume()),
  undefine: action('undefine', (d, flags) => d.undefine(flags), {
    ...fromTable(UNDEFINE_FLAGS),
    // Each pair asks libvirt to remove and to keep the same file: a usage error, not libvirt's "unsupported flags".
    read: (values) => {
      exclusive('domain undefine', values, 'nvram', 'keep-nvram');
      exclusive('domain undefine', values, 'tpm', 'keep-tpm');
      return flagsOf(UNDEFINE_FLAGS, values);
    },
  }),
};

export async function runDomain(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, domainOptions);
  return runSubcommand('domain', domainCommands, positionals, values, io);
}

function screenNumber(s: string | undefined): number {
  const screen = s === undefined ? 0 : Number(s);
  if (!/^\d+$/.test(s ?? '0') || !Number.isSafeInteger(screen)) throw new UsageError(`--screen: not a screen number: ${s ?? ''}`);
  return screen;
}

/**
 * Saves a screenshot to FILE, reporting its MIME type (the format is the hypervisor's: PNG from
 * the test driver and from QEMU 7.2). FILE is not replaced unless --force, and a failed transfer
 * leaves no FILE behind.
 */
async function screenshot(d: Domain, file: string, values: DomainValues, io: Io): Promise<number> {
  const screen = screenNumber(values.screen);
  return interruptible(io, `the screenshot was aborted; ${file} was not written`, async (signal) => {
    const { mimeType, bytes } = await withOutputFile(file, values.force === true, async (fh) => {
      const shot = await d.screenshot(screen);
      let bytes = 0;
      for await (const chunk of addAbortSignal(signal, shot.data) as AsyncIterable<Buffer>) {
        await fh.write(chunk);
        bytes += chunk.length;
      }
      return { mimeType: shot.mimeType, bytes };
    });
    return reportAction(io, values.json, { kind: 'domain', name: d.name, action: 'screenshot', file, mimeType, bytes }, `to ${file} (${mimeType}, ${bytes} bytes)`);
  });
}
