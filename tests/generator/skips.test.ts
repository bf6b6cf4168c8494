// The skip list (generator/policy/skips.ts) honoured for every kind of symbol it can name, and
// refused, saying what to do, where it names nothing or where what it skips is still needed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { apiXml, generateFromXml, writeXmlDir } from '../support/generate-from-xml.js';
import { checkSkipNames, GenerationError, loadApi } from '../../generator/generate.js';
import type { SkipTable } from '../../generator/skip-symbols.js';

const api = apiXml(`
  <struct name='virConnect' file='libvirt-host' type='struct _virConnect'/>
  <typedef name='virConnectPtr' file='libvirt-host' type='virConnect *' version='1.0.0'/>
  <struct name='virGadget' file='libvirt-host' type='struct _virGadget'/>
  <typedef name='virGadgetPtr' file='libvirt-host' type='virGadget *' version='1.0.0'/>
  <typedef name='virLampState' file='libvirt-host' type='enum' version='1.0.0'/>
  <enum name='VIR_LAMP_OFF' file='libvirt-host' value='0' type='virLampState' version='1.0.0'/>
  <enum name='VIR_LAMP_ON' file='libvirt-host' value='1' type='virLampState' version='1.0.0'/>
  <typedef name='virKnob' file='libvirt-host' type='enum' version='1.0.0'/>
  <enum name='VIR_KNOB_LOW' file='libvirt-host' value='0' type='virKnob' version='1.0.0'/>
  <enum name='VIR_KNOB_HIGH' file='libvirt-host' value='1' type='virKnob' version='1.0.0'/>
  <macro name='VIR_LAMP_MAX' file='libvirt-host' raw='8' version='1.0.0'/>
  <macro name='VIR_LAMP_BRIGHT' file='libvirt-host' raw='(VIR_LAMP_ON + 1)' version='1.0.0'/>
  <typedef name='virLampCookie' file='libvirt-host' type='unsigned long long' version='1.0.0'/>
  <struct name='virLampInfo' file='libvirt-host' type='struct _virLampInfo' version='1.0.0'>
    <field name='watts' type='unsigned int' info='w'/>
  </struct>
  <typedef name='virLampInfoPtr' file='libvirt-host' type='virLampInfo *' version='1.0.0'/>
  <functype name='virLampCallback' file='libvirt-host' module='libvirt-host' version='1.0.0'>
    <return type='void' info=''/><arg name='conn' type='virConnectPtr' info=''/>
  </functype>
  <variable name='virLampDefault' file='libvirt-host' type='virLampInfoPtr' version='1.0.0'/>
  <function name='virLampGetInfo' file='libvirt-host' module='libvirt-host' version='1.0.0'>
    <info><![CDATA[info]]></info><return type='int' info='0 or -1'/>
    <arg name='conn' type='virConnectPtr' info=''/><arg name='info' type='virLampInfoPtr' info='filled in'/>
  </function>
  <function name='virLampUseGadget' file='libvirt-host' module='libvirt-host' version='1.0.0'>
    <info><![CDATA[gadget]]></info><return type='int' info='0 or -1'/><arg name='gadget' type='virGadgetPtr' info=''/>
  </function>
  <function name='virLampPing' file='libvirt-host' module='libvirt-host' version='1.0.0'>
    <info><![CDATA[ping]]></info><return type='int' info='0 or -1'/><arg name='conn' type='virConnectPtr' info=''/>
  </function>`);

/** The module generated with `skips` (every symbol here lands in libvirt-host.ts). */
const hostWith = (skips: SkipTable): { host: string; symbols: string } => {
  const files = generateFromXml({ api }, { skips });
  return { host: files.get('libvirt-host.ts') ?? '', symbols: files.get('api-symbols.ts') ?? '' };
};

/** The problems listed under the skips heading when generating with `skips` (fails if it generates). */
function skipProblems(skips: SkipTable): string[] {
  try {
    generateFromXml({ api }, { skips });
  } catch (err) {
    assert.ok(err instanceof GenerationError, String(err));
    const other = err.groups.filter((g) => !g.what.includes('skips.ts') && g.problems.length > 0);
    assert.deepEqual(other, [], 'only the skips are refused');
    return err.problems;
  }
  throw new Error('generated without a complaint');
}

const why = 'a reason long enough';
const root = resolve(import.meta.dirname, '../..');

