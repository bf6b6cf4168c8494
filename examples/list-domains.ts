// List domains with state and memory. Runs on test:///default (no daemon):
//   npx tsx examples/list-domains.ts [URI]
import { Connection } from 'tsvirt/sdk';

await using conn = await Connection.open(process.argv[2] ?? 'test:///default');
const domains = await conn.listAllDomains();
for (const dom of domains) {
  const info = await dom.getInfo(); // runs on a call thread; the main thread stays free
  console.log(`${dom.name.padEnd(20)} ${info.state.name.padEnd(10)} ${info.memoryKiB / 1024n} MiB  ${info.vcpus} vCPU`);
  dom.free();
}
