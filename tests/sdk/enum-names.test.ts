// Enum-valued results: { code, name } from the C constant's name, one frozen object per value.
import assert from 'node:assert/strict';
import { domainState, enumNamer, namerFor } from '../../src/sdk/enum-names.js';
import { Connection, type Domain } from '../../src/sdk/index.js';
import { closeTestDomain, openTestDomain } from '../support/test-domain.js';

describe('enum names', () => {
  it('names values from their constants and shares one frozen object per known value', () => {
    const running = domainState(1);
    assert.deepEqual({ ...running }, { code: 1, name: 'running' });
    assert.equal(domainState(1), running, 'the same object for the same value');
    assert.ok(Object.isFrozen(running), 'shared, so nobody may change it');
    assert.equal(domainState(5).name, 'shutoff');
  });

  it('keeps unknown numbers (a newer libvirt) and does not keep an object per unknown value', () => {
    const unknown = domainState(4242);
    assert.deepEqual({ ...unknown }, { code: 4242, name: 'unknown-4242' });
    assert.notEqual(domainState(4242), unknown);
  });

  it('names no value after an alias of _LAST (a count): a newer libvirt\'s next value is unknown', () => {
    const tag = namerFor('virDomainMemoryStatTags');
    assert.equal(tag(12).name, 'hugetlb-pgfail');
    assert.deepEqual({ ...tag(13) }, { code: 13, name: 'unknown-13' }, 'VIR_DOMAIN_MEMORY_STAT_NR is 13, a count');
  });

  it('finds the shared prefix of a table', () => {
    const named = enumNamer({ VIR_THING_RED_ONE: 0, VIR_THING_BLUE_ONE: 1, VIR_THING_LAST: 2 });
    assert.equal(named(1).name, 'blue-one');
  });

  it('an enum type of the generated layer names as its typed namer does, where there is one', () => {
    assert.equal(namerFor('virDomainState')(1), domainState(1));
    assert.deepEqual({ ...namerFor('virVcpuState')(1) }, { code: 1, name: 'running' });
    assert.throws(() => namerFor('virNoSuchEnum'), /no enum type virNoSuchEnum/);
  });
});

describe('enum-valued fields of generic results (test:///default)', function () {
  this.timeout(30_000);
  let conn: Connection;
  let dom: Domain;
  before(async () => ({ conn, dom } = await openTestDomain()));
  after(() => closeTestDomain(conn, dom));

  it('carry the number and the name: structs, arrays of structs, and structs inside them', async () => {
    const control = await dom.getControlInfo(0);
    assert.deepEqual({ ...control.state }, { code: 0, name: 'ok' });
    assert.deepEqual({ ...control.details }, { code: 0, name: 'none' });
    const vcpus = await dom.getVcpus(2, 1);
    assert.deepEqual(vcpus.info.map((i) => i.state.name), ['running', 'running']);
    assert.equal(typeof vcpus.info[0]?.cpu, 'number', 'cpu stays a number (enum=none)');
    const stats = await dom.memoryStats(13, 0);
    assert.ok(stats.some((s) => s.tag.name === 'actual-balloon' && s.tag.code === 6));
    assert.deepEqual((await dom.getDiskErrors(4, 0)).errors.map((e) => [e.disk, e.error.name]), [['vda', 'unspec']]);
    const ifaces = await dom.interfaceAddresses(0, 0);
    assert.deepEqual(ifaces.flatMap((i) => i.addrs.map((a) => a.type.name)), ['ipv4']);
  });
});
