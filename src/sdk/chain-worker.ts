// The thread that reads backing chains for snapshot introspection (chain-thread.ts): the image
// inspector reads synchronously, so a slow file system (NFS, a busy disk) would stall the
// caller's event loop for as long as a chain takes. Requests are answered one at a time.
import { parentPort } from 'node:worker_threads';
import { readChainResult } from './chain-read.js';
import type { ChainReply, ChainRequest, Fault } from './chain-thread.js';
import { serveRequests } from './engine/threads.js';

function answer(request: ChainRequest): ChainReply {
  try {
    return { id: request.id, result: readChainResult(request.path) };
  } catch (err) {
    // A fault of the reading code: it crosses as name, message, stack and code, and is thrown there.
    const e: Error & { code?: unknown } = err instanceof Error ? err : new Error(String(err));
    const fault: Fault = { name: e.name, message: e.message, stack: e.stack ?? '', ...(typeof e.code === 'string' ? { code: e.code } : {}) };
    return { id: request.id, fault };
  }
}

serveRequests((request: ChainRequest) => parentPort?.postMessage(answer(request)));
