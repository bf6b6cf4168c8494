// Credentials asked on the terminal: the prompt callback on a stand-in terminal, a command run in
// this process against a test:/// node file with a user, and the built binary on a real pseudo-terminal.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { terminalAuth, type TerminalInput } from '../../src/cli/terminal-auth.js';
import { runDomain } from '../../src/cli/domain-commands.js';
import type { Credential } from '../../src/sdk/index.js';
import { isLibvirtError } from '../../src/ffi/index.js';
import { authNodeFile } from '../support/auth-node.js';

/** A stand-in terminal: what is written to it is "typed"; raw mode switches are recorded. */
function fakeTerminal(tty = true): TerminalInput & PassThrough & { modes: boolean[] } {
  const t = Object.assign(new PassThrough(), { isTTY: tty, modes: [] as boolean[] });
  return Object.assign(t, { setRawMode: (raw: boolean) => { t.modes.push(raw); return t; } });
}

function collector(): Writable & { text: () => string } {
  const chunks: string[] = [];
  return Object.assign(new Writable({ write(c, _e, done) { chunks.push(String(c)); done(); } }), { text: () => chunks.join('') });
}

const credential = (name: string, prompt: string, defaultResult: string | null = null): Credential =>
  ({ type: { code: 0, name: name as Credential['type']['name'] }, prompt, challenge: null, defaultResult });

/** The callback's answers, as a Promise (its type allows a plain array). */
const answer = async (tty: TerminalInput, creds: Credential[], err: Writable = collector()): Promise<(string | null)[]> => terminalAuth(() => tty, err)(creds);

const authFailed = (re: RegExp) => (e: unknown): boolean => isLibvirtError(e) && e.code === 45 && re.test(e.message);

describe('credentials asked on the terminal', function () {
  this.timeout(60_000);

  it('asks each credential in turn, echoes a username but not a password, and leaves raw mode', async () => {
    const tty = fakeTerminal();
    const err = collector();
    tty.write('alx\u007fice\rs3cret\r'); // typed ahead, with a correction
    const answers = await terminalAuth(() => tty, err)([credential('authname', 'Enter username'), credential('noechoprompt', "Enter alice's password")]);
    assert.deepEqual(answers, ['alice', 's3cret']);
    assert.equal(err.text(), 'Enter username: alx\b \bice\nEnter alice\'s password: \n');
    // Raw mode once, while waiting for the first line; the second was already typed.
    assert.deepEqual(tty.modes, [true, false]);
  });

  it('an empty answer takes the default the driver offers', async () => {
    const tty = fakeTerminal();
    tty.write('\r');
    assert.deepEqual(await terminalAuth(() => tty, collector())([credential('username', 'User', 'root')]), ['root']);
  });

  it('Ctrl-C, or the end of input, gives up with an auth error', async () => {
    const tty = fakeTerminal();
    tty.write('ali\u0003');
    await assert.rejects(answer(tty, [credential('authname', 'Enter username')]), authFailed(/interrupted/));
    const ended = fakeTerminal();
    const asking = answer(ended, [credential('authname', 'Enter username')]);
    ended.end();
    await assert.rejects(asking, authFailed(/ended before/));
  });

  it('off a terminal nothing is read: the error says what was asked', async () => {
    const pipe = fakeTerminal(false);
    await assert.rejects(answer(pipe, [credential('authname', 'Enter username')]),
      authFailed(/asks for credentials \(Enter username\), and standard input is not a terminal/));
    assert.deepEqual(pipe.modes, []);
  });

  describe('on a connection that asks (a test:/// node file with a user)', () => {
    const node = authNodeFile();

    it('a command connects with what was typed', async () => {
      const tty = fakeTerminal();
      tty.write('alice\rs3cret\r');
      const out = collector();
      const status = await runDomain(['list', '--json', '--connect', node.uri()], { stdout: out, stderr: collector(), stdin: () => tty });
      assert.equal(status, 0);
      assert.deepEqual((JSON.parse(out.text()) as { name: string }[]).map((d) => d.name), ['guest1']);
    });

    it('a wrong password fails with libvirt\'s auth error', async () => {
      const tty = fakeTerminal();
      tty.write('alice\rwrong\r');
      await assert.rejects(runDomain(['list', '--connect', node.uri()], { stdout: collector(), stderr: collector(), stdin: () => tty }),
        (e: unknown) => isLibvirtError(e) && e.codeName === 'VIR_ERR_AUTH_FAILED');
    });

    it("libvirt's auth.conf answers first: nothing is asked, also off a terminal", () => {
      const bin = join(resolve(import.meta.dirname, '../..'), 'dist/src/cli/main.js');
      const dir = mkdtempSync(join(tmpdir(), 'tsvirt-authconf-'));
      try {
        const conf = join(dir, 'auth.conf');
        // The test driver asks as service "test" on host "localhost" (see libvirt's auth.conf format).
        writeFileSync(conf, '[credentials-alice]\nusername=alice\npassword=s3cret\n\n[auth-test-localhost]\ncredentials=alice\n');
        const run = (env: NodeJS.ProcessEnv): ReturnType<typeof spawnSync> =>
          spawnSync(process.execPath, [bin, 'domain', 'list', '--json', '--connect', node.uri()], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env, timeout: 30_000 });
        const withConf = run({ ...process.env, LIBVIRT_AUTH_FILE: conf });
        assert.equal(withConf.status, 0, String(withConf.stderr));
        assert.deepEqual((JSON.parse(String(withConf.stdout)) as { name: string }[]).map((d) => d.name), ['guest1']);
        // An empty one: libvirt fails at once on a LIBVIRT_AUTH_FILE that does not exist.
        writeFileSync(join(dir, 'empty.conf'), '');
        const without = run({ ...process.env, LIBVIRT_AUTH_FILE: join(dir, 'empty.conf') });
        assert.equal(without.status, 1);
        assert.match(String(without.stderr), /VIR_ERR_AUTH_FAILED: .*not a terminal/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('the built binary asks on a real pseudo-terminal (script(1))', () => {
      const bin = join(resolve(import.meta.dirname, '../..'), 'dist/src/cli/main.js');
      // Typed after a pause, as a person would: the prompts come first.
      const typing = `sleep 2; printf 'alice\\r'; sleep 0.5; printf 's3cret\\r'; sleep 2`;
      const r = spawnSync('bash', ['-c', `(${typing}) | script -qec "${process.execPath} ${bin} domain list --connect ${node.uri()}" /dev/null`], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /Enter username for localhost: alice/);
      assert.match(r.stdout, /Enter alice's password for localhost: \r?\n/, 'the password is not echoed');
      assert.doesNotMatch(r.stdout, /s3cret/);
      assert.match(r.stdout, /guest1\s+running/);
    });
  });
});
