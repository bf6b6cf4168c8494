// Results of batches of one struct-of-numbers function cross as columns (packed-results.ts):
// which functions qualify, what is and is not packed, and that a packed burst answers every call
// as before, failures included, on test:///default.
import assert from 'node:assert/strict';
import * as v from '../../generated/index.js';
import { structColumns } from '../../src/ffi/index.js';
import { CallPool } from '../../src/sdk/engine/call-pool.js';
import { functionNumber } from '../../src/sdk/engine/function-numbers.js';
import { MIN_PACKED, packAnswer, packedLayout } from '../../src/sdk/engine/packed-results.js';
import type { BatchAnswer } from '../../src/sdk/engine/protocol.js';
import { Connection, Domain, isLibvirtError } from '../../src/sdk/index.js';
import { closeTestDomain, openTestDomain } from '../support/test-domain.js';

const layoutOf = (fn: string): ReturnType<typeof packedLayout> => packedLayout(functionNumber(fn) as number);

describe('packed results', function () {
  this.timeout(60_000);
  let conn: Connection;
  let dom: Domain;
  before(async () => ({ conn, dom } = await openTestDomain()));
  after(() => closeTestDomain(conn, dom));

  it('reads a struct made only of numbers as typed columns that hold each C type exactly', () => {
    const fields = structColumns('virDomainInfo')?.fields;
    assert.deepEqual(fields?.map((f) => [f.name, f.view.name]), [
      ['state', 'Uint8Array'], ['maxMem', 'BigUint64Array'], ['memory', 'BigUint64Array'], ['nrVirtCpu', 'Uint16Array'], ['cpuTime', 'BigUint64Array'],
    ]);
    // A string field (char model[32]), a handle field, and a name that is no struct.
    assert.equal(structColumns('virNodeInfo'), null);
    assert.equal(structColumns('virDomainStatsRecord'), null);
    assert.equal(structColumns('virNoSuchStruct'), null);
  });

  it('packs the results of functions whose one result is such a struct, and no others', () => {
    assert.ok(layoutOf('virDomainGetInfo'));
    assert.ok(layoutOf('virStorageVolGetInfo'));
    assert.ok(layoutOf('virStoragePoolGetInfo'));
    assert.equal(layoutOf('virNodeGetInfo'), null); // a string field
    assert.equal(layoutOf('virDomainGetName'), null); // a string result
    assert.equal(layoutOf('virDomainGetState'), null); // two outs, an object by name
  });

  it('packs a batch of one function, keeps its errors, and unpacks each result as the object it was', () => {
    const fn = functionNumber('virDomainGetInfo') as number;
    const raw = Array.from({ length: MIN_PACKED + 2 }, () => v.virDomainGetInfo(dom.handle as v.virDomainPtr) as unknown);
    raw[3] = undefined; // a call that failed
    const error = { code: 1, domain: 0, message: 'failed', level: 2, func: 'virDomainGetInfo' } as unknown as BatchAnswer['errors'][number][1];
    const answer: BatchAnswer = { values: raw, errors: [[3, error]] };
    const sent = packAnswer(answer, fn);
    assert.ok(sent.packed, 'packed');
    assert.equal(sent.values.length, 0);
    assert.equal(sent.packed.count, raw.length);
    assert.deepEqual(sent.errors, answer.errors);
    const layout = layoutOf('virDomainGetInfo');
    assert.ok(layout);
    raw.forEach((r, i) => { if (r !== undefined) assert.deepEqual(layout.unpack(sent.packed!.columns, i), r); });
  });

  it('sends as they are: small batches, mixed functions, and values not of the layout', () => {
    const fn = functionNumber('virDomainGetInfo') as number;
    const info = v.virDomainGetInfo(dom.handle as v.virDomainPtr) as unknown as Record<string, unknown>;
    const many = (value: unknown): BatchAnswer => ({ values: Array.from({ length: MIN_PACKED }, () => value), errors: [] });
    assert.equal(packAnswer({ values: Array.from({ length: MIN_PACKED - 1 }, () => info), errors: [] }, fn).packed, undefined);
    assert.equal(packAnswer(many(info), -1).packed, undefined);
    assert.equal(packAnswer(many(info), undefined).packed, undefined);
    assert.equal(packAnswer(many(info), functionNumber('virDomainGetName')).packed, undefined);
    assert.equal(packAnswer(many(null), fn).packed, undefined);
    assert.equal(packAnswer(many({ ...info, cpuTime: 5 }), fn).packed, undefined, 'a number where a bigint belongs');
    assert.equal(packAnswer(many({ ...info, state: 'running' }), fn).packed, undefined);
  });

  it('answers a burst of packed batches call by call, each failure with its own error', async () => {
    // A connection's handle where a domain's belongs: libvirt refuses it (invalid domain), safely.
    const pool = new CallPool(2);
    try {
      const expected = v.virDomainGetInfo(dom.handle as v.virDomainPtr);
      const calls = Array.from({ length: 400 }, (_, i) => pool.call('virDomainGetInfo', [i % 5 === 3 ? conn.handle : dom.handle]));
      const outcomes = await Promise.allSettled(calls);
      outcomes.forEach((o, i) => {
        if (i % 5 === 3) {
          assert.equal(o.status, 'rejected', `call ${i}`);
          const err = (o as PromiseRejectedResult).reason as unknown;
          assert.ok(isLibvirtError(err) && err.codeName === 'VIR_ERR_INVALID_DOMAIN', String(err));
          return;
        }
        assert.equal(o.status, 'fulfilled', `call ${i}`);
        const info = (o as PromiseFulfilledResult<v.virDomainInfo>).value;
        assert.deepEqual({ ...info, cpuTime: typeof info.cpuTime }, { ...expected, cpuTime: 'bigint' });
      });
    } finally {
      await pool.close();
    }
  });
});
