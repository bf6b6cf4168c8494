// List the virtual networks, then make sure one is running and starts with the host: what a
// script does before it starts guests attached to it. Runs on test:///default:
//   npx tsx examples/networks.ts [URI] [NETWORK]
import { Connection } from 'tsvirt/sdk';

await using conn = await Connection.open(process.argv[2] ?? 'test:///default');
const name = process.argv[3] ?? 'default';

for (using net of await conn.listAllNetworks()) {
  const state = (await net.isActive()) === 1 ? 'active' : 'inactive';
  console.log(`${net.name.padEnd(12)} ${state.padEnd(8)} bridge ${await net.getBridgeName()}`);
}

using net = await conn.networkLookupByName(name);
if ((await net.isActive()) === 0) await net.create();
if ((await net.getAutostart()) === 0) await net.setAutostart(1);
console.log(`${name}: active, autostart ${(await net.getAutostart()) === 1 ? 'on' : 'off'}`);
