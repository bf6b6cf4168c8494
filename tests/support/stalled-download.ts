// A download whose reader stops: what does the process buffer meanwhile? Opens a download of the
// volume at PATH, reads one chunk, then reads nothing for STALL_MS and reports how much the
// process's resident memory grew (libvirt's client queues what it reads off the socket without
// a bound; see blockingStreamsOpen in src/sdk/stream-thread.ts). With `--events`, a lifecycle listener keeps
// libvirt's event loop running throughout. Then reads the rest and reports its length.
// Usage: stalled-download.ts URI PATH STALL_MS [--events]. Prints one JSON line.
import { Connection } from '../../src/sdk/index.js';

const [uri, path, stall, flag] = process.argv.slice(2);
if (uri === undefined || path === undefined || stall === undefined) throw new Error('usage: stalled-download.ts URI PATH STALL_MS [--events]');
const conn = await Connection.open(uri);
const listener = (): void => undefined;
if (flag === '--events') {
  conn.on('domain:lifecycle', listener);
  await conn.eventsReady();
}
const vol = await conn.lookupStorageVolume({ path });
const data = await vol.download();
const iterator = data[Symbol.asyncIterator]();
let bytes = ((await iterator.next()).value as Buffer).length;
const rss = (): number => process.memoryUsage().rss;
const before = rss();
await new Promise((r) => setTimeout(r, Number(stall)));
const grewMiB = (rss() - before) / (1024 * 1024);
for (let r = await iterator.next(); !r.done; r = await iterator.next()) bytes += (r.value as Buffer).length;
console.log(JSON.stringify({ grewMiB: Math.round(grewMiB * 10) / 10, bytes }));
conn.off('domain:lifecycle', listener);
vol.free();
await conn.close();
