// npm run generate [-- --input DIR] [--out DIR] [--overrides DIR] [--check]
//   --input DIR      directory holding libvirt-api.xml and companions (default api-xml/)
//   --out DIR        where to write the modules (default generated/)
//   --overrides DIR  where tsvirt-overrides.xml is (default api-xml/, whatever --input says)
//   --runtime SPEC   import specifier of tsvirt's runtime as seen from --out (default ../src/ffi/index.js)
//   --check          write nothing; exit 1 if --out differs from what would be generated
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generate, loadApi, GenerationError } from './generate.js';

const root = resolve(import.meta.dirname, '..');

function main(): number {
  const { values } = parseArgs({ options: {
    input: { type: 'string', default: join(root, 'api-xml') },
    out: { type: 'string', default: join(root, 'generated') },
    overrides: { type: 'string', default: join(root, 'api-xml') },
    runtime: { type: 'string', default: '../src/ffi/index.js' },
    check: { type: 'boolean', default: false },
  } });
  const files = generate(loadApi(values.input, values.overrides), { runtimeImport: values.runtime });
  return values.check ? check(values.out, files) : write(values.out, files);
}

function write(out: string, files: Map<string, string>): number {
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(out)) if (f.endsWith('.ts') && !files.has(f)) rmSync(join(out, f));
  for (const [name, text] of files) writeFileSync(join(out, name), text);
  process.stdout.write(`generated ${files.size} files into ${out}\n`);
  return 0;
}

function check(out: string, files: Map<string, string>): number {
  const stale: string[] = [];
  for (const [name, text] of files) {
    const path = join(out, name);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) stale.push(name);
  }
  if (existsSync(out)) for (const f of readdirSync(out)) if (f.endsWith('.ts') && !files.has(f)) stale.push(`${f} (not generated)`);
  if (stale.length === 0) { process.stdout.write(`${out} is up to date\n`); return 0; }
  process.stderr.write(`${out} differs from what the generator emits: ${stale.join(', ')}\nRun \`npm run generate\` and commit the result.\n`);
  return 1;
}

try {
  process.exitCode = main();
} catch (err) {
  if (err instanceof GenerationError) { process.stderr.write(`${err.message}\n`); process.exitCode = 2; }
  else throw err;
}
