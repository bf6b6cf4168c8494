/**
 * The SDK suites' usual start: a connection to test:///default and its running domain `test`.
 * All connections to test:///default in one process share one state, reset when the last closes.
 */
import { Connection } from '../../src/sdk/index.js';
import type { Domain } from '../../src/sdk/index.js';

export async function openTestDomain(): Promise<{ conn: Connection; dom: Domain }> {
  const conn = await Connection.open('test:///default');
  return { conn, dom: await conn.lookupDomain('test') };
}

/** Frees the domain, then closes the connection. */
export async function closeTestDomain(conn: Connection, dom: Domain): Promise<void> {
  dom.free();
  await conn.close();
}
