// For the environment-settings tests: opens test:///default, makes one call and one stream-free
// read, and prints one JSON line: `ok`, or the error the first failing step gave.
import { Connection } from '../../src/sdk/index.js';

try {
  const conn = await Connection.open('test:///default');
  const dom = await conn.lookupDomain('test');
  await dom.getInfo();
  dom.free();
  await conn.close();
  console.log(JSON.stringify({ ok: true }));
} catch (err) {
  const e = err as Error & { codeName?: string };
  console.log(JSON.stringify({ ok: false, codeName: e.codeName, message: e.message }));
}
