/** Runs `tsvirt image ...` in-process (runImageCommand) in `cwd`, collecting stdout, stderr and the exit code. */
import { PassThrough } from 'node:stream';
import { runImageCommand } from '../../../src/cli/image-command.js';

export async function runCli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const previous = process.cwd();
  process.chdir(cwd);
  try {
    const code = await runImageCommand(args, { stdout, stderr });
    return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
  } finally {
    process.chdir(previous);
  }
}
