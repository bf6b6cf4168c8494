// tsvirt secret|iface|nodedev|nwfilter: libvirt's secrets, the host's network interfaces and
// devices, and network filters, as virsh's secret-*, iface-*, nodedev-* and nwfilter-* commands.
// Secret values are not printed or taken on the command line (they would show in a terminal's
// history and in ps).
import { namerFor } from '../sdk/enum-names.js';
import {
  isXmlElement, type HostInterfaceDescription, type Interface, type NodeDevice, type NodeDeviceCapability, type NodeDeviceDescription,
  type NWFilter, type Secret, type XmlElement,
} from '../sdk/index.js';
import * as v from '../../generated/index.js';
import { parseCommandArgs, printFields, printRows, readXml, rowsOf, type Io } from './args.js';
import { connectOptions, noneOnInternalError, onObject, runSubcommand, type ConnectValues, type Subcommand } from './connect.js';
import { reportAction } from './action-report.js';
import { choice } from './option-tables.js';

const options = { ...connectOptions, inactive: { type: 'boolean' }, cap: { type: 'string' } } as const;
type Values = ConnectValues & { inactive?: boolean | undefined; cap?: string | undefined };

// ---- secret ------------------------------------------------------------------------------------

const usageName = namerFor('virSecretUsageType');

interface SecretRow { uuid: string; usageType: string; usageId: string | null }

function secretRow(s: Secret): SecretRow {
  // A secret for no object (usage type 'none') has the usage ID '': shown as none.
  return { uuid: s.getUUIDString(), usageType: usageName(s.getUsageType()).name, usageId: s.getUsageID() || null };
}

const onSecret = onObject<Secret, Values>('UUID', (conn, uuid) => conn.secretLookupByUUIDString(uuid));

const secretCommands: Record<string, Subcommand<Values>> = {
  list: {
    words: '',
    run: async (conn, _w, values, io) =>
      printRows(io, values.json, await rowsOf(await conn.listAllSecrets(), secretRow), { UUID: (r) => r.uuid, USAGE: (r) => r.usageType, 'USAGE ID': (r) => r.usageId }),
  },
  info: onSecret(async (s, values, io) => {
    const d = await s.getDescription();
    return printFields(io, values.json, { ...secretRow(s), ephemeral: d.ephemeral ?? false, private: d.private ?? false, description: d.description ?? null });
  }),
  define: {
    words: 'FILE',
    run: async (conn, [file], values, io) => {
      using s = await conn.defineSecret(readXml(file as string));
      return reportAction(io, values.json, { kind: 'secret', name: s.getUUIDString(), action: 'define' });
    },
  },
  undefine: onSecret(async (s, values, io) => {
    await s.undefine();
    return reportAction(io, values.json, { kind: 'secret', name: s.getUUIDString(), action: 'undefine' });
  }),
};

export async function runSecret(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, connectOptions);
  return runSubcommand('secret', secretCommands, positionals, values, io);
}

// ---- iface -------------------------------------------------------------------------------------

interface InterfaceRow { name: string; active: boolean; mac: string | null }

async function interfaceRow(i: Interface): Promise<InterfaceRow> {
  return { name: i.name, active: (await i.isActive()) === 1, mac: i.getMACString() };
}

/** What `iface info` shows beside the row: from the interface's XML. */
function interfaceFields(d: HostInterfaceDescription): Record<string, unknown> {
  const addresses = (d.protocols ?? []).flatMap((p) => (p.ips ?? []).map((ip) => (ip.prefix === undefined ? ip.address : `${ip.address}/${ip.prefix}`)));
  const members = d.type === 'bridge' ? d.bridge.interfaces : d.type === 'bond' ? d.bond.interfaces : undefined;
  return {
    type: d.type, startMode: d.startMode ?? null, mtu: d.mtu ?? null, addresses,
    ...(members ? { members: members.map((m) => m.name) } : {}),
    ...(d.type === 'vlan' ? { vlan: `${d.vlan.device}.${d.vlan.tag}` } : {}),
  };
}

const onInterface = onObject<Interface, Values>('NAME', (conn, name) => conn.interfaceLookupByName(name));

