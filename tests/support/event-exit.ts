// A script for the exit tests: `listener` keeps a domain listener for `ms` milliseconds (removed
// by an unref'ed timer, so only the listener can keep the process alive until then; it says
// whether the timer ran before the exit); `open`
// opens a connection, makes a call and leaves it open; `optout` runs with TSVIRT_EVENT_LOOP=none;
// `exit` calls process.exit(7) after the call.
// Prints one JSON line.
import { Connection } from '../../src/sdk/index.js';

const [mode = 'open', ms = '1000'] = process.argv.slice(2);
const t0 = Date.now();
const conn = await Connection.open('test:///default');
await conn.listAllDomains();

if (mode === 'listener') {
  const listener = (): void => undefined;
  conn.on('domain:lifecycle', listener);
  await conn.eventsReady();
  // The timer is unref'ed: it runs only if the listener kept the process alive until then.
  let removed = false;
  setTimeout(() => {
    conn.off('domain:lifecycle', listener);
    removed = true;
  }, Number(ms)).unref();
  process.on('exit', () => console.log(JSON.stringify({ mode, removedBeforeExit: removed })));
} else if (mode === 'optout') {
  const listener = (): void => undefined;
  conn.on('domain:lifecycle', listener);
  const seen = (e: Error & { codeName?: string }): { codeName: string | undefined; message: string } => ({ codeName: e.codeName, message: e.message });
  const error = await conn.eventsReady().then(() => null, seen);
  conn.off('domain:lifecycle', listener);
  // An iterator of every event: each of its registrations fails the same way.
  let iterator: { codeName: string | undefined; message: string } | null = null;
  try {
    for await (const e of conn.events()) void e;
  } catch (e) {
    iterator = seen(e as Error);
  }
  console.log(JSON.stringify({ mode, error, iterator }));
  await conn.close();
} else if (mode === 'exit') {
  // process.exit() while the event threads may still be starting.
  console.log(JSON.stringify({ mode }));
  process.exit(7);
} else {
  process.on('exit', () => console.log(JSON.stringify({ mode, aliveMs: Date.now() - t0 })));
}
