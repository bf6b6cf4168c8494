// A stream call that never returns: receiving on an upload stream waits for data the daemon
// never sends. It must hold one stream thread, not the streams that come after it: two downloads
// of DOWNLOAD_PATH are opened, then read at once, with as few stream threads as
// TSVIRT_STREAM_THREADS allows. Then close() of the stuck stream must not wait for the receive
// but abort beside it, which ends the receive with libvirt's error, and the process must be able
// to exit (Node's exit waits for every worker thread). Prints one JSON line.
// Usage: stuck-stream.ts URI UPLOAD_PATH DOWNLOAD_PATH
import type { Readable } from 'node:stream';
import { attachUpload } from '../../src/sdk/volume-transfer.js';
import { Connection, liveStreamCount } from '../../src/sdk/index.js';
import { isLibvirtError } from '../../src/ffi/index.js';

const [uri, uploadPath, downloadPath] = process.argv.slice(2);
if (uri === undefined || uploadPath === undefined || downloadPath === undefined) throw new Error('usage: stuck-stream.ts URI UPLOAD_PATH DOWNLOAD_PATH');
const conn = await Connection.open(uri);
const target = await conn.lookupStorageVolume({ path: uploadPath });
const { stream: upload } = await attachUpload(target, { offset: 0, length: 0 }, false);
target.free();
let stuck: string | null = null;
const receive = upload.recv().then(() => { stuck = 'resolved'; },
  (err: unknown) => { stuck = isLibvirtError(err) ? `LibvirtError ${err.codeName}` : String(err); });

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
clearTimeout(timer);
console.log(JSON.stringify({ downloads, stuckWhileDownloading, closed: performance.now() - t0 < 10_000, receive: stuck, open: liveStreamCount() }));
await conn.close();
