// A stream call that never returns must hold one stream thread, not the streams that come after
// it. Receiving on an upload stream waits for data the daemon never sends: that receive stays
// stuck for the life of the process. Meanwhile two downloads of DOWNLOAD_PATH are opened, then
// read at once, with as few stream threads as TSVIRT_STREAM_THREADS allows. Prints one JSON line
// with the bytes each download got, then kills itself: the stuck receive cannot be aborted, and
// Node's exit waits for every worker thread, the stuck one included.
// Usage: stuck-stream.ts URI UPLOAD_PATH DOWNLOAD_PATH
import { attachUpload } from '../../src/sdk/volume-transfer.js';
import type { Readable } from 'node:stream';
import { Connection } from '../../src/sdk/index.js';

const [uri, uploadPath, downloadPath] = process.argv.slice(2);
if (uri === undefined || uploadPath === undefined || downloadPath === undefined) throw new Error('usage: stuck-stream.ts URI UPLOAD_PATH DOWNLOAD_PATH');
const conn = await Connection.open(uri);
const target = await conn.lookupStorageVolume({ path: uploadPath });
const { stream: upload } = await attachUpload(target, { offset: 0, length: 0 }, false);
let stuckSettled = false;
void upload.recv().finally(() => { stuckSettled = true; });

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

const report = (result: object): never => {
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.kill(process.pid, 'SIGKILL'));
  return undefined as never;
};
const timer = setTimeout(() => report({ error: 'the downloads did not finish within 60 s' }), 60_000);
const opened = [await openDownload(), await openDownload()];
const downloads = await Promise.all(opened.map(lengthOf));
clearTimeout(timer);
report({ downloads, stuckSettled });