const ifaceCommands: Record<string, Subcommand<Values>> = {
  list: {
    words: '',
    run: async (conn, _w, values, io) =>
      printRows(io, values.json, await rowsOf(await conn.listAllInterfaces(), interfaceRow), { NAME: (r) => r.name, STATE: (r) => (r.active ? 'active' : 'inactive'), MAC: (r) => r.mac }),
  },
  info: onInterface(async (i, values, io) => {
    const d = await i.getDescription(values.inactive ? v.VIR_INTERFACE_XML_INACTIVE : 0);
    return printFields(io, values.json, { ...(await interfaceRow(i)), ...interfaceFields(d) });
  }, { options: ['inactive'] }),
};

export async function runIface(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, options);
  return runSubcommand('iface', ifaceCommands, positionals, values, io);
}

// ---- nodedev -----------------------------------------------------------------------------------

/**
 * The listing flag of a capability name as libvirt writes it (listCaps, `<capability type=…>`):
 * its upper case, but for the five whose flag is named otherwise.
 */
const CAP_FLAG_NAMES: Readonly<Record<string, string>> = { pci: 'PCI_DEV', usb_device: 'USB_DEV', usb: 'USB_INTERFACE', ccw: 'CCW_DEV', css: 'CSS_DEV' };
const CAP_PREFIX = 'VIR_CONNECT_LIST_NODE_DEVICES_CAP_';
const flags: Readonly<Record<string, number>> = v.virConnectListAllNodeDeviceFlags;

/** The capability names `--cap` takes, derived from the flags the bindings have. */
function capNames(): string[] {
  const irregular = new Map(Object.entries(CAP_FLAG_NAMES).map(([name, flag]) => [flag, name]));
  return Object.keys(flags).filter((k) => k.startsWith(CAP_PREFIX)).map((k) => k.slice(CAP_PREFIX.length))
    .map((flag) => irregular.get(flag) ?? flag.toLowerCase()).sort();
}

function capFlag(cap: string | undefined): number {
  if (cap === undefined) return 0;
  const name = choice('--cap', cap, capNames());
  return flags[`${CAP_PREFIX}${CAP_FLAG_NAMES[name] ?? name.toUpperCase()}`] as number;
}

interface DeviceRow { name: string; parent: string | null; capabilities: string[] }

async function deviceRow(d: NodeDevice): Promise<DeviceRow> {
  const [parent, capabilities] = await Promise.all([noneOnInternalError(d.getParent()), d.listCaps()]);
  return { name: d.name, parent, capabilities };
}

/** One line about a capability the SDK types: where the device is and what it is. */
function capSummary(c: NodeDeviceCapability): string {
  const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
  const id = (x: { id: string; name?: string }): string => (x.name === undefined ? x.id : `${x.name} (${x.id})`);
  switch (c.type) {
    case 'pci': return `${hex(c.domain, 4)}:${hex(c.bus, 2)}:${hex(c.slot, 2)}.${c.function} ${id(c.vendor)} ${id(c.product)}`;
    case 'usb_device': return `bus ${c.bus} device ${c.device} ${id(c.vendor)} ${id(c.product)}`;
    case 'net': return `${c.interface}${c.address === undefined ? '' : ` ${c.address}`}${c.link?.state === undefined ? '' : ` link ${c.link.state}`}`;
    case 'storage': return `${c.block}${c.size === undefined ? '' : ` ${c.size} bytes`}${c.driveType === undefined ? '' : ` ${c.driveType}`}`;
    case 'scsi_host': return `host ${c.host ?? '-'}${c.fcHost?.wwpn === undefined ? '' : ` wwpn ${c.fcHost.wwpn}`}`;
    case 'scsi': return `${c.host}:${c.bus}:${c.target}:${c.lun}${c.deviceType === undefined ? '' : ` ${c.deviceType}`}`;
    case 'mdev': return `type ${c.typeId}${c.uuid === undefined ? '' : ` uuid ${c.uuid}`}`;
    case 'system': return [c.hardware?.vendor, c.product].filter((x) => x !== undefined).join(' ');
  }
}

/**
 * The capabilities of types the SDK does not type (usb, drm, scsi_target, ...), which the
 * description keeps in its extra: without them `info` would show such a device as having none.
 */
