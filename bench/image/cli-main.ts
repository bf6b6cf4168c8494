/**
 * A process entry for the benchmark: `node <built>/bench/image/cli-main.js <image args>`, the
 * same code path as `tsvirt image ...`, without the rest of the CLI.
 */
import { runImageCommand } from '../../src/cli/image-command.js';

runImageCommand(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
