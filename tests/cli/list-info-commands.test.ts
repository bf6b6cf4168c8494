// The lists and info of tsvirt domain, pool and vol (and the info of net and iface), in this
// process against one test:///default (which keeps its state while a connection holds it):
// sorted by name whatever order the driver lists in, text and --json from one row, sizes in one
// unit in both, and every listed object freed, also when a row fails.
import assert from 'node:assert/strict';
import { Connection, Domain, StoragePool, StorageVolume } from '../../src/sdk/index.js';
import { runDomain } from '../../src/cli/domain-commands.js';
import { runPool, runVol } from '../../src/cli/storage-commands.js';
import { runNet } from '../../src/cli/network-commands.js';
import { runIface } from '../../src/cli/host-commands.js';
import * as v from '../../generated/index.js';
import { runOn, tableRows, type Command, type CommandRun } from '../support/cli-run.js';
import { withPatched } from '../support/with-patched.js';

const URI = 'test:///default';
const run = (command: Command, ...argv: string[]): Promise<CommandRun> => runOn(URI, command, ...argv);

/** The names a list printed, as JSON and as text (its first column): the same, in the same order. */
async function listedNames(command: Command, ...argv: string[]): Promise<string[]> {
  const json = (JSON.parse((await run(command, ...argv, '--json')).stdout) as { name: string }[]).map((r) => r.name);
  assert.deepEqual(tableRows((await run(command, ...argv)).stdout).map(([name]) => name), json);
  return json;
}

interface Made { name: string; released: boolean; free(): void }
type Maker = (...args: unknown[]) => Promise<Made | Made[]>;

/** Runs `body` with `proto[method]`, which makes objects (a listing, a create), keeping them in `made`. */
function recording(proto: object, method: string, made: Made[], body: () => Promise<void>): Promise<void> {
  return withPatched(proto as Record<string, Maker>, method, (make) => async function (this: unknown, ...args: unknown[]) {
    const out = await make.apply(this, args);
    made.push(...(Array.isArray(out) ? out : [out]));
    return out;
  }, body);
}

/**
 * Runs `body` with `proto[method]`, a listing, giving its objects in reverse order of their names:
 * the test driver lists in the order of a hash seeded anew in each process, sometimes by name.
 */
function reversed(proto: object, method: string, body: () => Promise<void>): Promise<void> {
  return withPatched(proto as Record<string, Maker>, method, (list) => async function (this: unknown, ...args: unknown[]) {
    return ((await list.apply(this, args)) as Made[]).sort((a, b) => b.name.localeCompare(a.name));
  }, body);
}

/** Runs `body` with `proto[method]` failing for the object named `name`. */
function failingFor(proto: object, method: string, name: string, body: () => Promise<void>): Promise<void> {
  return withPatched(proto as Record<string, (...args: unknown[]) => Promise<unknown>>, method, (read) => function (this: { name: string }, ...args: unknown[]) {
    return this.name === name ? Promise.reject(new Error(`${method} failed for ${name}`)) : read.apply(this, args);
  }, body);
}

