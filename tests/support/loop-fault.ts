// A script for the fault tests, usually run with TSVIRT_TEST_LOOP_FAULT set (read at the loop
// thread's start, so in a process of its own). A domain suspend and resume cause two lifecycle
// events while a listener, an iterator and (unless `--no-error-listener`) an 'error' listener
// wait for them; then a second listener and iterator of the same event and a new registration
// are tried, and a close listener added and removed. With `--throwing`, the first listener throws
// on every event; `--no-iterator` leaves out the first iterator; `--iterator-domain NAME` makes it
// one of NAME's events only. Prints one JSON line:
// what each of them saw, the uncaught exceptions and the process warnings.
import { Connection, type DomainLifecycleEvent } from '../../src/sdk/index.js';
import { isLibvirtError } from '../../src/ffi/index.js';
import type { EventStream } from '../../src/sdk/events/event-stream.js';

const argv = process.argv.slice(2);
const args = new Set(argv);
const iteratorDomain = argv[argv.indexOf('--iterator-domain') + 1];
const warnings: string[] = [];
process.on('warning', (w) => { if (w.name === 'TsvirtEventWarning') warnings.push(w.message); });
let uncaught = 0;
process.on('uncaughtException', () => { uncaught++; });
const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const describe = (e: unknown): { codeName: string | null; message: string } =>
  ({ codeName: isLibvirtError(e) ? e.codeName : null, message: e instanceof Error ? e.message : String(e) });

/** Reads `stream` until it ends; how it ended and the events it gave. */
async function drain(stream: EventStream): Promise<{ ended: string; events: string[]; error?: ReturnType<typeof describe> }> {
  const events: string[] = [];
  try {
    for await (const e of stream) {
      const ev = e as DomainLifecycleEvent;
      events.push(ev.event.name);
      ev.domain.free();
    }
    return { ended: 'done', events };
  } catch (err) {
    return { ended: 'error', events, error: describe(err) };
  }
}
const within = <T>(p: Promise<T>, ms: number): Promise<T | { ended: 'still waiting' }> =>
  Promise.race([p, settle(ms).then(() => ({ ended: 'still waiting' as const }))]);

const conn = await Connection.open('test:///default');
const delivered: string[] = [];
const errors: ReturnType<typeof describe>[] = [];
if (args.has('--throwing')) conn.on('domain:lifecycle', () => { throw new Error('a listener that throws'); });
conn.on('domain:lifecycle', (e: DomainLifecycleEvent) => { delivered.push(e.event.name); e.domain.free(); });
if (!args.has('--no-error-listener')) conn.on('error', (e) => errors.push(describe(e)));
const stream = args.has('--no-iterator') ? undefined
  : conn.events({ types: ['domain:lifecycle'], ...(args.has('--iterator-domain') ? { domain: iteratorDomain } : {}) });
await conn.eventsReady();
let iteratorEnded = false;
const iterated = stream ? drain(stream).finally(() => { iteratorEnded = true; }) : Promise.resolve({ ended: 'no iterator', events: [] });

const dom = await conn.lookupDomain('test');
await dom.suspend();
await dom.resume();
dom.free();
const end = Date.now() + 10_000;
// Two events: each is delivered or reported (without an 'error' listener, maybe only to the iterator, which ends).
const toldIterator = (): number => (iteratorEnded && args.has('--no-error-listener') ? 1 : 0);
while (errors.length + delivered.length + warnings.length + toldIterator() < 2 && Date.now() < end) await settle(20);
await settle(300);
await stream?.return();
const iterator = await within(iterated, 2000);

// After what happened: one more listener and iterator of the same event, then a new event.
const before = [...errors];
conn.on('domain:lifecycle', () => undefined);
const sameReady = await conn.eventsReady().then(() => null, describe);
const sameStream = conn.events({ types: ['domain:lifecycle'] });
const sameIterated = within(drain(sameStream), 1000);
conn.on('domain:reboot', () => undefined);
const later = await conn.eventsReady().then(() => null, describe);
await sameStream.return();
const sameIterator = await sameIterated;
// The close callback is the sink thread's: it registers and deregisters whatever the loop did.
const onClose = (): void => undefined;
conn.on('close', onClose);
const closeReady = await conn.eventsReady().then(() => null, describe);
conn.off('close', onClose);
const closeRemoved = await conn.eventsReady().then(() => null, describe);
console.log(JSON.stringify({ delivered, errors: before, iterator, sameReady, sameIterator, later, closeReady, closeRemoved, uncaught, warnings }));
await conn.close().catch(() => undefined);
process.exit(0);
