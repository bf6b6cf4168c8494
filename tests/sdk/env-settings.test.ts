// TSVIRT_* settings: a value that is set but means nothing is refused with what it must be,
// instead of running with the default it meant to change.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { choiceSetting, countSetting } from '../../src/sdk/env-settings.js';
import { isLibvirtError, VIR_ERR_INVALID_ARG } from '../../src/ffi/index.js';

const NAME = 'TSVIRT_TEST_SETTING';

function withEnv<T>(value: string | undefined, read: () => T): T {
  const before = process.env[NAME];
  if (value === undefined) delete process.env[NAME];
  else process.env[NAME] = value;
  try {
    return read();
  } finally {
    if (before === undefined) delete process.env[NAME];
    else process.env[NAME] = before;
  }
}

const refused = (want: RegExp) => (e: unknown): boolean => isLibvirtError(e) && e.code === VIR_ERR_INVALID_ARG && want.test(e.message);

describe('environment settings', () => {
  it('a count: unset or empty is the default, a positive integer is taken, anything else is refused', () => {
    assert.equal(withEnv(undefined, () => countSetting(NAME, 4)), 4);
    assert.equal(withEnv(' ', () => countSetting(NAME, 4)), 4);
    assert.equal(withEnv('8', () => countSetting(NAME, 4)), 8);
    assert.equal(withEnv(' 12 ', () => countSetting(NAME, 4)), 12);
    for (const bad of ['eight', '0', '-2', '1.5', '4x', '1e3', '99999999999999999999']) {
      assert.throws(() => withEnv(bad, () => countSetting(NAME, 4)), refused(new RegExp(`^${NAME} must be a positive integer, got '${bad}'$`)), bad);
    }
  });

  it('a choice: unset is the default, one of the choices is taken, anything else is refused with the choices', () => {
    assert.equal(withEnv(undefined, () => choiceSetting(NAME, ['default', 'none'], 'default')), 'default');
    assert.equal(withEnv('none', () => choiceSetting(NAME, ['default', 'none'], 'default')), 'none');
    assert.throws(() => withEnv('off', () => choiceSetting(NAME, ['default', 'none'], 'default')), refused(/must be 'default' or 'none', got 'off'/));
  });

  describe('read by the SDK, in a script of its own', function () {
    this.timeout(60_000);
    const script = fileURLToPath(new URL('../support/env-open.ts', import.meta.url));
    const run = (env: Record<string, string>): Record<string, unknown> => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    };

    it('valid values run', () => {
      assert.deepEqual(run({ TSVIRT_THREADS: '2', TSVIRT_EVENT_LOOP: 'none', TSVIRT_CALL_STACKS: '1' }), { ok: true });
    });

    for (const [name, value, want] of [
      ['TSVIRT_THREADS', 'eight', 'a positive integer'],
      ['TSVIRT_EVENT_LOOP', 'off', "'default' or 'none'"],
      ['TSVIRT_CALL_STACKS', 'yes', "'0' or '1'"],
    ] as const) {
      it(`${name}=${value}: the first call that needs it is refused, saying what it must be`, () => {
        // Refused before anything ran: a call refused after it was queued would still take effect.
        assert.deepEqual(run({ [name]: value }), { ok: false, codeName: 'VIR_ERR_INVALID_ARG', message: `${name} must be ${want}, got '${value}'`, defined: false });
      });
    }
  });
});
