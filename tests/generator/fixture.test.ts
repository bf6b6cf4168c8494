// A small fixture XML (with structs and functions contributed through the overrides file)
// -> generate -> compile consumer code against it with tsc -> run it against the real libvirt,
// and, for functions no libvirt has, against a stand-in library built from a fixture.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
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
  // A contributed struct's char * fields are strings (null where libvirt left them NULL).
  const owner: v.virDomainOwner = v.virDomainGetOwner(dom);
  const user: string | null = owner.user;
  const owners: v.virDomainOwner[] = v.virDomainGetOwners(dom);
  const listed: v.virDomainOwner[] = v.virDomainListOwners(dom, 4);
  void user; void owners; void listed;
  // A struct filled beside a result that means something: both come back.
  const transfer: { info: v.virDomainTransferInfo; result: number } = v.virDomainGetTransferInfo(dom);
  const diskTransfer: { info: v.virDomainTransferInfo; result: number } = v.virDomainGetDiskTransferInfo(dom, 'vda');
  void transfer; void diskTransfer;
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

  /**
   * Runs `calls` (an object literal of calls of the generated bindings, `v`) against the stand-in
   * library, built from its fixture and preloaded as well: its free() counts the frees of the
   * strings it hands out. Returns what they returned (a failure as its message; bigints cross as
   * bigints), and `frees`.
   */
  function onStandIn(calls: string): Record<string, unknown> {
    const lib = join(dir, 'libvirt.so.0');
    execFileSync('cc', ['-shared', '-fPIC', '-o', lib, join(root, 'tests/fixtures/fake-libvirt/fake-libvirt.c')]);
    const script = `
      import koffi from 'koffi';
      import * as v from ${JSON.stringify(join(dir, 'generated/index.js'))};
      const fake = koffi.load(process.env.TSVIRT_LIBVIRT_PATH);
      const freesOf = fake.func('int fakeFreesOf(int i)');
      const handedOut = fake.func('int fakeStringsHandedOut(void)');
      const attempt = (f) => { try { return f(); } catch (e) { return e.message; } };
      const out = ${calls};
      out.frees = Array.from({ length: handedOut() }, (_, i) => freesOf(i));
      // bigints as '5n', read back as bigints below.
      process.stdout.write(JSON.stringify(out, (_, x) => (typeof x === 'bigint' ? x + 'n' : x)));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root, encoding: 'utf8', env: { ...process.env, TSVIRT_LIBVIRT_PATH: lib, LD_PRELOAD: lib, FAKE_LIBVIRT_VERSION: '9000000' },
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout, (_, x: unknown) => (typeof x === 'string' && /^-?\d+n$/.test(x) ? BigInt(x.slice(0, -1)) : x)) as Record<string, unknown>;
  }

  const root0 = { user: 'root', group: 'wheel', uid: 0 };

  it('reads the strings of a contributed struct libvirt fills and frees each once, also when the call fails (stand-in library)', () => {
    // One struct (struct-out), an array asked for its size first (query-out) and one of the
    // caller's size (array-out). The stand-in's domain value says how a call goes (see its
    // virDomainGetOwner): 1 succeeds, 2 fails with the strings set, 3 fails before setting any.
    assert.deepEqual(onStandIn(`{
      one: v.virDomainGetOwner(1n),
      failedSet: attempt(() => v.virDomainGetOwner(2n)),
      failedUnset: attempt(() => v.virDomainGetOwner(3n)),
      many: v.virDomainGetOwners(1n),
      manyFailed: attempt(() => v.virDomainGetOwners(2n)),
      listed: v.virDomainListOwners(1n, 4),
      listFailed: attempt(() => v.virDomainListOwners(2n, 4)),
      listUnset: attempt(() => v.virDomainListOwners(3n, 4)),
    }`), {
      one: root0,
      failedSet: 'virDomainGetOwner failed without a libvirt error',
      failedUnset: 'virDomainGetOwner failed without a libvirt error',
      many: [root0, { user: 'qemu', group: 'kvm', uid: 64 }],
      manyFailed: 'virDomainGetOwners failed without a libvirt error',
      listed: [root0, { user: 'qemu', group: 'kvm', uid: 64 }],
      listFailed: 'virDomainListOwners failed without a libvirt error',
      listUnset: 'virDomainListOwners failed without a libvirt error',
      // A user and a group per struct filled: one struct, then arrays of two, each once as the
      // call succeeds and once as it fails.
      frees: new Array(2 * (1 + 1 + 2 + 2 + 2 + 2)).fill(1),
    });
  });

  it('reads no more of a queried array than it asked libvirt to fill, when the count grows between the two calls (stand-in library)', () => {
    // Domain 4 has no owners when asked for the count, two by the second call, which is asked
    // for 0 and so fills none: the count written back is the new total, not what was filled.
    // The call before it leaves two owners, since freed, in the memory past the one struct
    // allocated: they must not be read back.
    assert.deepEqual(onStandIn('{ before: v.virDomainGetOwners(1n), grown: v.virDomainGetOwners(4n) }'), {
      before: [root0, { user: 'qemu', group: 'kvm', uid: 64 }],
      grown: [],
      frees: [1, 1, 1, 1],
    });
  });

  it('fails a queried array with its sizing call\'s failure, not with the empty answer of another sizing call (stand-in library)', () => {
    // Domain 5's sizing call fails once: asked again with NULL and 0, it would answer a count and
    // no entries, and the caller would see [] for a call that failed.
    assert.deepEqual(onStandIn('{ failed: attempt(() => v.virDomainGetOwners(5n)) }'), {
      failed: 'virDomainGetOwners failed without a libvirt error',
      frees: [],
    });
  });

  it('returns a struct libvirt fills together with a result that means something, as its type says (stand-in library)', () => {
    // As virDomainGetBlockJobInfo: 1 and the struct for a transfer, 0 for none, -1 a failure.
    // (domain, info) is the hottest call shape, (domain, disk, info, flags) the other.
    const job = { info: { cur: 5n, end: 10n }, result: 1 };
    const none = { info: { cur: 0n, end: 0n }, result: 0 };
    const out = onStandIn(`{
      job: v.virDomainGetTransferInfo(1n), none: v.virDomainGetTransferInfo(2n),
      failed: attempt(() => v.virDomainGetTransferInfo(3n)),
      diskJob: v.virDomainGetDiskTransferInfo(1n, 'vda'), diskNone: v.virDomainGetDiskTransferInfo(2n, 'vda', 0),
      diskFailed: attempt(() => v.virDomainGetDiskTransferInfo(3n, 'vda')),
      // Again, after the first calls built each function's invoker.
      again: [v.virDomainGetTransferInfo(2n), v.virDomainGetTransferInfo(1n), v.virDomainGetDiskTransferInfo(2n, 'vda')],
    }`);
    assert.deepEqual(out, {
      job, none, failed: 'virDomainGetTransferInfo failed without a libvirt error',
      diskJob: job, diskNone: none, diskFailed: 'virDomainGetDiskTransferInfo failed without a libvirt error',
      again: [none, job, none],
      frees: [],
    });
  });

  it('runs what the README\'s commands to watch a contribution work generate, and they print no warning', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const generateLine = /^npm run generate -- (--input tests\/fixtures\/mini-api .*--out scratch\/mini-api)$/m.exec(readme);
    const runLine = /^node --import tsx --input-type=module -e "(.*'\.\/scratch\/mini-api\/index\.js'.*)"$/m.exec(readme);
    assert.ok(generateLine && runLine, 'the README shows both commands');
    // The README's folder, but a fresh one: scratch/ is ignored by git, and the package's own (ESM) as the README's is.
    mkdirSync(join(root, 'scratch'), { recursive: true });
    const own = relative(root, mkdtempSync(join(root, 'scratch', 'readme-')));
    try {
      const args = (generateLine[1] as string).replace('scratch/mini-api', `${own}/mini-api`).split(' ');
      const generated = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'generator/main.ts'), ...args], { cwd: root, encoding: 'utf8' });
      assert.equal(generated.status, 0, generated.stderr);
      assert.equal(generated.stderr, '');
      const script = (runLine[1] as string).replace('./scratch/mini-api/', `./${own}/mini-api/`);
      const ran = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
      assert.equal(ran.status, 0, ran.stderr);
      assert.match(ran.stdout, /model: 'i686',\n\s+memory: 3145728n,\n\s+cpus: 16,\n\s+mhz: 1400,/);
    } finally {
      rmSync(join(root, own), { recursive: true, force: true });
    }
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
