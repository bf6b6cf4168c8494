// A domain's streams: its screen (virDomainScreenshot) and its console (virDomainOpenConsole).
// Both get a stream on the domain's connection; if libvirt refuses, the stream is closed before
// the error is passed on.
import type { Readable } from 'node:stream';
import * as v from '../../generated/index.js';
import { describeValue, tsvirtError } from '../ffi/index.js';
import { invoke } from './surface.js';
import { streamOf, type Stream } from './stream.js';
import { streamReadable } from './stream-node.js';
import { DomainConsole } from './domain-console.js';
import type { Domain } from './domain.js';

export interface Screenshot {
  /** What the hypervisor sends, e.g. image/png or image/x-portable-pixmap. */
  mimeType: string;
  /** The image's bytes. */
  data: Readable;
}

export interface ConsoleOptions {
  /** VIR_DOMAIN_CONSOLE_FORCE: take the console over from another client. */
  force?: boolean;
  /** VIR_DOMAIN_CONSOLE_SAFE: fail unless the driver can guarantee exclusive access. */
  safe?: boolean;
}

async function withStream<T>(dom: Domain, nonBlocking: boolean, body: (s: Stream) => Promise<T>): Promise<T> {
  const stream = await streamOf(dom, 'virDomainGetConnect', { nonBlocking });
  try {
    return await body(stream);
  } catch (err) {
    await stream.close();
    throw err;
  }
}

export function domainScreenshot(dom: Domain, screen: number): Promise<Screenshot> {
  if (!Number.isInteger(screen) || screen < 0) {
    return Promise.reject(tsvirtError(v.VIR_ERR_INVALID_ARG, 'virDomainScreenshot', `screenshot: screen must be a non-negative integer, got ${describeValue(screen)}`));
  }
  return withStream(dom, false, async (stream) => {
    // invoke(): the domain and the stream stay referenced until the call settles.
    const mimeType = (await invoke('virDomainScreenshot', [dom, stream, screen, 0])) as string;
    return { mimeType, data: streamReadable(stream) };
  });
}

export function domainConsole(dom: Domain, devname: string | null, options: ConsoleOptions): Promise<DomainConsole> {
  const flags = (options.force ? v.VIR_DOMAIN_CONSOLE_FORCE : 0) | (options.safe ? v.VIR_DOMAIN_CONSOLE_SAFE : 0);
  return withStream(dom, true, async (stream) => {
    await invoke('virDomainOpenConsole', [dom, devname, stream, flags]);
    return new DomainConsole(stream);
  });
}
