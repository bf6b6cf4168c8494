// For the environment-settings tests: opens test:///default, defines a domain, reads the test
// domain's info, and prints one JSON line: `ok`, or the error the first failing step gave and
// whether the domain was defined all the same (read through the generated layer, which reads
// no TSVIRT_* setting).
import { Connection } from '../../src/sdk/index.js';
import * as v from '../../generated/index.js';

const PROBE = '<domain type="test"><name>env-probe</name><memory>65536</memory><os><type>hvm</type></os></domain>';

let conn: Connection | undefined;
try {
  conn = await Connection.open('test:///default');
  (await conn.defineDomain(PROBE)).free();
  const dom = await conn.lookupDomain('test');
  await dom.getInfo();
  dom.free();
  await conn.close();
  console.log(JSON.stringify({ ok: true }));
} catch (err) {
  const e = err as Error & { codeName?: string };
  const defined = conn ? v.virConnectListDefinedDomains(conn.handle as v.virConnectPtr, 16).includes('env-probe') : false;
  console.log(JSON.stringify({ ok: false, codeName: e.codeName, message: e.message, defined }));
}
