import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { safeIdentifier, reservedWords } from '../../generator/naming.js';
import { didYouMean } from '../../generator/near-name.js';
import { constantOf, evaluate, evaluateConstant, type CConstant, type Evaluated } from '../../generator/const-expr.js';
import { paramTypeFromDoc } from '../../generator/policy/param-types.js';
import { scalarTypes } from '../../generator/policy/type-map.js';
import { isStatusDoc } from '../../generator/policy/results.js';
import { lifetimeOf } from '../../generator/policy/callbacks.js';
import { structReleases } from '../../generator/policy/struct-releases.js';
import { TypeUniverse } from '../../generator/c-types.js';
import { buildIr } from '../../generator/build-ir.js';
import { parseApiXml } from '../../generator/raw-xml.js';
import { apiXml } from '../support/generate-from-xml.js';
import { regenerateCommand } from '../../generator/regenerate-command.js';

describe('generator units', () => {
  describe('naming', () => {
    it('keeps C names and suffixes reserved words', () => {
      assert.equal(safeIdentifier('domain'), 'domain');
      assert.equal(safeIdentifier('function'), 'function_');
      assert.equal(safeIdentifier('default'), 'default_');
      assert.equal(safeIdentifier('arguments'), 'arguments_');
      assert.equal(safeIdentifier('2d'), '_2d');
      assert.ok(reservedWords.has('new'));
    });
    it('suggests the nearest known name within two edits, not the first', () => {
      assert.equal(didYouMean('_virSchedParameterr', ['virSchedParameter', '_virSchedParameter']), ' (did you mean _virSchedParameter?)');
      assert.equal(didYouMean('virBoxPeeek', ['virBoxPeek']), ' (did you mean virBoxPeek?)');
      assert.equal(didYouMean('virLamp', ['virBoxPeek']), '');
    });
  });

  describe('constant expressions', () => {
    const names: Record<string, CConstant> = {
      VIR_TYPED_PARAM_FIELD_LENGTH: { value: 80, type: 'int' }, ONE_U: { value: 1, type: 'unsigned int' }, ONE_L: { value: 1, type: 'long' },
    };
    const look = (n: string): CConstant | undefined => names[n];
    it('evaluates the raw= forms libvirt uses', () => {
      assert.equal(evaluateConstant('(16)', look), 16);
      assert.equal(evaluateConstant('(36+1)', look), 37);
      assert.equal(evaluateConstant('(4096 + 1)', look), 4097);
      assert.equal(evaluateConstant('9007199254740991LL /* = INT64_MAX >> 10 */', look), 9007199254740991);
      assert.equal(evaluateConstant('VIR_TYPED_PARAM_FIELD_LENGTH', look), 80);
      assert.equal(evaluateConstant('1 << 4', look), 16);
    });
    it('refuses what is not a constant', () => {
      assert.equal(evaluateConstant('memcpy(a, b, 3)', look), undefined);
      assert.equal(evaluateConstant('UNKNOWN_NAME', look), undefined);
      assert.equal(evaluateConstant('', look), undefined);
    });
    it('reads integer literals as C does: negative hex, hex with suffixes, octal', () => {
      assert.equal(evaluateConstant('-0x1', look), -1);
      assert.equal(evaluateConstant('(-0x10)', look), -16);
      assert.equal(evaluateConstant('1 - -0x1', look), 2);
      assert.equal(evaluateConstant('0x10U', look), 16);
      assert.equal(evaluateConstant('-0x1LL', look), -1);
      assert.equal(evaluateConstant('0xffffffffUL', look), 4294967295);
      assert.equal(evaluateConstant('-0x80000000L', look), -2147483648);
      assert.equal(evaluateConstant('010', look), 8);
      assert.equal(evaluateConstant('0', look), 0);
    });
    it('refuses a value it would get wrong rather than emit it', () => {
      // Unsigned in C, so negative values wrap: -1U is UINT_MAX, -0x80000000 is 2147483648 (0x80000000 is an unsigned int).
      for (const raw of ['-1U', '1 - 2U', '(0U - 1) / 2', '-0x80000000']) assert.equal(evaluateConstant(raw, look), undefined, raw);
      // Octal is typed as hex is: 020000000000 (2^31) does not fit an int, so it is an unsigned int too.
      assert.equal(evaluateConstant('-020000000000', look), undefined);
      assert.equal(evaluateConstant('-020000000000L', look), -2147483648);
      // Past 2^53 a number rounds; 08 is no C literal; 1/0 is no value.
      for (const raw of ['0x20000000000001 - 1', '9007199254740992', '08', '1 / 0']) assert.equal(evaluateConstant(raw, look), undefined, raw);
    });
    it('reads comments and operators as C lexes them', () => {
      // A comment is a space, which may span lines: 1/**/2 is two numbers, not 12.
      assert.equal(evaluateConstant('(16 /* a\n b */)', look), 16);
      assert.equal(evaluateConstant('1/**/2', look), undefined);
      // -- and ++ are C's decrement and increment, not two signs (those need a space: 1 - -1).
      for (const raw of ['--1', '1--1', '1++1']) assert.equal(evaluateConstant(raw, look), undefined, raw);
      assert.equal(evaluateConstant('1 - -1', look), 2);
    });
    it('types each literal as C does (LP64), and a name by the type of its value', () => {
      const type = (raw: string): string | undefined => constantOf(raw, look)?.type;
      assert.equal(type('2147483647'), 'int');
      assert.equal(type('2147483648'), 'long'); // decimal without u never becomes unsigned
      assert.equal(type('0x80000000'), 'unsigned int');
      assert.equal(type('020000000000'), 'unsigned int');
      assert.equal(type('0x100000000'), 'long');
      assert.equal(type('1U'), 'unsigned int');
      assert.equal(type('0x100000000u'), 'unsigned long');
      assert.equal(type('1ul'), 'unsigned long');
      assert.equal(type('1LLU'), 'unsigned long');
      assert.equal(type('1ll'), 'long');
      assert.equal(type('ONE_U * 2'), 'unsigned int');
      assert.equal(type('ONE_L + ONE_U'), 'long');
      assert.equal(type('ONE_U << 3'), 'unsigned int');
      assert.equal(type('1 << ONE_L'), 'int'); // a shift has its left operand's type
      // Not C suffixes: refused, not read as some suffix.
      for (const raw of ['1lL', '1uu', '1lul', '1lll']) assert.equal(evaluateConstant(raw, look), undefined, raw);
    });
    it('refuses through a name what it refuses as a literal: wraps, overflows and undefined shifts', () => {
      for (const raw of ['-ONE_U', 'ONE_U - 2', '(0 - 1) * ONE_U', '-1 / ONE_U']) assert.equal(evaluateConstant(raw, look), undefined, raw);
      for (const raw of ['0xffffffffU + 1', '0x7fffffff + 1', '65536 * 65536', '-2147483647 - 2', '(-2147483647 - 1) / -1']) {
        assert.equal(evaluateConstant(raw, look), undefined, raw);
      }
      for (const raw of ['1 << 31', '1U << 32', '1 << -1', '-1 << 1']) assert.equal(evaluateConstant(raw, look), undefined, raw);
      assert.equal(evaluateConstant('-ONE_L', look), -1);
      assert.equal(evaluateConstant('ONE_L - 2U', look), -1);
      assert.equal(evaluateConstant('1U << 31', look), 2147483648);
      assert.equal(evaluateConstant('1L << 40', look), 2 ** 40);
      assert.equal(evaluateConstant('-7 / 2', look), -3);
      assert.equal(evaluateConstant('-ONE_U + ONE_U', look), undefined, 'an intermediate wrap is refused too');
    });
    it('says why it refuses: the token, operator, name, literal or overflow', () => {
      const lookWhy = (n: string): Evaluated | undefined => (n === 'VIR_BAD' ? { why: 'it is a function-like macro' } : look(n));
      const why = (raw: string): string | undefined => { const e = evaluate(raw, lookWhy); return 'why' in e ? e.why : undefined; };
      assert.equal(why(''), 'there is no expression');
      assert.equal(why('/* only a comment */'), 'there is no expression');
      assert.equal(why('1 | 2'), 'the operator | is not one it evaluates (it evaluates + - * / << and parentheses)');
      assert.equal(why('1 >> 2'), 'the operator >> is not one it evaluates (it evaluates + - * / << and parentheses)');
      assert.equal(why('"str"'), '"\"" cannot be part of an integer constant expression');
      assert.equal(why('1e3'), '1e3 is not a C integer literal');
      assert.equal(why('1.5'), '1.5 is not a C integer literal');
      assert.equal(why('08'), '08 is not a C integer literal');
      assert.equal(why('1lL'), '1lL is not a C integer literal');
      assert.equal(why('9007199254740993'), '9007199254740993 is past 2^53, where a number is no longer exact');
      assert.equal(why('0x8000000000000000'), '0x8000000000000000 is past 2^53, where a number is no longer exact');
      assert.equal(why('UNKNOWN_NAME + 1'), 'UNKNOWN_NAME names no constant of the API');
      assert.equal(why('VIR_BAD * 2'), 'VIR_BAD cannot be evaluated: it is a function-like macro');
      assert.equal(why('(int) 4'), '"(int" starts a cast, which it does not evaluate');
      assert.equal(why('(1 + 2'), 'a "(" has no matching ")"');
      assert.equal(why('1 +'), 'it ends where a value is expected');
      assert.equal(why('1 + * 2'), '"*" stands where a value is expected');
      assert.equal(why('1/**/2'), '"2" follows a complete expression');
      assert.equal(why('1--1'), "-- is C's decrement operator, not two signs (write them apart: 1 - -1)");
      assert.equal(why('1 / 0'), '1 / 0 divides by zero');
      assert.equal(why('-1U'), 'negating 1 wraps around in unsigned int (to 4294967295)');
      assert.equal(why('0x7fffffff + 1'), '2147483647 + 1 overflows int (C leaves that undefined)');
      assert.equal(why('-1 / ONE_U'), 'in -1 / 1, -1 (int) converts to unsigned int, which wraps it around (to 4294967295)');
      assert.equal(why('1 << 32'), '1 << 32 shifts by 32, outside 0 to 31 for int (C leaves that undefined)');
      assert.equal(why('-1 << 1'), '-1 << 1 shifts a negative value (C leaves that undefined)');
      assert.equal(why('1 << 31'), '1 << 31 overflows int (C leaves that undefined)');
      assert.equal(why('0x20000000000001 - 1'), '0x20000000000001 is past 2^53, where a number is no longer exact');
      assert.equal(why('0x10000000000000 * 2'), '4503599627370496 * 2 is past 2^53, where a number is no longer exact');
    });
  });

  describe('policy tables', () => {
    it('maps 64-bit C integers to bigint and 32-bit ones to number', () => {
      assert.equal(scalarTypes['unsigned long long']?.js, 'bigint');
      assert.equal(scalarTypes['unsigned long']?.js, 'bigint');
      assert.equal(scalarTypes['size_t']?.js, 'bigint');
      assert.equal(scalarTypes['int']?.js, 'number');
      assert.equal(scalarTypes['unsigned int']?.js, 'number');
      for (const [c, m] of Object.entries(scalarTypes)) assert.ok(m.why.length > 0, `${c} has a reason`);
    });
    it('reads typed-parameter value types from libvirt prose', () => {
      assert.equal(paramTypeFromDoc('The UNIX user ID as VIR_TYPED_PARAM_ULLONG.'), 'ullong');
      assert.equal(paramTypeFromDoc('hard_limit: maximum memory, as ullong'), 'ullong');
      assert.equal(paramTypeFromDoc('the weight, as an unsigned int'), 'uint');
      assert.equal(paramTypeFromDoc('no type given here'), null);
    });
    it('tells status results from value results', () => {
      assert.ok(isStatusDoc('0 in case of success and -1 in case of failure.'));
      assert.ok(isStatusDoc('-1 in case of error, 0 otherwise'));
      assert.ok(!isStatusDoc('the number of domains found or -1 in case of error'));
    });
    it('names for each struct release a struct of libvirt\'s XML and a function of it taking one, with a reason', () => {
      const api = parseApiXml(readFileSync(join(resolve(import.meta.dirname, '../..'), 'api-xml/libvirt-api.xml'), 'utf8'));
      for (const [struct, r] of Object.entries(structReleases)) {
        assert.ok(r.why.length > 0, `${struct} has a reason`);
        assert.ok(api.structs.some((s) => s.name === struct && s.fields?.some((f) => f.type === 'char *')), `${struct} is a struct with char * fields`);
        const release = api.functions.find((f) => f.name === r.release);
        assert.deepEqual(release?.args.map((a) => a.type), [`${struct}Ptr`], `${r.release} takes one ${struct}`);
      }
    });
    it('gives callbacks the lifetime libvirt documents', () => {
      assert.equal(lifetimeOf('virConnectDomainEventRegisterAny', true), 'freecb');
      assert.equal(lifetimeOf('virConnectDomainEventDeregister', false), 'lookup');
      assert.equal(lifetimeOf('virStreamSendAll', false), 'call');
      assert.equal(lifetimeOf('virEventRegisterImpl', false), 'forever');
    });
  });

  describe('the command a header names', () => {
    const root = '/src/tsvirt';
    const defaults = { input: '/src/tsvirt/api-xml', out: '/src/tsvirt/generated', overrides: '/src/tsvirt/api-xml', runtime: '../src/ffi/index.js' };
    it('is npm run generate for a run with the defaults, given or not', () => {
      assert.equal(regenerateCommand({ ...defaults, overrides: undefined }, defaults, root), 'npm run generate');
      assert.equal(regenerateCommand({ ...defaults, input: '/src/tsvirt/api-xml/', out: '/src/tsvirt/x/../generated' }, defaults, root), 'npm run generate');
    });
    it('repeats every other option, paths in the package relative to it (where npm runs the script) and others whole', () => {
      const given = { input: '/src/tsvirt/tests/fixtures/mini-api', overrides: '/src/tsvirt/tests/fixtures/mini-api', out: '/tmp/mini-api', runtime: 'tsvirt/ffi' };
      assert.equal(regenerateCommand(given, defaults, root),
        'npm run generate -- --input tests/fixtures/mini-api --overrides tests/fixtures/mini-api --out /tmp/mini-api --runtime tsvirt/ffi');
      assert.equal(regenerateCommand({ ...defaults, out: '/src/tsvirt-copy/generated' }, defaults, root), 'npm run generate -- --out /src/tsvirt-copy/generated');
    });
    it('quotes a word the shell would split or expand', () => {
      assert.equal(regenerateCommand({ ...defaults, out: "/tmp/my api's out" }, defaults, root), "npm run generate -- --out '/tmp/my api'\\''s out'");
      assert.equal(regenerateCommand({ ...defaults, out: '/tmp/$HOME' }, defaults, root), "npm run generate -- --out '/tmp/$HOME'");
    });
    it('joins a value that starts with a dash to its option, which parseArgs reads back as that value', () => {
      const command = regenerateCommand({ ...defaults, out: '/src/tsvirt/-x', runtime: '-r' }, defaults, root);
      assert.equal(command, 'npm run generate -- --out=-x --runtime=-r');
      const { values } = parseArgs({ args: command.split(' ').slice(4), options: { out: { type: 'string' }, runtime: { type: 'string' } } });
      assert.deepEqual({ ...values }, { out: '-x', runtime: '-r' });
    });
  });

  describe('C type resolution', () => {
    const api = buildIr([{ fileName: 'x.xml', raw: parseApiXml(apiXml(`
      <struct name='virConnect' file='libvirt-host' type='struct _virConnect'/>
      <typedef name='virConnectPtr' file='libvirt-host' type='virConnect *'/>
      <struct name='virNodeInfo' file='libvirt-host' type='struct _virNodeInfo'><field name='cpus' type='unsigned int' info=''/></struct>
      <typedef name='virNodeInfoPtr' file='libvirt-host' type='virNodeInfo *'/>
      <typedef name='virThingState' file='libvirt-host' type='enum'/>
      <typedef name='virCursor' file='libvirt-host' type='unsigned long long'/>`)) }], null);
    const types = new TypeUniverse(api);
    it('classifies handles, struct pointers, enums, typedef scalars and pointers', () => {
      assert.deepEqual(types.resolve('virConnectPtr'), { kind: 'handle', typedef: 'virConnectPtr' });
      assert.deepEqual(types.resolve('virNodeInfoPtr'), { kind: 'struct-ptr', struct: 'virNodeInfo' });
      assert.equal(types.resolve('virThingState').kind, 'scalar');
      assert.equal((types.resolve('virCursor') as { map: { js: string } }).map.js, 'bigint');
      assert.deepEqual(types.resolve('char ** const'), { kind: 'pointer', to: 'char', depth: 2, constant: false });
      assert.deepEqual(types.resolve('const char **'), { kind: 'pointer', to: 'char', depth: 2, constant: true });
      assert.equal(types.resolve('struct weird').kind, 'unknown');
    });
  });
});
