// A stream call that never returns: receiving on an upload stream waits for data the daemon
// never sends. It must hold one stream thread, not the streams that come after it: two downloads
// of DOWNLOAD_PATH are opened, then read at once, with as few stream threads as
// TSVIRT_STREAM_THREADS allows. Then close() of the stuck stream must not wait for the receive
// but abort beside it, which ends the receive with libvirt's error, and the process must be able
// to exit (Node's exit waits for every worker thread). Also: a receive queued in the same tick as
// close() never starts, and an abort() queued behind a stuck call waits for close()'s abort
// instead of aborting twice. Prints one JSON line.
// Usage: stuck-stream.ts URI UPLOAD_PATH DOWNLOAD_PATH
import type { Readable } from 'node:stream';
import { attachUpload } from '../../src/sdk/volume-transfer.js';
import { Connection, liveStreamCount, type Stream } from '../../src/sdk/index.js';
import { isLibvirtError } from '../../src/ffi/index.js';

const [uri, uploadPath, downloadPath] = process.argv.slice(2);
if (uri === undefined || uploadPath === undefined || downloadPath === undefined) throw new Error('usage: stuck-stream.ts URI UPLOAD_PATH DOWNLOAD_PATH');
const conn = await Connection.open(uri);
const target = await conn.lookupStorageVolume({ path: uploadPath });
const attached = async (): Promise<Stream> => (await attachUpload(target, { offset: 0, length: 0 }, false)).stream;
const upload = await attached();
/** How a call settled: 'resolved', or the name of its error. */
const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => 'resolved',
  (err: unknown) => (isLibvirtError(err) ? `LibvirtError ${err.codeName}` : String(err)));
let stuck: string | null = null;
const receive = outcome(upload.recv()).then((o) => { stuck = o; });

/** Both downloads are opened before either is read: both streams are open at once. */
async function openDownload(): Promise<Readable> {
  const vol = await conn.lookupStorageVolume({ path: downloadPath as string });
  const data = await vol.download();
  vol.free();
  return data;
}

async function lengthOf(data: Readable): Promise<number> {
  let bytes = 0;
  for await (const chunk of data) bytes += (chunk as Buffer).length;
  return bytes;
}

const giveUp = (what: string): NodeJS.Timeout => setTimeout(() => {
  console.log(JSON.stringify({ error: `${what} did not finish within 60 s` }));
  process.kill(process.pid, 'SIGKILL');
}, 60_000);

let timer = giveUp('the downloads');
const opened = [await openDownload(), await openDownload()];
const downloads = await Promise.all(opened.map(lengthOf));
clearTimeout(timer);
const stuckWhileDownloading = stuck;
timer = giveUp('close()');
const t0 = performance.now();
await upload.close();
await receive;
const closed = performance.now() - t0 < 10_000;

// A receive queued in the same tick as close(): it must not start.
const second = await attached();
const queuedReceive = outcome(second.recv());
await second.close();

// abort() queued behind a stuck receive, then close(): one virStreamAbort, and abort() resolves.
const third = await attached();
const thirdReceive = outcome(third.recv());
await new Promise((r) => setTimeout(r, 200));
const queuedAbort = outcome(third.abort());
await third.close();
clearTimeout(timer);
target.free();
console.log(JSON.stringify({ downloads, stuckWhileDownloading, closed, receive: stuck, queuedReceive: await queuedReceive,
  thirdReceive: await thirdReceive, queuedAbort: await queuedAbort, open: liveStreamCount() }));
await conn.close();
