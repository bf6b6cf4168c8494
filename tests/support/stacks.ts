// For a test that timed out waiting for something to happen: the native stacks of this process
// and of libvirtd, through gdb, so that the failure shows what each thread was waiting in. The
// full dump goes to a file; the lines that name libvirt, GLib, koffi or a wait go in the message.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const INTERESTING = /^Thread |vir|g_main|g_poll|koffi|poll|futex|pthread_cond|Atomics/;
const MAX_LINES = 160;

function dump(pid: number): string {
  try {
    return execFileSync('gdb', ['-batch', '-p', String(pid), '-ex', 'thread apply all bt 15'], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (e) {
    return `(no stacks of ${pid}: ${(e as Error).message.split('\n')[0] ?? ''})`;
  }
}

/** A summary of the stacks of this process and of the daemon (pid file `daemonPidFile`), with where the full dump is. */
export function nativeStacks(daemonPidFile: string): string {
  const file = `/tmp/tsvirt-stall-${process.pid}-${Date.now()}.txt`;
  let daemon = NaN;
  try { daemon = Number(readFileSync(daemonPidFile, 'utf8').trim()); } catch { /* no daemon */ }
  const parts = [`== this process (${process.pid})`, dump(process.pid)];
  if (Number.isInteger(daemon)) parts.push(`== libvirtd (${daemon})`, dump(daemon));
  const full = parts.join('\n');
  writeFileSync(file, full);
  const lines = full.split('\n').filter((l) => l.startsWith('==') || INTERESTING.test(l));
  return `native stacks in ${file}:\n${lines.slice(0, MAX_LINES).join('\n')}`;
}
