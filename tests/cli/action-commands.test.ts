// The action commands (domain start ..., snapshot create|revert|delete, vol create|clone|delete,
// net ...) in this process on one test:///default, which keeps its state while a connection
// holds it: one report shape for all, and the switches virsh has for them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, Domain, DomainSnapshot, SnapshotDeleteMode } from '../../src/sdk/index.js';
import { runDomain } from '../../src/cli/domain-commands.js';
import { CREATE_FLAGS, revertFlags, runSnapshot } from '../../src/cli/snapshot-commands.js';
import { runVol } from '../../src/cli/storage-commands.js';
import { runNet } from '../../src/cli/network-commands.js';
import { UsageError } from '../../src/cli/args.js';
import { flagsOf } from '../../src/cli/option-tables.js';
import { isLibvirtError } from '../../src/ffi/index.js';
import * as v from '../../generated/index.js';
import { runOn, type Command, type CommandRun } from '../support/cli-run.js';
import { withPatched } from '../support/with-patched.js';

const URI = 'test:///default';
const run = (command: Command, ...argv: string[]): Promise<CommandRun> => runOn(URI, command, ...argv);
const stateOf = async (d: Domain): Promise<string> => (await d.getInfo()).state.name;

describe('tsvirt action commands (in this process)', function () {
  this.timeout(60_000);
  let holder: Connection;
  let dom: Domain;
  let dir: string;
  before(async () => {
    holder = await Connection.open(URI);
    dom = await holder.lookupDomain('test');
    dir = mkdtempSync(join(tmpdir(), 'tsvirt-cli-actions-'));
  });
  afterEach(async () => {
    // Each test leaves 'test' running, without snapshots, as the driver starts it.
    for (const root of (await dom.snapshotTree()).roots) await (await dom.lookupSnapshot(root)).delete(SnapshotDeleteMode.withChildren);
    const state = await stateOf(dom);
    if (state === 'paused') await dom.resume();
    if (state === 'shutoff') await dom.start();
  });
  after(async () => {
    dom.free();
    await holder.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The definition of a copy of 'test' named `name`. */
  const copyXml = async (name: string): Promise<string> =>
    (await dom.getXml(v.VIR_DOMAIN_XML_INACTIVE)).replace(/<name>test<\/name>/, `<name>${name}</name>`).replace(/<uuid>.*<\/uuid>/, '');

  /** The file `domain define` takes: a copy of 'test' named `name`. */
  async function copyFile(name: string): Promise<string> {
    const file = join(dir, `${name}.xml`);
    writeFileSync(file, await copyXml(name));
    return file;
  }

  it('every action reports { kind, name, action, ...details } with --json, and KIND NAME: WHAT as text', async () => {
    const file = await copyFile('copy');
    // Each step in turn (a step needs what the ones before made): JSON for some, text for the others, of each kind.
    const steps: [Command, string[], Record<string, unknown> | string][] = [
      [runDomain, ['suspend', 'test', '--json'], { kind: 'domain', name: 'test', action: 'suspend' }],
      [runDomain, ['resume', 'test'], 'domain test: resumed'],
      [runDomain, ['define', file, '--json'], { kind: 'domain', name: 'copy', action: 'define' }],
      [runDomain, ['undefine', 'copy'], 'domain copy: undefined'],
      [runSnapshot, ['create', 'test', 's1'], 'snapshot s1 of test: created'],
      [runSnapshot, ['create', 'test', 's2', '--json'], { kind: 'snapshot', name: 's2', action: 'create', domain: 'test' }],
      [runSnapshot, ['revert', 'test', 's1', '--json'], { kind: 'snapshot', name: 's1', action: 'revert', domain: 'test' }],
      [runSnapshot, ['revert', 'test', 's2'], 'snapshot s2 of test: domain reverted to it'],
      [runSnapshot, ['delete', 'test', 's2'], 'snapshot s2 of test: deleted'],
      [runSnapshot, ['delete', 'test', 's1', '--json'], { kind: 'snapshot', name: 's1', action: 'delete', domain: 'test' }],
      [runVol, ['create', 'default-pool', 'a.img', '--capacity', '1M', '--format', 'raw'], 'volume a.img in default-pool: created at /default-pool/a.img'],
      [runVol, ['clone', 'default-pool', 'a.img', 'b.img', '--json'], { kind: 'volume', name: 'b.img', action: 'clone', pool: 'default-pool', source: 'a.img' }],
      [runVol, ['clone', 'default-pool', 'a.img', 'c.img'], 'volume c.img in default-pool: cloned from a.img'],
      [runVol, ['delete', 'default-pool', 'b.img'], 'volume b.img in default-pool: deleted'],
      [runVol, ['delete', 'default-pool', 'c.img', '--json'], { kind: 'volume', name: 'c.img', action: 'delete', pool: 'default-pool' }],
      [runVol, ['delete', 'default-pool', 'a.img', '--json'], { kind: 'volume', name: 'a.img', action: 'delete', pool: 'default-pool' }],
      [runNet, ['destroy', 'default'], 'network default: destroyed'],
      [runNet, ['start', 'default', '--json'], { kind: 'network', name: 'default', action: 'start' }],
    ];
    for (const [command, argv, expected] of steps) {
      const r = await run(command, ...argv);
      assert.equal(r.status, 0, `${argv.join(' ')}: ${r.stderr}`);
      if (typeof expected === 'string') {
        assert.equal(r.stdout, `${expected}\n`, argv.join(' '));
      } else {
        const got = JSON.parse(r.stdout) as Record<string, unknown>;
        assert.deepEqual(got, expected, argv.join(' '));
        assert.deepEqual(Object.keys(got).slice(0, 3), ['kind', 'name', 'action'], `${argv.join(' ')}: the shared fields first`);
      }
    }
  });

  it('snapshot revert --paused and --running set the state after the revert; --force is passed on; the first two exclude each other', async () => {
    assert.equal((await run(runSnapshot, 'create', 'test', 'up')).status, 0);
    assert.equal((await run(runSnapshot, 'revert', 'test', 'up', '--paused')).status, 0);
    assert.equal(await stateOf(dom), 'paused', 'a running snapshot, reverted --paused');
    // What libvirt was given: the test driver reverts this snapshot with or without --force.
    const given: number[] = [];
    await withPatched(DomainSnapshot.prototype, 'revert', (revert) => function (this: DomainSnapshot, flags?: number) {
      given.push(flags ?? 0);
      return revert.call(this, flags);
    }, async () => assert.equal((await run(runSnapshot, 'revert', 'test', 'up', '--running', '--force')).status, 0));
    assert.deepEqual(given, [v.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | v.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE]);
    assert.equal(await stateOf(dom), 'running');
    assert.equal(revertFlags({ force: true, running: true }), v.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE | v.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING);
    assert.equal(revertFlags({ paused: true }), v.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED);
    assert.equal(revertFlags({}), 0);
    await assert.rejects(run(runSnapshot, 'revert', 'test', 'up', '--running', '--paused'),
      (e: unknown) => e instanceof UsageError && /snapshot revert: --running and --paused exclude each other/.test(e.message));
    await assert.rejects(run(runSnapshot, 'create', 'test', 'x', '--force'), (e: unknown) => e instanceof UsageError && /snapshot create takes no --force/.test(e.message));
  });

  it('snapshot create --halt stops the guest once the snapshot is taken; --live, --quiesce and --atomic set their flags', async () => {
    assert.equal((await run(runSnapshot, 'create', 'test', 'halted', '--halt')).status, 0);
    assert.equal(await stateOf(dom), 'shutoff');
    assert.deepEqual([...(await dom.snapshotTree()).nodes.keys()], ['halted']);
    assert.equal(flagsOf(CREATE_FLAGS, { live: true, quiesce: true, atomic: true, 'disk-only': true }),
      v.VIR_DOMAIN_SNAPSHOT_CREATE_LIVE | v.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE | v.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC | v.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY);
  });

  it('domain undefine --snapshots-metadata undefines a domain that has snapshots, which libvirt refuses without it', async () => {
    using copy = await holder.defineDomain(await copyXml('with-snaps'));
    (await copy.createSnapshot({ name: 'kept', disks: [] })).free();
    try {
      await assert.rejects(run(runDomain, 'undefine', 'with-snaps'), (e: unknown) => isLibvirtError(e) && e.codeName === 'VIR_ERR_OPERATION_INVALID');
      assert.equal((await run(runDomain, 'undefine', 'with-snaps', '--snapshots-metadata')).stdout, 'domain with-snaps: undefined\n');
      await assert.rejects(holder.lookupDomain('with-snaps'), (e: unknown) => isLibvirtError(e) && e.codeName === 'VIR_ERR_NO_DOMAIN');
    } finally {
      await copy.undefine(v.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA).catch(() => undefined);
    }
  });

  it('domain start --paused, shutdown and reboot --mode, and destroy --graceful pass their flags on', async () => {
    // The test driver takes no flags for a start or a shutdown: its refusal names the flag that arrived.
    await assert.rejects(run(runDomain, 'shutdown', 'test', '--mode', 'agent'), (e: unknown) => isLibvirtError(e) && /unsupported flags \(0x2\)/.test(e.message));
    // The test driver takes any flags for a reboot or a destroy: what it was given is recorded.
    const given: [string, number][] = [];
    const record = (name: 'reboot' | 'destroyFlags') => (call: (flags?: number) => Promise<number>) => function (this: Domain, flags?: number) {
      given.push([name, flags ?? 0]);
      return call.call(this, flags);
    };
    await withPatched(Domain.prototype, 'reboot', record('reboot'), () => withPatched(Domain.prototype, 'destroyFlags', record('destroyFlags'), async () => {
      assert.equal((await run(runDomain, 'reboot', 'test', '--mode', 'acpi,agent')).stdout, 'domain test: rebooting\n');
      assert.equal((await run(runDomain, 'destroy', 'test', '--graceful')).stdout, 'domain test: destroyed\n');
    }));
    assert.deepEqual(given, [['reboot', v.VIR_DOMAIN_REBOOT_ACPI_POWER_BTN | v.VIR_DOMAIN_REBOOT_GUEST_AGENT], ['destroyFlags', v.VIR_DOMAIN_DESTROY_GRACEFUL]]);
    assert.equal(await stateOf(dom), 'shutoff');
    await assert.rejects(run(runDomain, 'start', 'test', '--paused'), (e: unknown) => isLibvirtError(e) && /unsupported flags \(0x1\)/.test(e.message));
    await assert.rejects(run(runDomain, 'suspend', 'test', '--graceful'), (e: unknown) => e instanceof UsageError && /domain suspend takes no --graceful/.test(e.message));
    for (const [remove, keep] of [['--nvram', '--keep-nvram'], ['--tpm', '--keep-tpm']] as const) {
      await assert.rejects(run(runDomain, 'undefine', 'test', remove, keep),
        (e: unknown) => e instanceof UsageError && e.message === `domain undefine: ${remove} and ${keep} exclude each other`);
    }
  });
});
