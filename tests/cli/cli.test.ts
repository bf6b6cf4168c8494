// The built `tsvirt` binary (dist/, as installed): version, api, tour, and error exits.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { boundSymbols } from '../../generated/api-symbols.js';
import { eventCatalog } from '../../src/sdk/events/catalog.js';
import { builtBin as bin, runBuilt as tsvirt } from '../support/cli-run.js';

const root = resolve(import.meta.dirname, '../..');

describe('tsvirt command line', function () {
  this.timeout(60_000);

  it('version: package, loaded libvirt, and the libvirt the bindings came from', () => {
    const r = tsvirt(['version', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const v = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(v['tsvirt'], '0.1.0');
    assert.equal(v['libvirtLoaded'], '9.0.0');
    assert.equal(v['libvirtApiXml'], '9.0.0');
  });

  it('--version and -V are `tsvirt version`, options included', () => {
    const version = tsvirt(['version', '--json']);
    for (const flag of ['--version', '-V']) {
      const r = tsvirt([flag, '--json']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, version.stdout);
    }
    assert.match(tsvirt(['--version', '--bogus']).stderr, /^tsvirt: [^]*usage: tsvirt version/);
  });

  it('api --json: every bound symbol with its since; --missing: none on the libvirt the XML came from', () => {
    const all = JSON.parse(tsvirt(['api', '--json']).stdout) as { name: string; since: string | null; available: boolean }[];
    assert.equal(all.length, boundSymbols.length);
    assert.deepEqual(all.find((s) => s.name === 'virDomainGetInfo'), { name: 'virDomainGetInfo', kind: 'function', header: 'libvirt-domain', lib: 'libvirt', since: '0.0.3', available: true });
    assert.deepEqual(JSON.parse(tsvirt(['api', '--missing', '--json']).stdout), []);
  });

  it('api --missing lists what an older libvirt lacks, by symbol and by version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvirt-cli-'));
    try {
      const lib = join(dir, 'libvirt.so.0');
      execFileSync('cc', ['-shared', '-fPIC', '-o', lib, join(root, 'tests/fixtures/fake-libvirt/fake-libvirt.c')]);
      const r = tsvirt(['api', '--missing', '--json'], { TSVIRT_LIBVIRT_PATH: lib, FAKE_LIBVIRT_VERSION: '8000000' });
      const missing = new Set((JSON.parse(r.stdout) as { name: string }[]).map((s) => s.name));
      assert.ok(missing.has('virDomainGetName'), 'a function the library does not export');
      assert.ok(!missing.has('virConnectOpen'), 'a function the library exports');
      const newer = boundSymbols.filter(([, kind, , , since]) => kind === 'enum' && since !== null && since.startsWith('9.')).map(([n]) => n);
      assert.ok(newer.length > 0 && newer.every((n) => missing.has(n)), 'enums introduced after 8.0.0');
      assert.ok(!missing.has('VIR_DOMAIN_RUNNING'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tour: lists the test driver domains and pools, and inspects a sample image', () => {
    const r = tsvirt(['tour']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /connected to test:\/\/\/default \(TEST driver, libvirt 9\.0\.0\)/);
    assert.match(r.stdout, /^test +running +2 +2048$/m);
    assert.match(r.stdout, /^default-pool +100 +0$/m);
    assert.match(r.stdout, /^1 +first +0 B /m);
    assert.equal(r.stdout.match(/^Snapshot list:$/gm)?.length, 1, 'one snapshot table');
    assert.match(r.stdout, /^image: sample\.qcow2$/m);
    // The sample image is deleted when the tour ends: no path it printed may name a missing file.
    const paths = [...r.stdout.matchAll(/(?<=^|\s)\/[^\s,:()]+/gm)].map(([p]) => p);
    assert.deepEqual(paths.filter((p) => !existsSync(p)), []);
  });

  it('prints the libvirt error name and exits 1 on failure; usage errors exit 2', () => {
    const r = tsvirt(['tour', '--connect', 'test:///no/such/file.xml']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^tsvirt: VIR_ERR_\w+: /m);
    assert.equal(tsvirt(['api', '--kind', 'nonsense']).status, 2);
    assert.equal(tsvirt(['no-such-command']).status, 2);
    for (const cmd of ['version', 'api', 'tour']) {
      const stray = tsvirt([cmd, 'extra']);
      assert.equal(stray.status, 2, cmd);
      assert.match(stray.stderr, new RegExp(`^tsvirt: ${cmd} takes no arguments \\(got extra\\)`));
    }
  });

  describe('VM management commands (each run is a fresh test:///default)', () => {
    const json = (args: string[]): unknown => {
      const r = tsvirt([...args, '--json']);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      return JSON.parse(r.stdout);
    };

    it('domain list and info', () => {
      assert.deepEqual((json(['domain', 'list']) as { name: string; state: { name: string } }[]).map((d) => [d.name, d.state.name]), [['test', 'running']]);
      const info = json(['domain', 'info', 'test']) as { vcpus: number; memoryKiB: string };
      assert.equal(info.vcpus, 2);
      assert.equal(info.memoryKiB, '2097152');
      // The text of both: the list's columns, and info's fields by their JSON names.
      // Memory in KiB in both, the unit of info's memoryKiB (and of virsh's dominfo).
      assert.match(tsvirt(['domain', 'list']).stdout, /^NAME +STATE +VCPUS +MEMORY \(KiB\)\n[- ]+\ntest +running +2 +2097152\n$/);
      const text = tsvirt(['domain', 'info', 'test']).stdout;
      assert.deepEqual([...text.matchAll(/^(\w+) /gm)].map(([, field]) => field).slice(1), Object.keys(info));
      assert.match(text, /^state +running$/m);
    });

    it('domain actions report what they did', () => {
      assert.deepEqual(json(['domain', 'suspend', 'test']), { kind: 'domain', name: 'test', action: 'suspend' });
      assert.deepEqual(json(['domain', 'destroy', 'test']), { kind: 'domain', name: 'test', action: 'destroy' });
      assert.equal(tsvirt(['domain', 'shutdown', 'test']).stdout, 'domain test: shutting down\n');
    });

    it('snapshot create and list', () => {
      assert.deepEqual(json(['snapshot', 'create', 'test', 's1']), { kind: 'snapshot', name: 's1', action: 'create', domain: 'test' });
      assert.equal(tsvirt(['snapshot', 'create', 'test', 's1']).stdout, 'snapshot s1 of test: created\n');
      assert.deepEqual(json(['snapshot', 'list', 'test']), []);
      assert.deepEqual(json(['snapshot', 'current', 'test']), { current: null });
    });

    it('snapshot list, with --tree or without, says when a domain has no snapshots', () => {
      for (const tree of [[], ['--tree']]) {
        const r = tsvirt(['snapshot', 'list', 'test', ...tree]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, '(no snapshots)\n', tree.join(' '));
      }
    });

    it('pool list and info, vol create and list', () => {
      assert.deepEqual((json(['pool', 'list']) as { name: string }[]).map((p) => p.name), ['default-pool']);
      assert.equal((json(['pool', 'info', 'default-pool']) as { type: string }).type, 'dir');
      assert.deepEqual(json(['vol', 'create', 'default-pool', 'a.qcow2', '--capacity', '64M']),
        { kind: 'volume', name: 'a.qcow2', action: 'create', pool: 'default-pool', path: '/default-pool/a.qcow2' });
      assert.equal(tsvirt(['vol', 'create', 'default-pool', 'a.qcow2', '--capacity', '64M']).stdout, 'volume a.qcow2 in default-pool: created at /default-pool/a.qcow2\n');
      assert.deepEqual(json(['vol', 'list', 'default-pool']), []);
    });

    it('fails with the libvirt error name and exit 1', () => {
      const r = tsvirt(['domain', 'info', 'no-such-domain']);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^tsvirt: VIR_ERR_NO_DOMAIN: /);
    });

    it('domain define: a FILE that cannot be read is named in the error, without a stack trace', () => {
      const dir = mkdtempSync(join(tmpdir(), 'tsvirt-cli-define-'));
      try {
        // Node's message for read(2) on a directory (EISDIR) names no file; the others do.
        for (const file of [dir, join(dir, 'missing.xml')]) {
          const r = tsvirt(['domain', 'define', file]);
          assert.equal(r.status, 1, file);
          assert.match(r.stderr, /^tsvirt: .*E(ISDIR|NOENT)/);
          assert.ok(r.stderr.includes(file), `${file}: ${r.stderr}`);
          assert.equal(r.stderr.split(file).length, 2, `${file} is named once: ${r.stderr}`);
          assert.doesNotMatch(r.stderr, /^\s+at /m);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('events', () => {
    /**
     * Runs `tsvirt events ARGS` until it says it is watching, then interrupts it. One that never
     * says so is killed after 30 s (status null): it would watch for ever, past the test.
     */
    const watchThenStop = (args: string[]): Promise<{ status: number | null; stderr: string }> => new Promise((done) => {
      const p = spawn(process.execPath, [bin, 'events', ...args], { env: { ...process.env, LIBVIRT_DEFAULT_URI: '' } });
      const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
      let stderr = '';
      p.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/watching/.test(stderr)) p.kill('SIGINT');
      });
      p.on('close', (status) => {
        clearTimeout(timer);
        done({ status, stderr });
      });
    });

    it('without --types watches every family the driver supports, and says which it has not', async () => {
      const r = await watchThenStop(['--connect', 'test:///default']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /this connection's driver has no secret events/);
      // Every type of the catalog but the secret family's (the test driver has none) and qemu:monitor (only when named).
      const expected = [...eventCatalog.values()].filter((e) => e.family !== 'secret' && e.family !== 'qemu').length;
      assert.match(r.stderr, new RegExp(`watching ${expected} event types`));
      assert.doesNotMatch(r.stderr, /Warning/);
    });

    it('--domain of no domain that exists now: watched, with a note in case of a typo', async () => {
      const r = await watchThenStop(['--domain', 'nope', '--types', 'domain:lifecycle', '--connect', 'test:///default']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /no domain 'nope' exists now/);
      const known = await watchThenStop(['--domain', 'test', '--types', 'domain:lifecycle', '--connect', 'test:///default']);
      assert.doesNotMatch(known.stderr, /exists now/);
    });

    it('one type is one event type', async () => {
      const r = await watchThenStop(['--types', 'domain:lifecycle', '--connect', 'test:///default']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /watching 1 event type \(/);
    });

    it('--types that names no type is a usage error, not a watch of nothing', () => {
      // A watch of no types has nothing to keep the process alive: Node ended it with exit code
      // 13 (a top-level await that never settled).
      for (const types of [',', '', ' , ']) {
        const r = tsvirt(['events', '--types', types, '--connect', 'test:///default']);
        assert.equal(r.status, 2, `--types '${types}': ${r.stderr}`);
        assert.match(r.stderr, /^tsvirt: --types names no event type/);
        assert.doesNotMatch(r.stderr, /watching/);
      }
    });

    it('a type the driver cannot deliver fails with libvirt\'s error, once', () => {
      const r = tsvirt(['events', '--types', 'secret:lifecycle', '--connect', 'test:///default']);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^tsvirt: VIR_ERR_NO_SUPPORT: .*virConnectSecretEventRegisterAny/);
      assert.doesNotMatch(r.stderr, /Warning/);
      // QEMU monitor events are the QEMU driver's only (tests/daemon has them delivered).
      const qemu = tsvirt(['events', '--types', 'qemu:monitor', '--connect', 'test:///default']);
      assert.equal(qemu.status, 1);
      assert.match(qemu.stderr, /^tsvirt: VIR_ERR_NO_SUPPORT: .*virConnectDomainQemuMonitorEventRegister/);
    });
  });
});
