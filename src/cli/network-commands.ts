// tsvirt net list|info|start|destroy|autostart: virtual networks, as virsh's net-* commands.
import type { Connection, Network } from '../sdk/index.js';
import { parseCommandArgs, printFields, printRows, rowsOf, type Io } from './args.js';
import { connectOptions, noneOnInternalError, onObject, runSubcommand, type ConnectValues, type Subcommand } from './connect.js';
import { reportAction } from './action-report.js';

const netOptions = { ...connectOptions, disable: { type: 'boolean' } } as const;
type NetValues = ConnectValues & { disable?: boolean | undefined };

/** What `net list` and `net info` show of a network. */
interface NetworkRow { name: string; uuid: string; active: boolean; persistent: boolean; autostart: boolean; bridge: string | null }

async function rowOf(net: Network): Promise<NetworkRow> {
  const [active, persistent, autostart, bridge] = await Promise.all([net.isActive(), net.isPersistent(), net.getAutostart(), noneOnInternalError(net.getBridgeName())]);
  return { name: net.name, uuid: net.getUUIDString(), active: active === 1, persistent: persistent === 1, autostart: autostart === 1, bridge };
}

const onNetwork = onObject<Network, NetValues>('NAME', (conn, name) => conn.networkLookupByName(name));

const netCommands: Record<string, Subcommand<NetValues>> = {
  list: { words: '', run: (conn, _w, values, io) => listNetworks(conn, io, values.json) },
  info: onNetwork(async (net, values, io) => printFields(io, values.json, await rowOf(net))),
  start: onNetwork(async (net, values, io) => {
    await net.create();
    return reportAction(io, values.json, { kind: 'network', name: net.name, action: 'start' });
  }),
  destroy: onNetwork(async (net, values, io) => {
    await net.destroy();
    return reportAction(io, values.json, { kind: 'network', name: net.name, action: 'destroy' });
  }),
  autostart: onNetwork(async (net, values, io) => {
    const on = values.disable !== true;
    await net.setAutostart(on ? 1 : 0);
    return reportAction(io, values.json, { kind: 'network', name: net.name, action: 'autostart', autostart: on }, on ? 'enabled' : 'disabled');
  }, { options: ['disable'] }),
};

export async function runNet(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, netOptions);
  return runSubcommand('net', netCommands, positionals, values, io);
}

async function listNetworks(conn: Connection, io: Io, json: boolean | undefined): Promise<number> {
  return printRows(io, json, await rowsOf(await conn.listAllNetworks(), rowOf), {
    NAME: (r) => r.name, STATE: (r) => (r.active ? 'active' : 'inactive'), AUTOSTART: (r) => r.autostart, PERSISTENT: (r) => r.persistent, BRIDGE: (r) => r.bridge,
  });
}