describe('tsvirt domain, pool and vol lists and info (in this process)', function () {
  this.timeout(60_000);
  let holder: Connection;
  let pool: StoragePool;
  before(async () => {
    holder = await Connection.open(URI);
    pool = await holder.lookupStoragePool('default-pool');
  });
  after(async () => {
    pool.free();
    await holder.close();
  });

  /** Defines domain `name`, a copy of `test`, for `body`; undefined afterwards. */
  async function withDomain(name: string, body: () => Promise<void>): Promise<void> {
    using test = await holder.lookupDomain('test');
    const xml = (await test.getXml(v.VIR_DOMAIN_XML_INACTIVE)).replace(/<name>test<\/name>/, `<name>${name}</name>`).replace(/<uuid>.*<\/uuid>/, '');
    using d = await holder.defineDomain(xml);
    try {
      await body();
    } finally {
      await d.undefine();
    }
  }

  /** Creates the volumes `names` in default-pool, in that order, for `body`; deleted afterwards. */
  async function withVolumes(names: string[], body: () => Promise<void>): Promise<void> {
    try {
      for (const name of names) (await pool.createVolume({ name, capacity: { value: 1024n } })).free();
      await body();
    } finally {
      for (const vol of await pool.listAllVolumes()) {
        await vol.delete(0);
        vol.free();
      }
    }
  }

  it('domain, pool and vol lists are sorted by name, not in the order the driver lists them', async () => {
    // Each made after the driver's own ('test', 'default-pool'), with a name that sorts before it.
    await withDomain('a-first', async () => reversed(Connection.prototype, 'listAllDomains', async () => {
      assert.deepEqual(await listedNames(runDomain, 'list'), ['a-first', 'test']);
    }));
    using defined = await holder.defineStoragePool("<pool type='dir'><name>a-pool</name><target><path>/a-pool</path></target></pool>");
    try {
      await reversed(Connection.prototype, 'listAllStoragePools', async () => assert.deepEqual(await listedNames(runPool, 'list'), ['a-pool', 'default-pool']));
    } finally {
      await defined.undefine();
    }
    await withVolumes(['z.img', 'a.img', 'm.img'], () => reversed(StoragePool.prototype, 'listAllVolumes', async () => {
      assert.deepEqual(await listedNames(runVol, 'list', 'default-pool'), ['a.img', 'm.img', 'z.img']);
    }));
  });

  /** The FIELD/VALUE rows `info` prints, and the keys of its JSON. */
  async function infoOf(command: Command, ...argv: string[]): Promise<{ text: Map<string, string>; keys: string[] }> {
    const keys = Object.keys(JSON.parse((await run(command, 'info', ...argv, '--json')).stdout) as object);
    return { text: new Map(tableRows((await run(command, 'info', ...argv)).stdout).map(([k, value]) => [k as string, value as string])), keys };
  }

  it('every info prints the fields of its JSON, by the same names', async () => {
    await withVolumes(['a.img'], async () => {
      for (const [command, ...argv] of [[runDomain, 'test'], [runPool, 'default-pool'], [runVol, 'default-pool', 'a.img'], [runNet, 'default'], [runIface, 'eth1']] as const) {
        const { text, keys } = await infoOf(command, ...argv);
        assert.deepEqual([...text.keys()], keys, argv.join(' '));
      }
    });
    const domain = (await infoOf(runDomain, 'test')).text;
    assert.deepEqual([domain.get('state'), domain.get('memoryKiB'), domain.get('vcpus')], ['running', '2097152', '2']);
    assert.equal((await infoOf(runIface, 'eth1')).text.get('startMode'), 'onboot');
  });

  it('a list and an info show a size in the same unit: memory in KiB, storage in a binary unit picked per value', async () => {
    /** A list's first row, by column (a cell such as "1.00 KiB" holds one space; columns are two apart). */
    const listed = async (command: Command, ...argv: string[]): Promise<Map<string, string>> => {
      const [header = [], , row = []] = (await run(command, 'list', ...argv)).stdout.split('\n').map((l) => l.split(/ {2,}/));
      return new Map(header.map((column, i) => [column, row[i] ?? '']));
    };
    assert.equal((await listed(runDomain)).get('MEMORY (KiB)'), (await infoOf(runDomain, 'test')).text.get('memoryKiB'));
    const pool = (await infoOf(runPool, 'default-pool')).text;
    assert.deepEqual([(await listed(runPool)).get('CAPACITY'), (await listed(runPool)).get('AVAILABLE')], [pool.get('capacity'), pool.get('available')]);
    assert.equal(pool.get('capacity'), '100.00 GiB');
    await withVolumes(['a.img'], async () => {
      const vol = (await infoOf(runVol, 'default-pool', 'a.img')).text;
      assert.deepEqual([(await listed(runVol, 'default-pool')).get('CAPACITY'), vol.get('capacity')], ['1.00 KiB', '1.00 KiB']);
    });
  });

  it('a domain action names the domain by its name, also when it was given by UUID or ID', async () => {
    using d = await holder.lookupDomain('test');
    try {
      assert.deepEqual(JSON.parse((await run(runDomain, 'suspend', d.uuid, '--json')).stdout), { kind: 'domain', name: 'test', action: 'suspend' });
      assert.equal((await run(runDomain, 'resume', String(await d.getID()))).stdout, 'domain test: resumed\n');
    } finally {
      if ((await d.getInfo()).state.name === 'paused') await d.resume();
    }
  });

  it('vol info prints the fields of its JSON, the type by its name', async () => {
    await withVolumes(['a.img'], async () => {
      const { text } = await infoOf(runVol, 'default-pool', 'a.img');
      assert.deepEqual([...text.keys()], ['name', 'key', 'path', 'type', 'capacity', 'allocation']);
      assert.equal(text.get('type'), 'file');
    });
  });

  it('a list frees every object it listed, also when reading one of them fails', async () => {
    const domains: Made[] = [];
    await withDomain('b-second', () => recording(Connection.prototype, 'listAllDomains', domains,
      () => failingFor(Domain.prototype, 'getInfo', 'test', () => assert.rejects(run(runDomain, 'list'), /getInfo failed for test/))));
    assert.equal(domains.length, 2);
    assert.ok(domains.every((d) => d.released));
    const volumes: Made[] = [];
    await withVolumes(['a.img', 'b.img'], () => recording(StoragePool.prototype, 'listAllVolumes', volumes,
      () => failingFor(StorageVolume.prototype, 'getPath', 'a.img', () => assert.rejects(run(runVol, 'list', 'default-pool'), /getPath failed for a\.img/))));
    assert.equal(volumes.length, 2);
    assert.ok(volumes.every((vol) => vol.released));
  });

  it('vol create frees the volume it made, also when reading its path fails', async () => {
    const made: Made[] = [];
    await withVolumes([], () => recording(StoragePool.prototype, 'createVolume', made,
      () => failingFor(StorageVolume.prototype, 'getPath', 'new.img', () => assert.rejects(run(runVol, 'create', 'default-pool', 'new.img', '--capacity', '1M'), /getPath failed/))));
    assert.equal(made.length, 1);
    assert.ok(made[0]?.released);
  });
});
