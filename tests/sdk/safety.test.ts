// What the SDK refuses before C sees it, and releases that wait for the calls still using an
// object: a bad argument is a LibvirtError (VIR_ERR_INVALID_ARG) naming the call and argument,
// never a crash, a silent coercion or a string cut short.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildSnapshotXml, Connection, Domain, configureEventLoop, eventLoopMode, liveStreamCount, XmlDocumentError } from '../../src/sdk/index.js';
import { badDescription } from '../support/bad-description.js';
import { closeTestDomain, openTestDomain } from '../support/test-domain.js';
import { MAX_CHUNK_SIZE } from '../../src/sdk/volume-transfer.js';
import { toError, sharedPool, type CallPool } from '../../src/sdk/engine/call-pool.js';
import { withPatched } from '../support/with-patched.js';
import { functionSpec, isLibvirtError } from '../../src/ffi/index.js';
import { valueCheck } from '../../src/ffi/arg-checks.js';
import * as v from '../../generated/index.js';

const here = import.meta.dirname;
/** A LibvirtError for an invalid argument whose message matches `pattern`. */
const invalidArg = (pattern: RegExp) => (e: unknown): boolean =>
  isLibvirtError(e) && e.code === v.VIR_ERR_INVALID_ARG && pattern.test(e.message);

