// A script for the fault tests, run with TSVIRT_TEST_LOOP_FAULT set (read at the loop thread's
// start, so in a process of its own): a domain lifecycle event is caused while a listener, an
// 'error' listener and an iterator wait for it, then a new registration is tried. Prints one
// JSON line with what each of them saw and the process warnings.
import { Connection, type DomainLifecycleEvent } from '../../src/sdk/index.js';
import { isLibvirtError } from '../../src/ffi/index.js';

const warnings: string[] = [];
process.on('warning', (w) => { if (w.name === 'TsvirtEventWarning') warnings.push(w.message); });
const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const describe = (e: unknown): { codeName: string | null; message: string } =>
  ({ codeName: isLibvirtError(e) ? e.codeName : null, message: e instanceof Error ? e.message : String(e) });

const conn = await Connection.open('test:///default');
const delivered: string[] = [];
const errors: { codeName: string | null; message: string }[] = [];
conn.on('domain:lifecycle', (e: DomainLifecycleEvent) => { delivered.push(e.event.name); e.domain.free(); });
conn.on('error', (e) => errors.push(describe(e)));
const stream = conn.events({ types: ['domain:lifecycle'] });
await conn.eventsReady();
const iterated = (async () => {
  try {
    for await (const e of stream) (e as DomainLifecycleEvent).domain.free();
    return { ended: 'done' };
  } catch (err) {
    return { ended: 'error', error: describe(err) };
  }
})();

const dom = await conn.lookupDomain('test');
await dom.suspend();
await dom.resume();
dom.free();
const end = Date.now() + 10_000;
while (errors.length === 0 && Date.now() < end) await settle(20);
await settle(200);
const iterator = await Promise.race([iterated, settle(2000).then(() => ({ ended: 'still waiting' }))]);

const before = [...errors];
conn.on('domain:reboot', () => undefined);
const later = await conn.eventsReady().then(() => null, describe);
console.log(JSON.stringify({ delivered, errors: before, iterator, later, warnings }));
await conn.close().catch(() => undefined);
process.exit(0);
