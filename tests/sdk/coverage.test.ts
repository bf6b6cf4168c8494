// Every virConnect*, virDomain*, virDomainSnapshot*, virStoragePool* and virStorageVol*
// function of libvirt 9.0.0 is a method of an SDK class, or is listed with a reason.
import assert from 'node:assert/strict';
import { Connection, Domain, DomainCheckpoint, DomainSnapshot, StoragePool, StorageVolume, excludedFunctions, methodName, methodTable } from '../../src/sdk/index.js';
import { boundSymbols } from '../../generated/api-symbols.js';
import { functionsOwnedBy } from '../../src/sdk/surface.js';

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
    // An exclusion keeps a function from becoming a method: it must be one of the families or
    // another function a class owns (virConnSetErrorFunc).
    const owned = new Set(Object.keys(classes).flatMap((c) => functionsOwnedBy(c as keyof typeof classes)));
    for (const [fn, why] of Object.entries(excludedFunctions)) {
      assert.ok(functions.includes(fn) || owned.has(fn), `${fn} is excluded but no SDK class would have it as a method`);
      assert.equal(methodTable.has(fn), false, `${fn} is excluded but reachable`);
      assert.ok(why.length > 15, `${fn} needs a reason`);
    }
  });
});