describe('SDK argument checks (test:///default)', function () {
  this.timeout(60_000);
  let conn: Connection;
  let dom: Domain;
  before(async () => ({ conn, dom } = await openTestDomain()));
  after(() => closeTestDomain(conn, dom));

  it('refuses a number or bigint where C takes a string or an object', async () => {
    await assert.rejects(Connection.open(123 as unknown as string), invalidArg(/virConnectOpen: argument name must be a string/));
    await assert.rejects(conn.lookupDomain(1n as unknown as string), invalidArg(/lookupDomain: the key must be a name, a UUID string or a numeric ID, got bigint/));
    await assert.rejects(conn.lookupStoragePool(8 as unknown as string), invalidArg(/argument name must be a string \(or null\), got number 8/));
    await assert.rejects(conn.getDomainStats([4096n as unknown as Domain]), invalidArg(/argument doms\[0\] must be a Domain, got bigint 4096/));
    // A stream argument has no SDK class of methods, but is checked all the same: libvirt would
    // dereference a bare number (the process died with SIGSEGV).
    const openChannel = (dom as unknown as { openChannel: (name: null, st: unknown, flags: number) => Promise<unknown> }).openChannel.bind(dom);
    await assert.rejects(openChannel(null, 0x1234n, 0), invalidArg(/virDomainOpenChannel: argument st must be a Stream, got bigint 4660/));
    await assert.rejects(openChannel(null, dom, 0), invalidArg(/argument st must be a Stream, got an object \(Domain\)/));
    const pool = await conn.lookupStoragePool('default-pool');
    try {
      await assert.rejects(pool.cloneVolume('<volume><name>c</name></volume>', 4096n as never), invalidArg(/must be a StorageVolume, got bigint 4096/));
      await assert.rejects(pool.cloneVolume('<volume><name>c</name></volume>', dom as never), invalidArg(/must be a StorageVolume, got an object \(Domain\)/));
    } finally {
      pool.free();
    }
  });

  it('a definition that does not build rejects its method\'s Promise; nothing throws at the call', async () => {
    /** The call must return a Promise, however bad its argument: a throw would stop a caller's Promise.all half-way. */
    const rejected = async (call: () => Promise<unknown>, check: (e: unknown) => boolean): Promise<void> => {
      let p: Promise<unknown> | undefined;
      assert.doesNotThrow(() => { p = call(); });
      await assert.rejects(p as Promise<unknown>, check);
    };
    const badXml = badDescription();
    const pool = await conn.lookupStoragePool('default-pool');
    // A real volume to clone from: only the description is bad.
    const vol = await pool.createVolume('<volume><name>safety-clone-source.img</name><capacity>1048576</capacity></volume>');
    try {
      const noName = {} as never;
      await rejected(() => conn.defineDomain(noName), badXml);
      await rejected(() => conn.createDomain(noName), badXml);
      await rejected(() => conn.defineStoragePool(noName), badXml);
      await rejected(() => conn.createStoragePool(noName), badXml);
      await rejected(() => conn.defineNetwork(noName), badXml);
      await rejected(() => conn.createNetwork(noName), badXml);
      await rejected(() => conn.defineInterface(noName), badXml);
      await rejected(() => conn.defineSecret({ usage: {} } as never), badXml);
      await rejected(() => conn.createNodeDevice(noName), badXml);
      await rejected(() => conn.defineNodeDevice(noName), badXml);
      await rejected(() => pool.createVolume(noName), badXml);
      await rejected(() => pool.cloneVolume(noName, vol), badXml);
      await rejected(() => dom.createSnapshot({ name: 'x', disks: [{}] } as never), badXml);
      await rejected(() => dom.createSnapshot(null as never), invalidArg(/virDomainSnapshotCreateXML: expected XML or a typed description, got null/));
      await rejected(() => conn.defineDomain(7 as never), invalidArg(/got number 7/));
      await rejected(() => conn.lookupStorageVolume(undefined as never), invalidArg(/lookupStorageVolume: expected \{ key \} or \{ path \}, got undefined/));
      assert.deepEqual((await pool.listAllVolumes()).map((x) => { const n = x.name; x.free(); return n; }), ['safety-clone-source.img'], 'nothing was made');
    } finally {
      await vol.delete(0);
      vol.free();
      pool.free();
    }
  });

  it('a description that does not build is a LibvirtError (VIR_ERR_INVALID_ARG) naming the call and the path; its cause is the builder\'s XmlDocumentError', async () => {
    const bad = { name: 'x', disk: [] } as never; // `disks` misspelt
    const err: unknown = await dom.createSnapshot(bad).then(() => assert.fail('created a snapshot'), (e: unknown) => e);
    assert.ok(isLibvirtError(err), String(err));
    assert.equal(err.codeName, 'VIR_ERR_INVALID_ARG');
    assert.equal(err.func, 'virDomainSnapshotCreateXML');
    assert.match(err.message, /^virDomainSnapshotCreateXML: bad description: \/domainsnapshot: unknown field 'disk'/);
    assert.ok(err.cause instanceof XmlDocumentError);
    assert.equal(err.cause.path, '/domainsnapshot');
    assert.equal(err.cause.code, 'invalid-value');
    // The build function itself still throws the XmlDocumentError.
    assert.throws(() => buildSnapshotXml(bad), (e: unknown) => e instanceof XmlDocumentError && !isLibvirtError(e) && e.path === '/domainsnapshot');
    assert.deepEqual(await dom.listAllSnapshots().then((l) => l.map((s) => { const n = s.name; s.free(); return n; })), [], 'nothing was made');
  });

  it('refuses numbers that C would coerce: NaN, fractions, out of range', async () => {
    await assert.rejects(conn.lookupDomain(Number.NaN), invalidArg(/argument id must be an integer of -2147483648\.\.2147483647 \(C int\), got number NaN/));
    await assert.rejects(conn.lookupDomain(1.7), invalidArg(/got number 1\.7/));
    await assert.rejects(conn.lookupDomain(2 ** 32 + 1), invalidArg(/got number 4294967297/));
    await assert.rejects(dom.getXml(1.5), invalidArg(/argument flags must be an integer of 0\.\.4294967295 \(C unsigned int\)/));
    await assert.rejects(dom.getXml(-1), invalidArg(/C unsigned int/));
    await assert.rejects(conn.listAllDomains(0.5), invalidArg(/virConnectListAllDomains: argument flags must be an integer/));
    await assert.rejects(conn.listAllDomains((() => 0) as never), invalidArg(/virConnectListAllDomains: argument flags must be an integer/));
    await assert.rejects(dom.setMemory(2n ** 64n + 1048576n), invalidArg(/argument memory must be an integer of 0\.\.18446744073709551615 \(C unsigned long\)/));
    await assert.rejects(dom.setMemory(2 ** 60), invalidArg(/past 2\^53 as a bigint/));
    assert.equal((await dom.getInfo()).memoryKiB > 0n, true, 'the domain is untouched');
  });

  it('refuses strings with a NUL, where C would read a shorter one', async () => {
    await assert.rejects(conn.lookupDomain('test\0junk'), invalidArg(/argument name contains a NUL character/));
    await assert.rejects(Connection.open('test:///default\0:evil'), invalidArg(/argument name contains a NUL character/));
    await assert.rejects(dom.setMetadata(v.VIR_DOMAIN_METADATA_DESCRIPTION, 'hello\0world', null, null, 0), invalidArg(/argument metadata contains a NUL/));
    await assert.rejects(dom.setBlkioParameters({ 'weight\0x': 100 }, 0), invalidArg(/field contains a NUL/));
    await assert.rejects(dom.setBlkioParameters({ device_weight: '/dev/sda,100\0junk' }, 0), invalidArg(/value contains a NUL/));
  });

  it('checks typed parameters given as an array, and refuses objects that are not plain', async () => {
    const set = (params: unknown): Promise<unknown> => dom.setMemoryParameters(params as never, 0);
    await assert.rejects(set([{ field: 'hard_limit', type: 'bogus', value: 1 }]), invalidArg(/unknown type 'bogus'/));
    await assert.rejects(set([{ field: 'hard_limit', type: 'uint', value: 5n }]), invalidArg(/bigint 5 is not a value of type uint/));
    await assert.rejects(set([{ field: 'hard_limit', type: 'uint', value: '5' }]), invalidArg(/is not a value of type uint/));
    await assert.rejects(set([{ field: 'x'.repeat(80), type: 'uint', value: 5 }]), invalidArg(/field longer than 79 bytes/));
    await assert.rejects(set(new Map([['hard_limit', 5n]])), invalidArg(/must be a plain object or an array/));
  });

  it('has a value check for every C type a generated function takes as a plain value', () => {
    let checked = 0;
    for (const name of Object.keys(v)) {
      const spec = functionSpec(name);
      for (const a of spec?.args ?? []) {
        if (a.role !== 'in' || (a.type.js !== 'number' && a.type.js !== 'bigint' && a.type.js !== 'string')) continue;
        assert.ok(valueCheck(a.type), `${name}(${a.name}: ${a.type.ffi})`);
        checked++;
      }
    }
    assert.ok(checked > 500, `${checked} arguments checked`);
  });

  it('checks plain values in the generated layer too', () => {
    const c = v.virConnectOpen('test:///default');
    try {
      assert.throws(() => v.virDomainLookupByName(c, 123 as unknown as string), invalidArg(/argument name must be a string/));
      const d = v.virDomainLookupByName(c, 'test');
      try {
        assert.throws(() => v.virDomainGetXMLDesc(d, 1.5), invalidArg(/argument flags must be an integer/));
        assert.throws(() => v.virDomainSetMemory(d, -1n), invalidArg(/argument memory must be an integer of 0\.\./));
      } finally {
        v.virDomainFree(d);
      }
    } finally {
      v.virConnectClose(c);
    }
  });

  it('checks a download\'s chunk size before it opens a stream', async () => {
    const pool = await conn.lookupStoragePool('default-pool');
    const vol = await pool.createVolume('<volume><name>safety-chunk.img</name><capacity>1048576</capacity></volume>');
    try {
      const before = liveStreamCount();
      for (const chunkSize of [-1, 0, 1.5, MAX_CHUNK_SIZE + 1]) {
        await assert.rejects(vol.download({ chunkSize }), invalidArg(/chunkSize must be an integer of 1\.\./));
      }
      assert.equal(liveStreamCount(), before, 'no stream was left open');
    } finally {
      await vol.delete(0);
      vol.free();
      pool.free();
    }
  });

  it('refuses an option object with a key it does not have, instead of ignoring a misspelt option', async () => {
    const unknown = (key: string) => invalidArg(new RegExp(`unknown option '${key}'`));
    // `readonly` for `readOnly` opened read-write.
    await assert.rejects(Connection.open('test:///default', { readonly: true } as never), unknown('readonly'));
    await assert.rejects(Connection.open('test:///default', { keepAlive: { interval: 5, cuont: 3 } } as never), unknown('cuont'));
    // Keepalive values are checked before anything opens (they were checked by the call that
    // set them, after an open, and a close to undo it).
    const calls: string[] = [];
    await withPatched(sharedPool(), 'call', (original) => function (this: CallPool, fn: string, ...rest: unknown[]) {
      calls.push(fn);
      return (original as (...a: unknown[]) => Promise<unknown>).call(this, fn, ...rest);
    } as CallPool['call'], async () => {
      await assert.rejects(Connection.open('test:///default', { keepAlive: { interval: 'often', count: 5 } } as never), invalidArg(/argument interval must be an integer/));
      await assert.rejects(Connection.open('test:///default', { keepAlive: { interval: 5, count: 1.5 } }), invalidArg(/argument count must be an integer/));
    });
    assert.deepEqual(calls, [], 'nothing was opened');
    await assert.rejects(Connection.open('test:///default', null as never), invalidArg(/options must be an object, got null/));
    const ro = await Connection.open('test:///default', { readOnly: true });
    try {
      await assert.rejects(ro.defineStoragePool('<pool type="dir"><name>ro</name><target><path>/ro</path></target></pool>'),
        (e: unknown) => isLibvirtError(e) && e.code === v.VIR_ERR_OPERATION_DENIED, 'the known option still works');
    } finally {
      await ro.close();
    }
    await assert.rejects(dom.openConsole(null, { forced: true } as never), unknown('forced'));
    const pool = await conn.lookupStoragePool('default-pool');
    const vol = await pool.createVolume('<volume><name>safety-options.img</name><capacity>1048576</capacity></volume>');
    try {
      const before = liveStreamCount();
      // `ofset` for `offset` wrote at offset 0.
      await assert.rejects(vol.uploadFile('/dev/null', { ofset: 4096 } as never), unknown('ofset'));
      await assert.rejects(vol.downloadToFile('/nonexistent/x', { lenght: 10 } as never), unknown('lenght'));
      await assert.rejects(vol.upload({ sparce: true } as never), unknown('sparce'));
      await assert.rejects(vol.download({ chunksize: 4096 } as never), unknown('chunksize'));
      await assert.rejects(vol.downloadSparse({ sparse: false } as never), unknown('sparse'));
      assert.equal(liveStreamCount(), before, 'no stream was opened');
    } finally {
      await vol.delete(0);
      vol.free();
      pool.free();
    }
  });

  it('refuses unknown keys in the auth options of Connection.open, and keys of the other form of auth', async () => {
    const unknown = (key: string) => invalidArg(new RegExp(`^Connection\\.open auth: unknown option '${key}'`));
    // test:///default asks for no credentials: an ignored misspelling opened without a word.
    await assert.rejects(Connection.open('test:///default', { auth: { usename: 'alice', password: 'x' } } as never), unknown('usename'));
    await assert.rejects(Connection.open('test:///default', { auth: { callbak: () => [] } } as never), unknown('callbak'));
    // A callback answers everything: a username beside it would be ignored; so would types without one.
    await assert.rejects(Connection.open('test:///default', { auth: { callback: () => [], username: 'alice' } } as never), unknown('username'));
    await assert.rejects(Connection.open('test:///default', { auth: { types: [v.VIR_CRED_AUTHNAME] } } as never), unknown('types'));
    await assert.rejects(Connection.open('test:///default', { auth: 'alice' } as never), invalidArg(/^Connection\.open auth: options must be an object, got a string/));
    const c = await Connection.open('test:///default', { auth: { callback: () => [], types: [v.VIR_CRED_AUTHNAME] } });
    await c.close();
  });

  it('refuses auth values of the wrong kind before connecting: test:///default asks nothing, so they would pass unnoticed', async () => {
    const bad = (pattern: RegExp) => invalidArg(pattern);
    await assert.rejects(Connection.open('test:///default', { auth: { callback: 'alice' } } as never), bad(/^Connection\.open auth: callback must be a function, got a string/));
    await assert.rejects(Connection.open('test:///default', { auth: { callback: () => [], types: [v.VIR_CRED_AUTHNAME, 99] } }),
      bad(/^Connection\.open auth: types must be an array of VIR_CRED_\* numbers \(1, 2, .*\), got /));
    await assert.rejects(Connection.open('test:///default', { auth: { callback: () => [], types: v.VIR_CRED_AUTHNAME } } as never), bad(/types must be an array/));
    await assert.rejects(Connection.open('test:///default', { auth: { username: 'alice', password: 1234 } } as never), bad(/^Connection\.open auth: password must be a string, got number 1234/));
    await assert.rejects(Connection.open('test:///default', { auth: { username: null } } as never), bad(/username must be a string, got null/));
  });

  it('refuses unknown keys in the options of connection.events()', () => {
    // `type` for `types` listened to every domain event instead of the one asked for.
    assert.throws(() => conn.events({ type: ['domain:reboot'] } as never), invalidArg(/^events: unknown option 'type' \(known: types, domain, signal, limit\)/));
    assert.throws(() => conn.events(null as never), invalidArg(/events: options must be an object, got null/));
    const it = conn.events({ types: ['domain:reboot'], limit: 10 });
    void it.return();
  });

  it('configureEventLoop refuses an unknown key or mode instead of leaving the loop as it is', () => {
    const mode = eventLoopMode();
    // `mdoe` set the mode to undefined, which runs the default loop: 'none' was not honoured.
    assert.throws(() => configureEventLoop({ mdoe: 'none' } as never), invalidArg(/^configureEventLoop: unknown option 'mdoe' \(known: mode\)/));
    assert.throws(() => configureEventLoop({ mode: 'off' } as never), invalidArg(/^configureEventLoop: mode must be 'default' or 'none', got a string/));
    assert.throws(() => configureEventLoop({} as never), invalidArg(/^configureEventLoop: mode must be 'default' or 'none', got undefined/));
    assert.equal(eventLoopMode(), mode);
  });

  it('TSVIRT_CALL_STACKS=1 ends a failed call\'s stack with the script\'s call site', function () {
    this.timeout(60_000);
    const stackWith = (env: Record<string, string>): { stack: string; code: string; rejected: number; errors: number; sharedSites: number } => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, '../support/call-site.ts')], {
        encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env },
      });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { stack: string; code: string; rejected: number; errors: number; sharedSites: number };
    };
    const plain = stackWith({ TSVIRT_CALL_STACKS: '0' });
    const traced = stackWith({ TSVIRT_CALL_STACKS: '1' });
    assert.equal(plain.code, 'VIR_ERR_NO_DOMAIN');
    assert.equal(traced.code, 'VIR_ERR_NO_DOMAIN');
    assert.doesNotMatch(plain.stack, /scriptLooksUpAMissingDomain/, 'without the option the stack ends in the call pool');
    assert.match(traced.stack, /--- the call was made here:[\s\S]*Connection\.lookupDomain[\s\S]*scriptLooksUpAMissingDomain/);
    // One error rejecting many calls (the pool closed under them) gets one call site, not one per call.
    assert.equal(traced.errors, 1);
    assert.ok(traced.rejected > 1, `${traced.rejected} calls rejected`);
    assert.equal(traced.sharedSites, 1);
    assert.equal(plain.sharedSites, 0);
  });

  it('rebuilds TypeError and RangeError from a call thread as themselves', () => {
    const fields = { code: 0, domain: 0, message: 'bad', level: 2, str1: null, str2: null, str3: null, int1: 0, int2: 0, func: 'f' };
    assert.ok(toError({ ...fields, jsName: 'TypeError' }) instanceof TypeError);
    assert.ok(toError({ ...fields, jsName: 'RangeError' }) instanceof RangeError);
    const other = toError({ ...fields, jsName: 'SyntaxError' });
    assert.equal(other.name, 'SyntaxError');
    assert.ok(isLibvirtError(toError(fields)));
  });

  it('treats keepalive on an in-process driver as nothing to keep alive', async () => {
    assert.equal(await conn.setKeepAlive(5, 3), 1);
    const c = await Connection.open('test:///default', { keepAlive: { interval: 5, count: 3 } });
    assert.equal(c.released, false);
    await c.close();
  });
});