function otherCapabilities(desc: NodeDeviceDescription): XmlElement[] {
  return (desc.extra?.children ?? []).flatMap(({ node }) => (isXmlElement(node) && node.name === 'capability' ? [node] : []));
}

/** What an untyped capability says in its value-only children, as written: 'number 0, class 9'. */
function leafSummary(el: XmlElement): string {
  const text = (c: XmlElement): string => c.children.map((n) => (isXmlElement(n) ? '' : n.text)).join('').trim();
  return el.children.flatMap((c) => (isXmlElement(c) && c.children.every((n) => !isXmlElement(n)) && text(c) !== '' ? [`${c.name} ${text(c)}`] : [])).join(', ');
}

/** `nodedev info`'s line per capability: the typed ones summarised, the others by their values. */
export function capabilityLines(desc: NodeDeviceDescription): Record<string, string> {
  const typed = desc.capabilities.map((c) => [c.type, capSummary(c)]);
  const other = otherCapabilities(desc).map((el) => [el.attributes.type ?? 'capability', leafSummary(el)]);
  return Object.fromEntries([...typed, ...other]) as Record<string, string>;
}

const onDevice = onObject<NodeDevice, Values>('NAME', (conn, name) => conn.nodeDeviceLookupByName(name));

const nodedevCommands: Record<string, Subcommand<Values>> = {
  list: {
    words: '',
    options: ['cap'],
    check: (values) => { capFlag(values.cap); },
    run: async (conn, _w, values, io) =>
      printRows(io, values.json, await rowsOf(await conn.listAllNodeDevices(capFlag(values.cap)), deviceRow), { NAME: (r) => r.name, PARENT: (r) => r.parent, CAPABILITIES: (r) => r.capabilities }),
  },
  info: onDevice(async (d, values, io) => {
    const desc = await d.getDescription();
    const row = { name: desc.name ?? d.name, parent: desc.parent ?? null, driver: desc.driver ?? null, path: desc.path ?? null, devnode: desc.devnode ?? null };
    if (values.json) {
      const otherTypes = otherCapabilities(desc).flatMap((el) => (el.attributes.type === undefined ? [] : [el.attributes.type]));
      return printFields(io, true, { ...row, capabilities: desc.capabilities, otherCapabilities: otherTypes });
    }
    return printFields(io, false, { ...row, ...capabilityLines(desc) });
  }),
};

export async function runNodedev(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, options);
  return runSubcommand('nodedev', nodedevCommands, positionals, values, io);
}

// ---- nwfilter ----------------------------------------------------------------------------------

const onFilter = onObject<NWFilter, Values>('NAME', (conn, name) => conn.nwFilterLookupByName(name));

const nwfilterCommands: Record<string, Subcommand<Values>> = {
  list: {
    words: '',
    run: async (conn, _w, values, io) =>
      printRows(io, values.json, await rowsOf(await conn.listAllNWFilters(), (f) => ({ name: f.getName(), uuid: f.getUUIDString() })), { NAME: (r) => r.name, UUID: (r) => r.uuid }),
  },
  info: onFilter(async (f, values, io) => {
    const d = await f.getDescription();
    const rules = d.entries.filter((e) => e.kind === 'rule').length;
    const references = d.entries.flatMap((e) => (e.kind === 'filterref' ? [e.filter] : []));
    return printFields(io, values.json, { name: d.name, uuid: d.uuid ?? null, chain: d.chain ?? null, priority: d.priority ?? null, rules, references });
  }),
  define: {
    words: 'FILE',
    run: async (conn, [file], values, io) => {
      using f = await conn.defineNWFilter(readXml(file as string));
      return reportAction(io, values.json, { kind: 'nwfilter', name: f.getName(), action: 'define' });
    },
  },
  undefine: onFilter(async (f, values, io) => {
    await f.undefine();
    return reportAction(io, values.json, { kind: 'nwfilter', name: f.getName(), action: 'undefine' });
  }),
};

export async function runNwfilter(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, connectOptions);
  return runSubcommand('nwfilter', nwfilterCommands, positionals, values, io);
}
