// Usage errors and help: checked before anything connects, each naming what is wrong, followed
// by the usage of the command it was made in (exit 2); --help, -h and `help COMMAND` print that
// usage (exit 0). In this process where the error is all there is to see, else on the built binary.
import assert from 'node:assert/strict';
import { runDomain } from '../../src/cli/domain-commands.js';
import { runSnapshot } from '../../src/cli/snapshot-commands.js';
import { runPool, runVol } from '../../src/cli/storage-commands.js';
import { checkSubcommand, UsageError } from '../../src/cli/args.js';
import { runOn, runBuilt as tsvirt, type Command, type CommandRun } from '../support/cli-run.js';

/** One command in this process on test:///default. */
const run = (command: Command, ...argv: string[]): Promise<CommandRun> => runOn('test:///default', command, ...argv);

const usageError = (pattern: RegExp) => (e: unknown): boolean => e instanceof UsageError && pattern.test(e.message);

describe('tsvirt usage errors and help', function () {
  this.timeout(60_000);

  it('--help or -h after a command prints that command\'s usage and exits 0, before anything connects', () => {
    for (const [args, line] of [[['vol', '--help'], /^ {2}vol upload POOL VOL FILE/m], [['domain', 'info', '-h'], /^ {2}domain screenshot NAME FILE/m],
      [['events', '--help'], /^ {2}events \[--domain NAME\]/m], [['version', '-h'], /^ {2}version \[--json\]/m]] as const) {
      // A URI that cannot open: the help must not try.
      const r = tsvirt([...args], { LIBVIRT_DEFAULT_URI: 'test:///no/such/file.xml' });
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, line);
      assert.doesNotMatch(r.stdout, /^ {2}pool list/m, 'only the command asked about');
    }
    // After `--`, --help is a word (here a domain name), not a request for help.
    assert.match(tsvirt(['domain', 'info', '--', '--help']).stderr, /^tsvirt: VIR_ERR_NO_DOMAIN: /m);
  });

  it('help COMMAND prints the usage of that command, as COMMAND --help does', () => {
    for (const command of ['domain', 'snapshot', 'vol', 'events', 'image']) {
      const r = tsvirt(['help', command]);
      assert.equal(r.status, 0, `${command}: ${r.stderr}`);
      assert.equal(r.stdout, tsvirt([command, '--help']).stdout, command);
      assert.doesNotMatch(r.stdout, /^ {2}pool list/m, `${command}: only the command asked about`);
    }
    assert.match(tsvirt(['help']).stdout, /^ {2}pool list/m, 'help alone: every command');
    const unknown = tsvirt(['help', 'nope']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^tsvirt: unknown command "nope"/);
    const two = tsvirt(['help', 'domain', 'vol']);
    assert.equal(two.status, 2);
    assert.match(two.stderr, /^tsvirt: help takes one command \(got domain vol\)/);
  });

  it('a usage error is followed by the usage of the command it was made in, not every command\'s', () => {
    for (const [args, message, line] of [[['domain', 'info'], /^tsvirt: missing arguments: domain info NAME$/m, /^ {2}domain screenshot NAME FILE/m],
      [['vol', 'create', 'default-pool', 'x'], /^tsvirt: vol create needs --capacity/m, /^ {2}vol create POOL VOL --capacity/m],
      [['events', '--count', '0'], /^tsvirt: --count must be a positive integer/m, /^ {2}events \[--domain NAME\]/m],
      [['api', 'extra'], /^tsvirt: api takes no arguments/m, /^ {2}api \[--missing\]/m]] as const) {
      const r = tsvirt([...args]);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, message);
      assert.match(r.stderr, line);
      assert.doesNotMatch(r.stderr, /^ {2}pool list/m, `${args.join(' ')}: only the command's usage`);
    }
    // An unknown command has no usage of its own: every command is listed.
    assert.match(tsvirt(['no-such-command']).stderr, /^ {2}pool list/m);
  });

  it('checks words and options before anything connects', async () => {
    await assert.rejects(run(runVol, 'bogus', 'no-such-pool'), usageError(/vol: unknown subcommand bogus \(one of: list, info/));
    await assert.rejects(run(runPool, 'list', 'extra'), usageError(/pool list: unexpected argument extra/));
    await assert.rejects(run(runSnapshot, 'current', 'test', 'a', 'b'), usageError(/snapshot current DOMAIN: unexpected arguments a b/));
    await assert.rejects(run(runDomain, 'start'), usageError(/missing arguments: domain start NAME/));
    await assert.rejects(run(runVol, 'info', 'default-pool', ''), usageError(/vol info POOL VOL: an argument is empty/));
    await assert.rejects(run(runVol, 'clone', 'default-pool', 'a', 'b', '--allocation', '1M'), usageError(/vol clone takes no --allocation/));
    await assert.rejects(run(runVol, 'create', 'default-pool', 'x', '--capacity', '64Q'), usageError(/--capacity: not a size: 64Q/));
    await assert.rejects(run(runVol, 'create', 'default-pool', 'x', '--capacity', '16E'), usageError(/--capacity: 16E is more than 2\^64-1 bytes/));
    await assert.rejects(run(runVol, 'create', 'default-pool', 'x', '--capacity', '1M', '--allocation', '2Z'), usageError(/--allocation: not a size: 2Z/));
    await assert.rejects(run(runDomain, 'screenshot', 'test', 'f.png', '--screen=-1'), usageError(/--screen: not a screen number: -1/));
  });

  it('an option that takes a word from a fixed set refuses an empty or unknown one, naming the option', async () => {
    for (const [argv, message] of [
      [['create', 'default-pool', 'x', '--capacity', '1M', '--format', ''], /^--format: an empty value \(one of: raw, .*qcow2/],
      [['create', 'default-pool', 'x', '--capacity', '1M', '--format', 'qcow3'], /^--format: unknown value 'qcow3' \(one of: /],
      [['clone', 'default-pool', 'a', 'b', '--format', ''], /^--format: an empty value/],
    ] as const) await assert.rejects(run(runVol, ...argv), usageError(message));
    await assert.rejects(run(runDomain, 'shutdown', 'test', '--mode', ''), usageError(/^--mode: an empty value \(one of: acpi, agent, initctl, signal, paravirt\)/));
    await assert.rejects(run(runDomain, 'reboot', 'test', '--mode', 'acpi,bogus'), usageError(/^--mode: unknown value 'bogus'/));
    await assert.rejects(run(runDomain, 'start', 'test', '--mode', 'acpi'), usageError(/domain start takes no --mode/));
  });

  it('checkSubcommand: required and optional words, options that apply', () => {
    const table = { make: { words: 'POOL [NAME]', options: ['size'] } };
    assert.deepEqual(checkSubcommand('x', table, ['make', 'p'], { json: true }).words, ['p']);
    assert.deepEqual(checkSubcommand('x', table, ['make', 'p', 'n'], { size: '1', connect: 'u' }).words, ['p', 'n']);
    assert.throws(() => checkSubcommand('x', table, [], {}), usageError(/x: missing subcommand \(one of: make\)/));
    assert.throws(() => checkSubcommand('x', table, ['toString'], {}), usageError(/unknown subcommand toString/));
    assert.throws(() => checkSubcommand('x', table, ['make', 'p', 'n', 'o'], {}), usageError(/x make POOL \[NAME\]: unexpected argument o/));
    assert.throws(() => checkSubcommand('x', table, ['make', 'p'], { force: true }), usageError(/x make takes no --force/));
    assert.doesNotThrow(() => checkSubcommand('x', table, ['make', 'p'], { force: undefined }));
  });

  it('exits 2 with the usage error even when --connect names a driver that would fail', () => {
    for (const args of [['vol', 'bogus', 'p'], ['snapshot', 'list', 'test', 'extra'], ['vol', 'create', 'p', 'v', '--capacity', '1Q'],
      ['vol', 'create', 'p', 'v', '--capacity', '1M', '--format', ''], ['nodedev', 'list', '--cap', ''], ['domain', 'shutdown', 'test', '--mode', 'off']]) {
      const r = tsvirt([...args, '--connect', 'test:///no/such/file.xml']);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /VIR_ERR/);
    }
    const kind = tsvirt(['api', '--kind', '']);
    assert.equal(kind.status, 2);
    assert.match(kind.stderr, /^tsvirt: --kind: an empty value \(one of: function, /);
  });
});
