// A small fixture XML (with a struct and a function contributed through the overrides file)
// -> generate -> compile consumer code against it with tsc -> run it against the real libvirt.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generate, loadApi } from '../../generator/generate.js';

const root = resolve(import.meta.dirname, '../..');

const consumer = `
import * as v from './generated/index.js';
import { isLibvirtError } from ${JSON.stringify(join(root, 'src/ffi/index.js'))};

const conn: v.virConnectPtr = v.virConnectOpen('test:///default');
const dom: v.virDomainPtr = v.virDomainLookupByName(conn, 'test');
// A domain is not a connection: branded handle types keep them apart (checked, never run).
export function typeOnly(): void {
  // @ts-expect-error
  v.virConnectGetLibVersion(dom);
}
const version: bigint = v.virConnectGetLibVersion(conn);
const node: v.virNodeInfo = v.virNodeGetInfo(conn);
let gate = 'no error';
try { v.virDomainGetFutureThing(dom); } catch (e) { gate = isLibvirtError(e) ? e.codeName + ': ' + e.message : String(e); }
const name: string = v.virDomainGetName(dom);
v.virDomainFree(dom);
v.virConnectClose(conn);
process.stdout.write(JSON.stringify({ version: String(version), cpus: node.cpus, model: node.model, gate, name }));
`;

describe('generator: fixture XML -> generate -> compile -> run', function () {
  this.timeout(120_000);
  let dir = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsvirt-fixture-'));
    const api = loadApi(join(root, 'tests/fixtures/mini-api'));
    const files = generate(api, { runtimeImport: join(root, 'src/ffi/index.js') });
    mkdirSync(join(dir, 'generated'));
    for (const [name, text] of files) writeFileSync(join(dir, 'generated', name), text);
    writeFileSync(join(dir, 'consumer.ts'), consumer);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
        noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, verbatimModuleSyntax: true, skipLibCheck: true,
        types: ['node'], typeRoots: [join(root, 'node_modules/@types')],
      },
      files: ['consumer.ts'],
    }));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('compiles consumer code under the strict options, handle brands included', () => {
    const tsc = join(root, 'node_modules/.bin/tsc');
    const out = spawnSync(tsc, ['-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
    assert.equal(out.status, 0, `tsc failed:\n${out.stdout}${out.stderr}`);
  });

  it('runs: the contributed struct and function work, a too-new function is refused by version', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(dir, 'consumer.ts')], { cwd: root, encoding: 'utf8' });
    const result = JSON.parse(out) as { version: string; cpus: number; model: string; gate: string; name: string };
    assert.equal(result.version, '9000000');
    assert.equal(result.cpus, 16); // the test driver's node
    assert.equal(result.model, 'i686');
    assert.equal(result.name, 'test');
    assert.match(result.gate, /^VIR_ERR_NO_SUPPORT: virDomainGetFutureThing requires libvirt >= 99\.0\.0, but the loaded libvirt is 9\.0\.0$/);
  });

  it('runs bindings generated for the installed package (--runtime tsvirt/ffi)', () => {
    const own = mkdtempSync(join(tmpdir(), 'tsvirt-runtime-'));
    try {
      const api = loadApi(join(root, 'tests/fixtures/mini-api'));
      mkdirSync(join(own, 'generated'));
      for (const [name, text] of generate(api, { runtimeImport: 'tsvirt/ffi' })) writeFileSync(join(own, 'generated', name), text);
      // An install of this package, as npm would link it.
      mkdirSync(join(own, 'node_modules'));
      symlinkSync(root, join(own, 'node_modules', 'tsvirt'), 'dir');
      writeFileSync(join(own, 'package.json'), JSON.stringify({ type: 'module' }));
      writeFileSync(join(own, 'run.ts'), `import * as v from './generated/index.js';
const conn = v.virConnectOpen('test:///default');
process.stdout.write(String(v.virConnectGetLibVersion(conn)));
v.virConnectClose(conn);
`);
      const out = execFileSync(process.execPath, ['--import', 'tsx', join(own, 'run.ts')], { cwd: root, encoding: 'utf8' });
      assert.equal(out, '9000000');
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});
