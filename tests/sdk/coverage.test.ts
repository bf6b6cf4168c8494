// Every virConnect*, virDomain*, virDomainSnapshot*, virStoragePool* and virStorageVol*
// function of libvirt 9.0.0 is a method of an SDK class, or is listed with a reason.
import assert from 'node:assert/strict';
import { Connection, Domain, DomainCheckpoint, DomainSnapshot, StoragePool, StorageVolume, excludedFunctions, methodName, methodTable } from '../../src/sdk/index.js';
import { boundSymbols } from '../../generated/api-symbols.js';

const families = /^vir(Connect|Domain|DomainSnapshot|StoragePool|StorageVol)[A-Z]/;
const classes = { Connection, Domain, DomainSnapshot, DomainCheckpoint, StoragePool, StorageVolume } as const;

describe('SDK coverage', () => {
  it('names methods by one rule', () => {
    assert.equal(methodName('virDomainGetInfo', 'Domain'), 'getInfo');
    assert.equal(methodName('virStorageVolGetPath', 'StorageVolume'), 'getPath');
    assert.equal(methodName('virDomainSnapshotGetParent', 'DomainSnapshot'), 'getParent');
    assert.equal(methodName('virDomainLookupByName', 'Connection'), 'domainLookupByName');
    assert.equal(methodName('virConnectGetLibVersion', 'Connection'), 'getLibVersion');
  });

  it('reaches every function of the five families, except those listed with a reason', () => {
    const functions = boundSymbols.filter(([name, kind]) => kind === 'function' && families.test(name)).map(([n]) => n);
    assert.ok(functions.length > 250, `${functions.length} functions`);
    const unreachable: string[] = [];
    for (const fn of functions) {
      if (fn in excludedFunctions) continue;
      const entry = methodTable.get(fn);
      const cls = entry ? classes[entry.owner] : undefined;
      const target = entry?.method === 'open' ? cls : cls?.prototype;
      if (!entry || typeof (target as unknown as Record<string, unknown> | undefined)?.[entry.method] !== 'function') unreachable.push(fn);
    }
    assert.deepEqual(unreachable, []);
    for (const [fn, why] of Object.entries(excludedFunctions)) {
      assert.ok(functions.includes(fn), `${fn} is excluded but is not a function of the families`);
      assert.ok(why.length > 15, `${fn} needs a reason`);
    }
  });
});
