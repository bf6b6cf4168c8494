// Every function of libvirt 9.0.0 whose family has an SDK class (virConnect*, virDomain*,
// virStoragePool*, virNetwork*, virSecret*, ...) is a method of that class, or is listed with a
// reason.
import assert from 'node:assert/strict';
import { Connection, Domain, DomainCheckpoint, DomainSnapshot, Interface, Network, NetworkPort, NodeDevice, NWFilter, NWFilterBinding, Secret, StoragePool, StorageVolume, excludedFunctions, methodName, methodTable } from '../../src/sdk/index.js';
import { boundSymbols } from '../../generated/api-symbols.js';
import { functionsOwnedBy } from '../../src/sdk/surface.js';
import { classOfHandle } from '../../src/sdk/method-names.js';
import { functionSpec, type ArgSpec } from '../../src/ffi/index.js';

const families = /^vir(Connect|Domain|DomainSnapshot|StoragePool|StorageVol|Network|Interface|NodeDevice|Secret|NWFilter)[A-Z]/;
const classes = { Connection, Domain, DomainSnapshot, DomainCheckpoint, StoragePool, StorageVolume, Network, NetworkPort, Interface, NodeDevice, Secret, NWFilter, NWFilterBinding } as const;

describe('SDK coverage', () => {
  it('names methods by one rule', () => {
    assert.equal(methodName('virDomainGetInfo', 'Domain'), 'getInfo');
    assert.equal(methodName('virStorageVolGetPath', 'StorageVolume'), 'getPath');
    assert.equal(methodName('virDomainSnapshotGetParent', 'DomainSnapshot'), 'getParent');
    assert.equal(methodName('virDomainLookupByName', 'Connection'), 'domainLookupByName');
    assert.equal(methodName('virConnectGetLibVersion', 'Connection'), 'getLibVersion');
    // A leading acronym is the first word: lowered whole.
    assert.equal(methodName('virDomainFSFreeze', 'Domain'), 'fsFreeze');
    assert.equal(methodName('virDomainPMWakeup', 'Domain'), 'pmWakeup');
    assert.equal(methodName('virNWFilterLookupByName', 'Connection'), 'nwFilterLookupByName');
    assert.equal(methodName('virNetworkPortGetUUIDString', 'NetworkPort'), 'getUUIDString');
    assert.equal(methodName('virNetworkPortCreateXML', 'Network'), 'portCreateXML');
    assert.equal(methodName('virConnectGetURI', 'Connection'), 'getURI');
    assert.ok(typeof (Domain.prototype as unknown as Record<string, unknown>)['fsFreeze'] === 'function');
    assert.equal((Domain.prototype as unknown as Record<string, unknown>)['fSFreeze'], undefined);
  });

  it('reaches every function of the families with an SDK class, except those listed with a reason', () => {
    const functions = boundSymbols.filter(([name, kind]) => kind === 'function' && families.test(name)).map(([n]) => n);
    assert.ok(functions.length > 340, `${functions.length} functions`);
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

  it('no method hands out a handle that no SDK object owns: every function that would is excluded', () => {
    // Handles of a kind with no SDK class (a bare stream) would reach the caller bare, and
    // nothing would free them (such a handle kept its connection from closing).
    const handleType = (a: ArgSpec): string | undefined => {
      const t = 'elem' in a ? a.elem : 'type' in a ? a.type : undefined;
      return a.role !== 'in' && a.role !== 'array-in' && t?.js === 'handle' ? t.ref as string : undefined;
    };
    const unowned = Object.keys(classes).flatMap((c) => functionsOwnedBy(c as keyof typeof classes)).filter((fn) => {
      const spec = functionSpec(fn);
      const made = [spec?.ret.type?.js === 'handle' ? spec.ret.type.ref as string : undefined, ...(spec?.args ?? []).map(handleType)];
      return made.some((ref) => ref !== undefined && !(ref in classOfHandle));
    });
    assert.ok(unowned.includes('virStreamNew'), unowned.join(', '));
    assert.deepEqual(unowned.filter((fn) => !(fn in excludedFunctions)), []);
    assert.equal((Connection.prototype as unknown as Record<string, unknown>)['streamNew'], undefined);
  });
});