describe('generator: the skip list', () => {
  it('leaves out a skipped symbol of every kind: function, struct, typedef, enum constant, enum type, functype, variable, macro', () => {
    const { host, symbols } = hostWith({
      virLampGetInfo: why, virLampDefault: why, virLampInfo: why, virLampInfoPtr: why, virLampCookie: why,
      VIR_LAMP_OFF: why, virKnob: why, virLampCallback: why, VIR_LAMP_MAX: why,
    });
    const exported = (name: string): boolean => new RegExp(`export (const|type|function|interface) ${name}\\b`).test(host);
    for (const name of ['virLampGetInfo', 'virLampDefault', 'virLampInfo', 'virLampInfoPtr', 'virLampCookie', 'VIR_LAMP_OFF',
      'virKnob', 'VIR_KNOB_LOW', 'VIR_KNOB_HIGH', 'virLampCallback', 'VIR_LAMP_MAX']) {
      assert.ok(!exported(name), `${name} is emitted:\n${host}`);
      assert.ok(!symbols.includes(`["${name}"`), `${name} is in the symbol table`);
    }
    assert.ok(!host.includes('VIR_LAMP_OFF: 0'), 'a skipped constant is no member of its enum object');
    assert.ok(!host.includes('registerStruct({"name":"virLampInfo"'), 'a skipped struct is not registered');
    for (const name of ['virLampPing', 'virLampState', 'VIR_LAMP_ON', 'VIR_LAMP_BRIGHT']) assert.ok(exported(name), `${name} is missing`);
  });

  it('refuses an entry that names an opaque struct or what the generated modules need, and keeps what it names', () => {
    const errors = api.replace('</symbols>', `<typedef name='virErrorNumber' file='libvirt-host' type='enum' version='1.0.0'/>
      <enum name='VIR_ERR_OK' file='libvirt-host' value='0' type='virErrorNumber' version='1.0.0'/>
      <macro name='VIR_ERR_FIRST' file='libvirt-host' raw='VIR_ERR_OK' version='1.0.0'/></symbols>`);
    assert.throws(() => generateFromXml({ api: errors }, { skips: { virErrorNumber: why } }), (err: unknown) => err instanceof GenerationError
      && err.problems.join('\n') === 'virErrorNumber cannot be skipped: the generated modules register its names for LibvirtError.codeName');
    assert.deepEqual(skipProblems({ virGadget: why, virErrorNumber: why }), [
      'virGadget is the opaque struct of handle virGadgetPtr: skip virGadgetPtr instead',
      'virErrorNumber cannot be skipped: the generated modules register its names for LibvirtError.codeName',
    ]);
  });

  it('refuses a skip of a symbol the overrides give policy to, or add: the overrides entry would be dropped unread', () => {
    const overrides = `<api name='tsvirt-overrides'><symbols>
      <function name='virLampGetInfo'><return type='int' error='-1'/></function>
      <function name='virLampBlink' file='libvirt-host' module='libvirt-host' version='1.0.0'>
        <info><![CDATA[added]]></info><return type='int' info='0 or -1'/><arg name='conn' type='virConnectPtr' info=''/>
      </function></symbols></api>`;
    assert.throws(() => generateFromXml({ api, overrides }, { skips: { virLampGetInfo: why, virLampBlink: why, virLampPing: why } }), (err: unknown) => {
      assert.ok(err instanceof GenerationError, String(err));
      assert.deepEqual(err.problems, [
        'function virLampGetInfo is skipped, but the overrides give it policy or add it: remove the skip or the overrides entry',
        'function virLampBlink is skipped, but the overrides give it policy or add it: remove the skip or the overrides entry',
      ]);
      return true;
    });
  });

  it('refuses an entry that names no symbol of the pinned XMLs (with a near name)', () => {
    const dir = writeXmlDir({ api });
    try {
      const loaded = loadApi(join(dir, 'api'));
      const skips = { virLampGetInfp: why, virNoSuchThing: why, virLampState: why, virGadget: why };
      assert.throws(() => checkSkipNames(loaded, skips), (err: unknown) => {
        assert.ok(err instanceof GenerationError);
        assert.equal(err.message, [
          'refusing to generate: 2 entr(ies) of generator/policy/skips.ts name no symbol of the XMLs:',
          '  virLampGetInfp (did you mean virLampGetInfo?)',
          '  virNoSuchThing',
          'Correct each name (the C name, as the XML spells it), or remove the entry.',
        ].join('\n'));
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('npm run generate leaves unchecked, without a word, the entries another libvirt\'s XML lacks, and generates', () => {
    const dir = writeXmlDir({ api });
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'generator/main.ts'), '--input', join(dir, 'api'), '--out', join(dir, 'out')],
        { encoding: 'utf8', cwd: root });
      assert.equal(run.status, 0, run.stderr);
      // The skip list names three struct-tag macros this XML lacks: nothing its reader could act on.
      assert.equal(run.stderr, '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a skip that a kept symbol still needs, naming the chain, instead of calling its C type unmapped', () => {
    assert.deepEqual(skipProblems({ virLampInfo: why, VIR_LAMP_ON: why, virGadgetPtr: why }), [
      'function virLampGetInfo uses typedef virLampInfoPtr, which uses struct virLampInfo, which is skipped: '
        + 'skip virLampGetInfo too (with its reason), or do not skip virLampInfo',
      'function virLampUseGadget uses handle virGadgetPtr, which is skipped: skip virLampUseGadget too (with its reason), or do not skip virGadgetPtr',
      'typedef virLampInfoPtr uses struct virLampInfo, which is skipped: skip virLampInfoPtr too (with its reason), or do not skip virLampInfo',
      'macro VIR_LAMP_BRIGHT uses enum VIR_LAMP_ON, which is skipped: skip VIR_LAMP_BRIGHT too (with its reason), or do not skip VIR_LAMP_ON',
      'variable virLampDefault uses typedef virLampInfoPtr, which uses struct virLampInfo, which is skipped: '
        + 'skip virLampDefault too (with its reason), or do not skip virLampInfo',
    ]);
  });
});
