// Failures become LibvirtError with libvirt's own fields, read on the calling thread; libvirt's
// default printing to stderr is off.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import * as v from '../../generated/index.js';
import { LibvirtError, decodeStruct, isLibvirtError, rawFunction } from '../../src/ffi/index.js';

const root = resolve(import.meta.dirname, '../..');

describe('errors', () => {
  let conn: v.virConnectPtr;
  before(() => { conn = v.virConnectOpen('test:///default'); });
  after(() => { v.virConnectClose(conn); });

  it('throws LibvirtError with code, domain, level, message, str1-3, int1-2 and symbolic names', () => {
    const err = (() => { try { v.virDomainLookupByName(conn, 'no-such-domain'); } catch (e) { return e; } return null; })();
    assert.ok(err instanceof LibvirtError);
    assert.ok(isLibvirtError(err));
    assert.equal(err.code, v.VIR_ERR_NO_DOMAIN);
    assert.equal(err.codeName, 'VIR_ERR_NO_DOMAIN');
    assert.equal(err.domain, v.VIR_FROM_TEST);
    assert.equal(err.domainName, 'VIR_FROM_TEST');
    assert.equal(err.level, v.VIR_ERR_ERROR);
    assert.match(err.message, /Domain not found/);
    assert.equal(err.func, 'virDomainLookupByName');
    assert.equal(err.str1, 'Domain not found');
    assert.equal(err.int1, -1);
    assert.deepEqual(Object.keys(err.toJSON()).sort(), ['code', 'codeName', 'domain', 'domainName', 'func', 'int1', 'int2', 'level', 'message', 'name', 'str1', 'str2', 'str3']);
  });

  it('uses per-function error values: virDomainGetID fails with (unsigned)-1, not -1', () => {
    const dom = v.virDomainLookupByName(conn, 'test');
    v.virDomainDestroy(dom);
    try {
      // An inactive domain has ID (unsigned int)-1, which is also the error value; libvirt reports no error then.
      assert.throws(() => v.virDomainGetID(dom), (e: unknown) => isLibvirtError(e));
    } finally {
      v.virDomainCreate(dom);
      v.virDomainFree(dom);
    }
  });

  it('treats NULL from a nullable function as "none" unless libvirt set an error', () => {
    const child = v.virNodeDeviceLookupByName(conn, 'scsi_host1');
    assert.equal(v.virNodeDeviceGetParent(child), 'computer');
    v.virNodeDeviceFree(child);
    // The test driver reports "no parent" as an error, so NULL from it is a failure here.
    const top = v.virNodeDeviceLookupByName(conn, 'computer');
    assert.throws(() => v.virNodeDeviceGetParent(top), (e: unknown) => isLibvirtError(e) && /no parent/.test(e.message));
    v.virNodeDeviceFree(top);
    // virGetLastError's NULL means "no error": a successful call leaves none.
    v.virConnectGetType(conn);
    assert.equal(v.virGetLastError(), null);
  });

  it('virFreeError releases the error it is given (a virSaveLastError copy) and accepts NULL', () => {
    // Its argument is an error the caller holds: filling scratch memory and freeing that crashed.
    assert.throws(() => v.virDomainLookupByName(conn, 'no-such-domain'));
    const saved = rawFunction('virSaveLastError')() as bigint | null;
    assert.notEqual(saved, null);
    assert.equal(decodeStruct('virError', saved)['code'], v.VIR_ERR_NO_DOMAIN);
    v.virFreeError(saved);
    v.virFreeError(null);
  });

  it('a missing argument says what to pass: a number for flags, the handle type, null for a pointer', () => {
    const call = (f: () => unknown): string => { try { f(); } catch (e) { assert.ok(isLibvirtError(e)); assert.equal(e.codeName, 'VIR_ERR_INVALID_ARG'); return e.message; } return 'no error'; };
    const dom = v.virDomainLookupByName(conn, 'test');
    try {
      const untyped = v as unknown as Record<string, (...a: unknown[]) => unknown>;
      // A trailing flags may be left out (0); one before other arguments must be given.
      assert.match(untyped['virDomainGetXMLDesc']?.(dom) as string, /^<domain type='test'/);
      assert.match(call(() => untyped['virDomainMigrate']?.(dom, conn)), /argument flags is missing \(a number: 0 for no flags\)/);
      assert.match(call(() => untyped['virStorageVolCreateXMLFrom']?.(conn, '<volume/>')), /argument clonevol is missing \(a virStorageVolPtr\)/);
      assert.match(call(() => untyped['virDomainDefineXML']?.(conn)), /argument xml is missing \(a string, or null where C accepts NULL\)/);
    } finally {
      v.virDomainFree(dom);
    }
  });

  it('recognises a LibvirtError from another copy of the package', () => {
    const foreign = Object.defineProperty(new Error('x'), Symbol.for('tsvirt.LibvirtError'), { value: true });
    assert.ok(isLibvirtError(foreign));
    assert.ok(!isLibvirtError(new Error('plain')));
  });

  it('prints nothing to stderr on failure', () => {
    const script = `import * as v from ${JSON.stringify(resolve(root, 'generated/index.js'))};
      const c = v.virConnectOpen('test:///default');
      try { v.virDomainLookupByName(c, 'nope'); } catch (e) { process.stdout.write(e.codeName); }`;
    const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    assert.equal(out.stdout, 'VIR_ERR_NO_DOMAIN');
    assert.equal(out.stderr, '');
  });

  it('attributes each failure to its own call across worker threads (errors are thread-local)', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', resolve(root, 'tests/support/thread-errors.ts')], { cwd: root, encoding: 'utf8' });
    const r = JSON.parse(out) as { ok: number; failed: number; misattributed: number };
    assert.equal(r.ok, 1600);
    assert.equal(r.failed, 1600);
    assert.equal(r.misattributed, 0);
  });
});
