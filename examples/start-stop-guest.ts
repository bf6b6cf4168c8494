// Define a guest from a typed description, start it, stop it, remove it. Runs on
// test:///default (the test driver simulates guests); against a real hypervisor pass its URI
// and adapt the description (disk, emulator):  npx tsx examples/start-stop-guest.ts [URI]
import { Connection } from 'tsvirt/sdk';

await using conn = await Connection.open(process.argv[2] ?? 'test:///default');
using guest = await conn.defineDomain({
  type: 'test',
  name: 'example-guest',
  memory: { value: 256n, unit: 'MiB' },
  vcpu: { count: 1 },
  os: { type: 'hvm', boot: ['hd'] },
  devices: {},
});
console.log(`defined ${guest.name}: ${(await guest.getState()).state.name}`);
await guest.start();
console.log(`started: ${(await guest.getState()).state.name}`);
await guest.destroy(); // a hard stop; shutdown() asks the guest OS instead
console.log(`stopped: ${(await guest.getState()).state.name}`);
await guest.undefine();
console.log('undefined');
