// Enum-valued results: { code, name } from the C constant's name, one frozen object per value.
import assert from 'node:assert/strict';
import { domainState, enumNamer } from '../../src/sdk/enum-names.js';

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

  it('finds the shared prefix of a table', () => {
    const named = enumNamer({ VIR_THING_RED_ONE: 0, VIR_THING_BLUE_ONE: 1, VIR_THING_LAST: 2 });
    assert.equal(named(1).name, 'blue-one');
  });
});
