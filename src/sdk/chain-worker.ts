// The thread that reads backing chains for snapshot introspection (chain-thread.ts): the image
// inspector reads synchronously, so a slow file system (NFS, a busy disk) would stall the
// caller's event loop for as long as a chain takes. Requests are answered one at a time, in order.
import { parentPort } from 'node:worker_threads';
import { readChainResult } from './chain-read.js';
import type { ChainReply, ChainRequest } from './chain-thread.js';

function answer(request: ChainRequest): ChainReply {
  try {
    return { id: request.id, result: readChainResult(request.path) };
  } catch (err) {
    // A fault of the reading code: it crosses as name, message and stack, and is thrown there.
    const e = err instanceof Error ? err : new Error(String(err));
    return { id: request.id, fault: { name: e.name, message: e.message, stack: e.stack ?? '' } };
  }
}

parentPort?.on('message', (request: ChainRequest) => parentPort?.postMessage(answer(request)));
