// Binding is lazy and version-gated: loading never fails for a missing symbol; calling one
// throws VIR_ERR_NO_SUPPORT naming the function and versions; a libvirt older than 1.2.0 is
// refused at the first call. Runs against a stand-in library built from a fixture.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { symbolTooNewReason, unsupportedLibraryReason } from '../../src/ffi/version.js';

const root = resolve(import.meta.dirname, '../..');

const probe = `
  import * as v from ${JSON.stringify(resolve(root, 'generated/index.js'))};
  const out = {};
  const attempt = (key, fn) => { try { out[key] = String(fn()); } catch (e) { out[key] = e.codeName + ': ' + e.message; } };
  attempt('open', () => v.virConnectOpen('test:///default'));
  attempt('name', () => v.virDomainGetName(1n));
  attempt('open again', () => typeof v.virConnectOpen('test:///default'));
  process.stdout.write(JSON.stringify(out));
`;

describe('version gate', function () {
  this.timeout(60_000);
  let dir = '';
  let lib = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsvirt-fake-'));
    lib = join(dir, 'libvirt.so.0');
    execFileSync('cc', ['-shared', '-fPIC', '-o', lib, join(root, 'tests/fixtures/fake-libvirt/fake-libvirt.c')]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (version: string): Record<string, string> => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
      cwd: root, encoding: 'utf8', env: { ...process.env, TSVIRT_LIBVIRT_PATH: lib, FAKE_LIBVIRT_VERSION: version },
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, string>;
  };

  it('refuses a libvirt older than 1.2.0 at the first call, with a clear message', () => {
    const r = run('1001003');
    assert.equal(r['open'], 'VIR_ERR_NO_SUPPORT: virConnectOpen: libvirt 1.1.3 is loaded but tsvirt needs libvirt >= 1.2.0');
  });

  it('calls what the library has and refuses, by name and version, what it lacks', () => {
    const r = run('9000000');
    assert.match(r['open'] ?? '', /^\d+$/, 'virConnectOpen exists in the stand-in and returns a handle');
    assert.match(r['name'] ?? '', /^VIR_ERR_NO_SUPPORT: virDomainGetName \(libvirt >= 0\.0\.3\) is not in the loaded libvirt 9\.0\.0/);
    assert.equal(r['open again'], 'bigint', 'a missing symbol breaks nothing else');
  });

  it('a struct getter called from inside itself (a callback) leaves the outer call its own result', () => {
    // The struct getters fill a buffer of their own; a nested call must take other memory.
    const nested = `
      import koffi from 'koffi';
      import * as v from ${JSON.stringify(resolve(root, 'generated/index.js'))};
      const fake = koffi.load(process.env.TSVIRT_LIBVIRT_PATH);
      const setHook = fake.func('void fakeSetGetInfoHook(void *hook)');
      let inner;
      const hook = koffi.register(() => { inner = v.virDomainGetInfo(7n); }, koffi.pointer(koffi.proto('void fake_hook(void)')));
      setHook(hook);
      const outer = v.virDomainGetInfo(3n);
      const after = v.virDomainGetInfo(5n);
      koffi.unregister(hook);
      const plain = (i) => ({ state: i.state, maxMem: String(i.maxMem), memory: String(i.memory), nrVirtCpu: i.nrVirtCpu, cpuTime: String(i.cpuTime) });
      process.stdout.write(JSON.stringify({ outer: plain(outer), inner: plain(inner), after: plain(after) }));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', nested], {
      cwd: root, encoding: 'utf8', env: { ...process.env, TSVIRT_LIBVIRT_PATH: lib, FAKE_LIBVIRT_VERSION: '9000000' },
    });
    assert.equal(r.status, 0, r.stderr);
    const info = (n: number): Record<string, unknown> => ({ state: n, maxMem: String(n * 1000), memory: String(n * 100), nrVirtCpu: n, cpuTime: String(n * 10) });
    assert.deepEqual(JSON.parse(r.stdout), { outer: info(3), inner: info(7), after: info(5) });
  });

  it('a result that cannot be read is still released (a typed parameter of an unknown type)', () => {
    const script = `
      import koffi from 'koffi';
      import * as v from ${JSON.stringify(resolve(root, 'generated/index.js'))};
      const fake = koffi.load(process.env.TSVIRT_LIBVIRT_PATH);
      const params = fake.func('int fakeFreedParams(void)');
      const records = fake.func('int fakeFreedRecords(void)');
      const attempt = (fn) => { try { fn(); return 'no error'; } catch (e) { return e.message; } };
      const jobStats = attempt(() => v.virDomainGetJobStats(1n, 0));
      const allStats = attempt(() => v.virConnectGetAllDomainStats(1n, 0, 0));
      process.stdout.write(JSON.stringify({ jobStats, freedParams: params(), allStats, freedRecords: records() }));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root, encoding: 'utf8', env: { ...process.env, TSVIRT_LIBVIRT_PATH: lib, FAKE_LIBVIRT_VERSION: '9000000' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      jobStats: 'virTypedParameter from_the_future: unknown type 99', freedParams: 2,
      allStats: 'virTypedParameter state.future: unknown type 99', freedRecords: 1,
    });
  });

  it('explains why a symbol is too new for the loaded library', () => {
    assert.equal(symbolTooNewReason('virDomainFoo', '9.1.0', 9_000_000), 'virDomainFoo requires libvirt >= 9.1.0, but the loaded libvirt is 9.0.0');
    assert.equal(symbolTooNewReason('virDomainFoo', '9.0.0', 9_000_000), null);
    assert.equal(symbolTooNewReason('virDomainFoo', null, 9_000_000), null);
    assert.equal(unsupportedLibraryReason(1_002_000), null);
  });
});
