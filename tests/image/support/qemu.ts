/**
 * Test-side helpers: run qemu-img / qemu-io (the reference), make images in a temp dir, poke
 * bytes into them. Nothing here is used by the library.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function qemuImg(args: readonly string[], cwd?: string): string {
  return execFileSync('qemu-img', args, { encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * A 1 MiB LUKS-encrypted qcow2 (secret "pw") named `name` in `cwd`. qemu-img times its key
 * derivation by CPU time and, on a loaded machine, sometimes fails with "Unable to get accurate
 * CPU usage": that failure is retried, any other is not.
 */
export function createLuksQcow2(cwd: string, name = 'luks.qcow2'): void {
  const args = ['create', '-q', '-f', 'qcow2', '--object', 'secret,id=s0,data=pw', '-o', 'encrypt.format=luks,encrypt.key-secret=s0,encrypt.iter-time=100', name, '1M'];
  for (let attempt = 1; ; attempt++) {
    const r = qemuImgRun(args, cwd);
    if (r.status === 0) return;
    if (attempt === 6 || !/accurate CPU usage/.test(r.stderr)) throw new Error(`qemu-img ${args.join(' ')} failed: ${r.stderr}`);
    // At once, it failed the same way three times running under load: the load has to pass.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500 * attempt);
  }
}

/** Runs qemu-img and returns stdout, stderr and the exit status without throwing. */
export function qemuImgRun(args: readonly string[], cwd?: string, timeoutMs = 20_000): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync('qemu-img', args, { encoding: 'utf8', cwd, timeout: timeoutMs });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

export function qemuIo(file: string, commands: readonly string[], format = 'qcow2', cwd?: string): void {
  const args = ['-f', format];
  for (const c of commands) args.push('-c', c);
  execFileSync('qemu-io', [...args, file], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export class TempDir {
  readonly path: string;
  constructor(prefix = 'tsvirt-image-') {
    this.path = mkdtempSync(join(tmpdir(), prefix));
  }
  file(name: string): string {
    return join(this.path, name);
  }
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Writes bytes at an offset of an existing file (used to damage images on purpose). */
/** `name` in `dir`: a 4 MiB qcow2 image with 128 KiB written and the named internal snapshots. */
export function snapshottedImage(dir: TempDir, name: string, snapshots: readonly string[]): void {
  qemuImg(['create', '-q', '-f', 'qcow2', name, '4M'], dir.path);
  qemuIo(name, ['write -P 1 0 128k'], 'qcow2', dir.path);
  for (const s of snapshots) qemuImg(['snapshot', '-c', s, name], dir.path);
}

export function poke(path: string, offset: number, bytes: Uint8Array): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

export function be32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

export function be64(v: bigint | number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(v));
  return b;
}

export function be16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}

/** The message qemu-img prints after "Could not open 'X': ". */
export function qemuOpenError(stderr: string): string {
  const line = stderr.split('\n').find((l) => l.startsWith('qemu-img:')) ?? stderr;
  const m = /Could not open '[^']*': (.*)$/.exec(line);
  return (m?.[1] ?? line).trim();
}
