/**
 * The tsvirt side of every benchmark runs as compiled JavaScript, as the package ships
 * (`exports` and `bin` point at tsc's output), not through the tsx loader the tests use. Under
 * tsx every call thread of the SDK boots the loader too, and a burst of getInfo calls was
 * measured at about 235 us of CPU per call against about 90 us compiled.
 *
 * compiled(entries) builds the given bench scripts with tsc into bench/out (gitignored),
 * together with all of src/ and generated/ (call threads are started by URL, so tsc would not
 * follow them from an import), and returns the command line of one compiled script.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = join(ROOT, 'bench/out');

/** Builds `entries` (paths of .ts files); the result maps one of them to `node <its .js>`. */
export function compiled(label: string, entries: readonly string[]): (entry: string) => string[] {
  mkdirSync(OUT, { recursive: true });
  const config = join(OUT, `tsconfig.${label}.json`);
  const fromOut = (p: string): string => relative(OUT, p);
  writeFileSync(config, JSON.stringify({
    extends: '../../tsconfig.json',
    compilerOptions: { noEmit: false, outDir: '.', rootDir: '../..', declaration: false, sourceMap: false },
    include: [...entries.map(fromOut), '../../src/**/*.ts', '../../generated/**/*.ts'],
  }));
  execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', config], { stdio: 'inherit' });
  return (entry) => [process.execPath, join(OUT, relative(ROOT, entry).replace(/\.ts$/, '.js'))];
}