describe('releases while calls are on their way', function () {
  this.timeout(120_000);

  it('free(), `await using` and close() wait for the calls already made, bulk reads too (no call reaches freed memory)', () => {
    // glib's slice allocator off: a call on a freed object crashes instead of failing quietly.
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, '../support/release-in-flight.ts')], {
      encoding: 'utf8', timeout: 90_000, env: { ...process.env, G_SLICE: 'always-malloc' },
    });
    assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    assert.deepEqual(out, {
      domainCalls: 400, domainErrors: [], connectionCalls: 300, connectionErrors: [],
      bulkInfos: 1000, treeError: 'current snapshot failed', name: 'test',
    });
  });

  it('a released object refuses new calls at once, while its earlier calls complete', async () => {
    const { conn, dom } = await openTestDomain();
    const pending = Array.from({ length: 50 }, () => dom.getInfo());
    dom.free();
    assert.equal(dom.released, true);
    await assert.rejects(dom.getInfo(), invalidArg(/already freed or closed/));
    const infos = await Promise.all(pending);
    assert.equal(infos.length, 50);
    assert.ok(infos.every((i) => i.state.name === 'running'));
    conn.free();
    assert.equal(conn.released, true, 'free() releases a connection at once');
    await assert.rejects(conn.listAllDomains(), invalidArg(/already freed or closed/));
  });
});
