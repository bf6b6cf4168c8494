// Mistakes in the overrides file are refused with what is wrong and where, all at once, before
// anything is written; and `npm run generate --out` never removes or replaces a file it did not write.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { apiXml, generateFromXml, writeXmlDir } from '../support/generate-from-xml.js';
import { GenerationError, generate, loadApi } from '../../generator/generate.js';

const api = apiXml(`
  <struct name='virConnect' file='libvirt-host' type='struct _virConnect'/>
  <typedef name='virConnectPtr' file='libvirt-host' type='virConnect *' version='0.0.1'/>
  <struct name='virBox' file='libvirt-host' type='struct _virBox' version='1.0.0'>
    <field name='width' type='int' info='w'/>
    <field name='height' type='int' info='h'/>
  </struct>
  <typedef name='virBoxPtr' file='libvirt-host' type='virBox *' version='1.0.0'/>
  <function name='virBoxPeek' file='libvirt-host' module='libvirt-host' version='1.0.0'>
    <info><![CDATA[peek]]></info>
    <return type='int' info='0 or -1'/>
    <arg name='conn' type='virConnectPtr' info='c'/>
    <arg name='size' type='size_t' info='bytes'/>
    <arg name='buffer' type='char *' info='filled in'/>
    <arg name='version' type='unsigned long *' info='filled in'/>
  </function>`);

/** What virBoxPeek needs to be generated at all (its buffer's size). */
const peekPolicy = `<function name='virBoxPeek'><arg name='buffer' role='bytes-out' size='size'/></function>`;

/** A problem as named in a file of a fresh directory: the file's name alone, with its line and column. */
const inFile = (problem: string): string => problem.replace(/^\/\S*\/(tsvirt-overrides\.xml:\d+:\d+: )/, '$1');

/** The problems generating `overrides` (over `xml`, by default the API above) reports (fails if it generates). */
function problems(overrides: string, xml = api): string[] {
  try {
    generateFromXml({ api: xml, overrides: `<api name='tsvirt-overrides'><symbols>${overrides}</symbols></api>` });
  } catch (err) {
    assert.ok(err instanceof GenerationError, String(err));
    return err.problems.map(inFile);
  }
  throw new Error('generated without a complaint');
}

describe('generator: mistakes in the overrides', () => {
  it('policy for a symbol the XML lacks is refused (with a near name) in overrides beside it, and skipped for XMLs of elsewhere', () => {
    const dir = writeXmlDir({ api, overrides: `<api name='tsvirt-overrides'><symbols>
      ${peekPolicy}<function name='virBoxPeeek'><arg name='buffer' role='bytes-out' size='size'/></function><struct name='virGone'><field name='x' enum='none'/></struct>
      <typedef name='virBoxPrt' type='virBox *'/><macro name='VIR_BOX_MAX' param-type='int'/></symbols></api>` });
    try {
      assert.throws(() => generate(loadApi(join(dir, 'api'))), (err: unknown) => {
        assert.ok(err instanceof GenerationError);
        const fix = 'correct the name, or, to add it, give file=, version= and';
        assert.deepEqual(err.problems.map(inFile), [
          `tsvirt-overrides.xml:2:95: function virBoxPeeek is not in the API XML (did you mean virBoxPeek?): ${fix} its C types`,
          `tsvirt-overrides.xml:2:184: struct virGone is not in the API XML: ${fix} its C types`,
          'tsvirt-overrides.xml:3:50: macro VIR_BOX_MAX is not in the API XML: correct the name (macros cannot be added)',
          `tsvirt-overrides.xml:3:7: typedef virBoxPrt is not in the API XML (did you mean virBoxPtr?): ${fix} type=`,
        ]);
        return true;
      });
      // Overrides written for other XMLs (api-xml/'s against --input) may name what an older libvirt lacks.
      mkdirSync(join(dir, 'mine'));
      renameSync(join(dir, 'api', 'tsvirt-overrides.xml'), join(dir, 'mine', 'tsvirt-overrides.xml'));
      const loaded = loadApi(join(dir, 'api'), join(dir, 'mine'));
      assert.deepEqual(loaded.overridesSkipped, ['function virBoxPeeek (did you mean virBoxPeek?)', 'struct virGone', 'macro VIR_BOX_MAX', 'typedef virBoxPrt (did you mean virBoxPtr?)']);
      assert.ok(![...generate(loaded).keys()].includes('.ts'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a function added without its C types is refused, saying which are missing', () => {
    assert.deepEqual(problems(`${peekPolicy}<function name='virBoxPoke' file='libvirt-host'><arg name='conn'/></function>`),
      ["function virBoxPoke is not in the API XML; to add it, give <return type=...>, type= on <arg name='conn'>"]);
  });

  it('an addition without a name, a release, a known header or library is refused, not emitted as broken TypeScript', () => {
    assert.deepEqual(problems(`${peekPolicy}
      <function file='libvirt-host' version='1.0.0'><return type='int' info=''/></function>
      <function name='virBoxPoke' file='libvirt-hots' lib='libvirt-box' version='1.2'><return type='int' info=''/><arg type='virConnectPtr' info=''/></function>
      <function name='virBoxPoke2' file='libvirt-host' version='1.2'><return type='int' info=''/><arg name='conn' type='virConnectPtr' info=''/></function>
      <function name='virBoxPoke3' file='libvirt-hots' lib='libvirt-box'><return type='int' info=''/><arg name='conn' type='virConnectPtr' info=''/></function>
      <struct name='virLid' file='libvirt-host' type='struct _virLid'><field type='int' info=''/></struct>
      <struct name='virLid2' file='libvirt-host' type='struct _virLid2'><field name='x' type='int' info=''/></struct>
      <typedef name='virLidPtr' file='libvirt-host' version='1.0.0'/>`), [
      "a <function> with file='libvirt-host' has no name=",
      "function virBoxPoke is not in the API XML; to add it, give name= on <arg> 1",
      "function virBoxPoke2: version='1.2' is not a libvirt release (X.Y.Z, e.g. 9.0.0)",
      "function virBoxPoke3: to add it, give version='X.Y.Z' (the libvirt release that introduced it)",
      "function virBoxPoke3: file='libvirt-hots' is not a header of the API XML (did you mean libvirt-host?)",
      "function virBoxPoke3: lib='libvirt-box' is not one of libvirt, libvirt-qemu, libvirt-lxc, libvirt-admin",
      "struct virLid is not in the API XML; to add it, give name= on <field> 1",
      "struct virLid2: to add it, give version='X.Y.Z' (the libvirt release that introduced it)",
      'typedef virLidPtr is not in the API XML; to add it, give type= (the C type it names)',
    ]);
  });

  it('a symbol added twice, a name another symbol has, a repeated argument or field and a changed typedef are refused', () => {
    const poke = `<function name='virBoxPoke' file='libvirt-host' version='1.0.0'><return type='int' info=''/><arg name='conn' type='virConnectPtr' info=''/></function>`;
    const lid = `<struct name='virLid' file='libvirt-host' type='struct _virLid' version='1.0.0'><field name='x' type='int' info=''/></struct>`;
    assert.deepEqual(problems(`${peekPolicy}${poke}${poke}${lid}${lid}
      <function name='virBoxPtr' file='libvirt-host' version='1.0.0'><return type='int' info=''/></function>
      <function name='virBoxPoke2' file='libvirt-host' version='1.0.0'><return type='int' info=''/><arg name='n' type='int' info=''/><arg name='n' type='int' info=''/></function>
      <struct name='virConnectPtr' file='libvirt-host' type='struct _virX' version='1.0.0'><field name='x' type='int' info=''/><field name='x' type='int' info=''/></struct>
      <typedef name='virBoxPtr' file='libvirt-host' type='virBox *' version='1.0.0'/>
      <typedef name='virConnectPtr' file='libvirt-host' type='virConnect *' version='0.0.1'/>
      <typedef name='virBoxPtr' file='libvirt-host' type='int' version='1.0.0'/>`), [
      'function virBoxPoke is added twice in the overrides (a later entry for it adds policy only: leave out file= and type=)',
      'function virBoxPtr: the API already has typedef virBoxPtr (in libvirt-host)',
      'function virBoxPoke2: argument n is given twice',
      'struct virLid is added twice in the overrides (a later entry for it adds policy only: leave out file= and type=)',
      'struct virConnectPtr: the API already has handle virConnectPtr (in libvirt-host)',
      'struct virConnectPtr: field x is given twice',
      "typedef virBoxPtr: type='int' cannot change a C type the API XML states ('virBox *')",
    ]);
  });

  it('misspelt arguments and fields, unknown attributes and type= on existing symbols are listed together, with what they leave unmapped', () => {
    assert.deepEqual(problems(`
      <function name='virBoxPeek'><arg name='bufer' role='bytes-out' size='size'/><return eror='0' use='stat'/><arg name='size' type='int'/></function>
      <struct name='virBox'><field name='widht' enum='none'/></struct>`), [
      'tsvirt-overrides.xml:2:83: virBoxPeek return: unknown attribute eror= (a <return> takes type, info, error, use, nullable, owned, free, borrowed, bytes-size)',
      "tsvirt-overrides.xml:2:83: virBoxPeek return: use='stat' is not one of status, count, value",
      'virBoxPeek has no argument "bufer" (its arguments: conn, size, buffer, version)',
      "virBoxPeek(size): type='int' cannot change a C type the API XML states ('size_t')",
      'virBox has no field "widht" (its fields: width, height)',
      'virBoxPeek(buffer): char * without a size',
    ]);
  });

  it('an addition still generates against a newer XML that has the symbol, when it restates its C types', () => {
    const files = generateFromXml({ api, overrides: `<api name='tsvirt-overrides'><symbols>
      <function name='virBoxPeek' file='libvirt-host' module='libvirt-host' version='1.0.0'>
        <info><![CDATA[peek]]></info>
        <return type='int' info='0 or -1'/>
        <arg name='conn' type='virConnectPtr' info='c'/>
        <arg name='size' type='size_t' info='bytes'/>
        <arg name='buffer' type='char  *' info='filled in' role='bytes-out' size='size'/>
        <arg name='version' type='unsigned long *' info='filled in'/>
      </function>
      <typedef name='virBoxPtr' file='libvirt-host' type='virBox *' version='1.0.0'/></symbols></api>` });
    assert.match(files.get('libvirt-host.ts') ?? '', /\{"role":"bytes-out","name":"buffer","size":"size","as":"bytes"\}/);
  });

  it('C types written without a space before * (const char*, virBox*) bind as libvirt spells them, not as pointers to const char or virBox*', () => {
    const poke = (types: { name: string; ret: string; box: string; typedef: string }): string => generateFromXml({ api, overrides: `<api name='tsvirt-overrides'><symbols>${peekPolicy}
      <function name='virBoxPoke' file='libvirt-host' module='libvirt-host' version='1.0.0'>
        <info><![CDATA[poke]]></info><return type='${types.ret}' info='a name the caller frees'/>
        <arg name='conn' type='virConnectPtr' info=''/><arg name='name' type='${types.name}' info=''/><arg name='box' type='${types.box}' info='filled in'/>
      </function>
      <typedef name='virBoxRef' file='libvirt-host' type='${types.typedef}' version='1.0.0'/></symbols></api>` }).get('libvirt-host.ts') ?? '';
    const spaced = poke({ name: 'const char *', ret: 'char *', box: 'virBox *', typedef: 'virBox *' });
    const tight = poke({ name: 'const char*', ret: 'char*', box: 'virBox*', typedef: 'virBox*' });
    assert.match(spaced, /export function virBoxPoke\(conn: virConnectPtr, name: string \| null\): \{ box: virBox; result: string \}/);
    assert.equal(tight, spaced);
  });

  it('an addition naming a vir* type the API does not define says so, with a near name, rather than only "no mapping"', () => {
    assert.throws(() => generateFromXml({ api, overrides: `<api name='tsvirt-overrides'><symbols>${peekPolicy}
      <function name='virBoxTouch' file='libvirt-host' version='1.0.0'><return type='int' info=''/>
        <arg name='conn' type='virConectPtr' info=''/><arg name='lid' type='virLidPtr' info=''/><arg name='hinge' type='virHingePtr' info=''/></function>
      <typedef name='virHingePtr' file='libvirt-host' type='virHinge *' version='1.0.0'/></symbols></api>` }), (err: unknown) => {
      assert.ok(err instanceof GenerationError);
      const fix = ': correct the name, or declare the type with a <typedef> or <struct> in the overrides';
      assert.deepEqual(err.problems, [
        `virBoxTouch(conn): virConectPtr, a type the API does not define (did you mean virConnectPtr?)${fix}`,
        `virBoxTouch(lid): virLidPtr, a type the API does not define${fix}`,
        `virBoxTouch(hinge): virHingePtr, which names virHinge, a type the API does not define${fix}`,
      ]);
      return true;
    });
  });

  it('a role without what it needs, naming no argument, or with an unmapped elem= is refused', () => {
    assert.deepEqual(problems(`<function name='virBoxPeek'><arg name='buffer' role='bytes-out'/><arg name='version' role='out' elem='uint64_t'/></function>`), [
      "virBoxPeek(buffer): role='bytes-out' needs size=",
      "virBoxPeek(version): elem='uint64_t' has no mapping (generator/policy/type-map.ts)",
    ]);
    assert.deepEqual(problems(`<function name='virBoxPeek'><arg name='buffer' role='bytes-out' size='sise'/><arg name='version' role='struct-out'/></function>`), [
      'virBoxPeek(buffer): sise is not an argument of virBoxPeek (its arguments: conn, size, buffer, version)',
      "virBoxPeek(version): role='struct-out' needs a struct pointer, not unsigned long *",
    ]);
  });

  it('a role whose element is what the pointer points at, when that has no mapping, needs elem=: listed under the overrides file', () => {
    const stamps = api.replace('</symbols>', `<function name='virBoxStamp' file='libvirt-host' module='libvirt-host' version='1.0.0'>
        <return type='int' info=''/><arg name='conn' type='virConnectPtr' info=''/>
        <arg name='stamp' type='uint64_t *' info=''/><arg name='marks' type='uint64_t *' info=''/><arg name='nmarks' type='int' info=''/>
      </function></symbols>`);
    const overrides = `${peekPolicy}<function name='virBoxStamp'><arg name='stamp' role='out'/><arg name='marks' role='array-in'/>
      <arg name='nmarks' role='length' of='marks'/></function>`;
    assert.throws(() => generateFromXml({ api: stamps, overrides: `<api name='tsvirt-overrides'><symbols>${overrides}</symbols></api>` }), (err: unknown) => {
      assert.ok(err instanceof GenerationError);
      assert.deepEqual(err.groups.map((g) => [g.what, g.problems]), [['problem(s) in tsvirt-overrides.xml', [
        "virBoxStamp(stamp): role='out' needs elem= (uint64_t * points at no mapped type)",
        "virBoxStamp(marks): role='array-in' needs elem= (uint64_t * points at no mapped type)",
      ]], ['problem(s) with generator/policy/skips.ts', []], ['C type(s) or symbol(s) have no mapping', []], ['macro(s) the generator cannot emit', []], ['variable(s) the runtime cannot read', []], ['argument(s) or result(s) no rule settles', []]]);
      return true;
    });
  });

  it('a clear= naming no function of the API is refused (it would fail only after a successful call)', () => {
    assert.deepEqual(problems(`<function name='virBoxPeek'>
      <arg name='buffer' role='bytes-out' size='size'/><arg name='version' role='array-out' size='size' clear='virBoxClear'/></function>`), [
      "virBoxPeek(version): clear='virBoxClear' is not a function of the API",
    ]);
  });

  /** The fixture API with an enum type virLampState and a struct virLamp of `fields`. */
  const withLamp = (fields: string): string => api.replace('</symbols>', `<typedef name='virLampState' file='libvirt-host' type='enum'/>
      <enum name='VIR_LAMP_OFF' file='libvirt-host' value='0' type='virLampState' version='1.0.0'/>
      <struct name='virLamp' file='libvirt-host' type='struct _virLamp' version='1.0.0'>${fields}</struct></symbols>`);

  it('role= and clear= on arguments and enum= and count= on fields that do not fit are listed under the overrides file, not as unmapped C types', () => {
    const lamps = withLamp(`<field name='state' type='int' info='s'/><field name='watts' type='unsigned long long' info='w'/>
        <field name='label' type='char *' info='l'/><field name='bulbs' type='int *' info='b'/>`);
    const overrides = `<function name='virBoxPeek'><arg name='buffer' role='bytes-out'/><arg name='size' role='sideways'/>
        <arg name='version' role='array-out' size='size' clear='virBoxClear'/></function>
      <struct name='virLamp'><field name='state' enum='VIR_LAMP_OFF'/><field name='watts' enum='virLampState'/>
        <field name='label' enum='virLampState'/><field name='bulbs' count='nbulbs'/></struct>`;
    assert.throws(() => generateFromXml({ api: lamps, overrides: `<api name='tsvirt-overrides'><symbols>${overrides}</symbols></api>` }), (err: unknown) => {
      assert.ok(err instanceof GenerationError);
      assert.deepEqual(err.groups.map((g) => [g.what, [...g.problems].sort()]), [['problem(s) in tsvirt-overrides.xml', [
        "virBoxPeek(buffer): role='bytes-out' needs size=",
        'virBoxPeek(size): unknown role "sideways"',
        "virBoxPeek(version): clear='virBoxClear' is not a function of the API",
        "virLamp.bulbs: count='nbulbs' is not a field of virLamp (its fields: state, watts, label, bulbs)",
        'virLamp.label: enum= needs a field of a C int type, and this one is char *',
        "virLamp.state: enum='VIR_LAMP_OFF' is not an enum type of the API (give the type's name, e.g. virDomainState, not a constant)",
        'virLamp.watts: enum= needs a field of a C int type, and this one is unsigned long long',
      ]], ['problem(s) with generator/policy/skips.ts', []], ['C type(s) or symbol(s) have no mapping', []], ['macro(s) the generator cannot emit', []], ['variable(s) the runtime cannot read', []], ['argument(s) or result(s) no rule settles', []]]);
      return true;
    });
  });

  it('enum= and count= on a fixed char x[N], and count= on a field not read as an array, are refused, not dropped', () => {
    const labels = withLamp(`<field name='model' type='char model[32]' info='m'/><field name='serial' type='char serial[16]' info='s'/>
        <field name='nbulbs' type='int' info='n'/><field name='watts' type='int' info='w'/>`);
    const overrides = `${peekPolicy}<struct name='virLamp'><field name='model' enum='virLampState'/><field name='serial' count='nbulbs'/>
      <field name='watts' count='nbulbs'/></struct>`;
    assert.throws(() => generateFromXml({ api: labels, overrides: `<api name='tsvirt-overrides'><symbols>${overrides}</symbols></api>` }), (err: unknown) => {
      assert.ok(err instanceof GenerationError);
      assert.deepEqual(err.groups.map((g) => [g.what, g.problems]), [['problem(s) in tsvirt-overrides.xml', [
        'virLamp.model: enum= needs a field of a C int type, and this one is char model[32]',
        'virLamp.serial: count= needs a pointer field read as an array (T *, char ** or a struct pointer), and this one is char serial[16]',
        'virLamp.watts: count= needs a pointer field read as an array (T *, char ** or a struct pointer), and this one is int',
      ]], ['problem(s) with generator/policy/skips.ts', []], ['C type(s) or symbol(s) have no mapping', []], ['macro(s) the generator cannot emit', []], ['variable(s) the runtime cannot read', []], ['argument(s) or result(s) no rule settles', []]]);
      assert.match(err.message, /^refusing to generate: 3 problem\(s\) in tsvirt-overrides\.xml:\n {2}virLamp\.model: enum=/);
      return true;
    });
  });

  it('a release function is one of the function\'s own library or of libvirt: the runtime finds no other there', () => {
    const fn = (name: string, file: string, ret: string, arg: string): string => `<function name='${name}' file='${file}' module='${file}' version='1.0.0'>
      <return type='${ret}' info=''/><arg name='x' type='${arg}' info=''/></function>`;
    const core = apiXml(`<struct name='virConnect' file='libvirt-host' type='struct _virConnect'/>
      <typedef name='virConnectPtr' file='libvirt-host' type='virConnect *' version='0.0.1'/>
      <struct name='virBox' file='libvirt-host' type='struct _virBox' version='1.0.0'><field name='width' type='int' info='w'/></struct>
      <typedef name='virBoxPtr' file='libvirt-host' type='virBox *' version='1.0.0'/>
      ${fn('virBoxFree', 'libvirt-host', 'void', 'virBoxPtr')}${fn('virBoxGet', 'libvirt-host', 'virBoxPtr', 'virConnectPtr')}`);
    const companions = {
      'libvirt-qemu-api.xml': apiXml(['virQemuBoxFree', 'virQemuBoxGet', 'virQemuBoxGetCore', 'virQemuBoxGetLxc', 'virQemuBoxGetNone']
        .map((n) => (n.endsWith('Free') ? fn(n, 'libvirt-qemu', 'void', 'virBoxPtr') : fn(n, 'libvirt-qemu', 'virBoxPtr', 'virConnectPtr'))).join(''), ['libvirt-qemu'], 'libvirt-qemu'),
      'libvirt-lxc-api.xml': apiXml(fn('virLxcBoxFree', 'libvirt-lxc', 'void', 'virBoxPtr'), ['libvirt-lxc'], 'libvirt-lxc'),
    };
    const owned = (name: string, free: string): string => `<function name='${name}'><return owned='true' free='${free}'/></function>`;
    const good = `${owned('virQemuBoxGet', 'virQemuBoxFree')}${owned('virQemuBoxGetCore', 'virBoxFree')}`;
    const qemu = generateFromXml({ api: core, companions, overrides: `<api name='tsvirt-overrides'><symbols>${good}</symbols></api>` }).get('libvirt-qemu.ts') ?? '';
    assert.match(qemu, /"name":"virQemuBoxGet","lib":"libvirt-qemu".*"owned":true,"free":"virQemuBoxFree"/);
    assert.match(qemu, /"name":"virQemuBoxGetCore","lib":"libvirt-qemu".*"owned":true,"free":"virBoxFree"/);
    const bad = `${good}${owned('virQemuBoxGetLxc', 'virLxcBoxFree')}${owned('virQemuBoxGetNone', 'virQemuBoxFre')}${owned('virBoxGet', 'virQemuBoxFree')}`;
    assert.throws(() => generateFromXml({ api: core, companions, overrides: `<api name='tsvirt-overrides'><symbols>${bad}</symbols></api>` }), (err: unknown) => {
      assert.ok(err instanceof GenerationError);
      assert.deepEqual(err.problems, [
        "virBoxGet return: free='virQemuBoxFree' is in libvirt-qemu, not in libvirt, where virBoxGet's release functions are looked up",
        "virQemuBoxGetLxc return: free='virLxcBoxFree' is in libvirt-lxc, not in libvirt-qemu or libvirt, where virQemuBoxGetLxc's release functions are looked up",
        "virQemuBoxGetNone return: free='virQemuBoxFre' is not a function of the API",
      ]);
      return true;
    });
  });

  describe('free= on a result', () => {
    const getter = (name: string, ret: string): string => `<function name='${name}' file='libvirt-host' module='libvirt-host' version='1.0.0'>
      <return type='${ret}' info=''/><arg name='box' type='virBoxPtr' info=''/></function>`;
    const results = apiXml(`<struct name='virConnect' file='libvirt-host' type='struct _virConnect'/>
      <typedef name='virConnectPtr' file='libvirt-host' type='virConnect *' version='0.0.1'/>
      <struct name='virBox' file='libvirt-host' type='struct _virBox' version='1.0.0'><field name='width' type='int' info='w'/></struct>
      <typedef name='virBoxPtr' file='libvirt-host' type='virBox *' version='1.0.0'/>
      <function name='virBoxNameFree' file='libvirt-host' module='libvirt-host' version='1.0.0'><return type='void' info=''/><arg name='s' type='void *' info=''/></function>
      ${getter('virBoxGetName', 'char *')}${getter('virBoxGetType', 'const char *')}${getter('virBoxGetConnect', 'virConnectPtr')}
      ${getter('virBoxGetWidth', 'int')}${getter('virBoxCopy', 'virBoxPtr')}`);
    const freed = (name: string, free = 'virBoxNameFree'): string => `<function name='${name}'><return free='${free}'/></function>`;

    it('releases a char * result with the function it names, instead of free()', () => {
      const host = generateFromXml({ api: results, overrides: `<api name='tsvirt-overrides'><symbols>${freed('virBoxGetName')}</symbols></api>` }).get('libvirt-host.ts') ?? '';
      assert.match(host, /"name":"virBoxGetName",.*"ret":\{"type":\{"ffi":"char \*","js":"string"\},"use":"value","error":null,"owned":true,"free":"virBoxNameFree"\}/);
    });

    it('is refused where nothing of the result is released after the call, under the overrides file', () => {
      const overrides = [freed('virBoxGetType'), freed('virBoxGetConnect'), freed('virBoxGetWidth'), freed('virBoxCopy')].join('');
      assert.deepEqual(problems(overrides, results), [
        "virBoxGetType return: free='virBoxNameFree' has nothing to release: the const char * result is passed on as it is",
        "virBoxGetConnect return: free='virBoxNameFree' cannot apply to a handle: the caller keeps the reference and releases it later with the handle's own Free function",
        "virBoxGetWidth return: free='virBoxNameFree' has nothing to release: the int result is passed on as it is",
        "virBoxCopy return: free='virBoxNameFree' needs owned='true': without it the struct is read, not released",
      ]);
      assert.throws(() => generateFromXml({ api: results, overrides: `<api name='tsvirt-overrides'><symbols>${freed('virBoxGetConnect')}</symbols></api>` }),
        /^GenerationError: refusing to generate: 1 problem\(s\) in tsvirt-overrides\.xml:\n {2}virBoxGetConnect return: free=/);
    });

    it('owned=\'false\' leaves a char * result to libvirt; owned= where nothing would honour it is refused', () => {
      const owned = (name: string, value: string, free = ''): string => `<function name='${name}'><return owned='${value}'${free}/></function>`;
      const host = generateFromXml({ api: results, overrides: `<api name='tsvirt-overrides'><symbols>${owned('virBoxGetName', 'false')}</symbols></api>` }).get('libvirt-host.ts') ?? '';
      assert.match(host, /"name":"virBoxGetName",.*"ret":\{"type":\{"ffi":"const char \*","js":"string"\},"use":"value","error":null\},/);
      const overrides = [owned('virBoxGetType', 'true'), owned('virBoxGetConnect', 'false'), owned('virBoxGetWidth', 'true'),
        owned('virBoxGetName', 'false', " free='virBoxNameFree'")].join('');
      assert.deepEqual(problems(overrides, results), [
        "virBoxGetName return: free='virBoxNameFree' cannot go with owned='false': the char * result is left to libvirt, not released",
        "virBoxGetType return: owned='true' cannot apply to a const char * result: libvirt keeps it, and releasing it would free memory libvirt still uses",
        "virBoxGetConnect return: owned='false' cannot apply to a handle: the caller always gets its own reference, released with the handle's own Free function (borrowed='true' says libvirt lends it)",
        "virBoxGetWidth return: owned='true' has nothing to own: the int result is passed on as it is",
      ]);
    });

    it('naming no function of the API is refused (it would fail only after a successful call)', () => {
      assert.deepEqual(problems(freed('virBoxGetName', 'virBoxFree'), results), ["virBoxGetName return: free='virBoxFree' is not a function of the API"]);
    });
  });

  it('an enum constant restated with another value or type, or a value that is no integer constant, is refused; restated as it is, accepted', () => {
    const sizes = apiXml(`<typedef name='virBoxSize' file='libvirt-host' type='enum'/>
      <enum name='VIR_BOX_SMALL' file='libvirt-host' value='1' type='virBoxSize' version='1.0.0'/>
      <enum name='VIR_BOX_BIG' file='libvirt-host' value='2' type='virBoxSize' version='1.0.0'/>
      <enum name='VIR_BOX_LARGE' file='libvirt-host' value='VIR_BOX_BIG' type='virBoxSize' version='1.0.0'/>`);
    const same = `<enum name='VIR_BOX_SMALL' file='libvirt-host' value='1' type='virBoxSize' version='1.0.0'/>
      <enum name='VIR_BOX_BIG' value='0x2'/><enum name='VIR_BOX_LARGE' value='VIR_BOX_BIG'/><enum name='VIR_BOX_SMALL'/>`;
    const host = generateFromXml({ api: sizes, overrides: `<api name='tsvirt-overrides'><symbols>${same}</symbols></api>` }).get('libvirt-host.ts') ?? '';
    assert.match(host, /export const VIR_BOX_BIG = 2;/);
    assert.deepEqual(problems(`<enum name='VIR_BOX_BIG' file='libvirt-host' value='3' type='virBoxSize' version='1.0.0'/>
      <enum name='VIR_BOX_LARGE' value='VIR_BOX_SMALL'/><enum name='VIR_BOX_SMALL' value='VIR_BOX_HUGE'/><enum name='VIR_BOX_SMALL' type='virBoxShape'/>
      <enum name='VIR_BOX_BIG' value='2.0'/><enum name='VIR_BOX_BIG' value=''/><enum name='VIR_BOX_SMALL' value='001'/>`, sizes), [
      "enum VIR_BOX_BIG: value='3' cannot change a constant the API XML states (2)",
      "enum VIR_BOX_LARGE: value='VIR_BOX_SMALL' cannot change a constant the API XML states (2)",
      "enum VIR_BOX_SMALL: value='VIR_BOX_HUGE' is no value it reads: VIR_BOX_HUGE names no constant of the API",
      "enum VIR_BOX_SMALL: type='virBoxShape' cannot change the enum type the API XML states ('virBoxSize')",
      "enum VIR_BOX_BIG: value='2.0' is no value it reads: 2.0 is not a C integer literal",
      "enum VIR_BOX_BIG: value='' is no value it reads: the value is empty (libvirt's apibuild.py writes that where it could not compute it)",
    ]);
  });

  it('param-type= names a typed-parameter value type, and only on the name of a typed parameter (a string= macro)', () => {
    const xml = apiXml(`<macro name='VIR_BOX_WEIGHT' file='libvirt-host' string='weight' version='1.0.0'/>
      <macro name='VIR_BOX_MAX' file='libvirt-host' raw='16' version='1.0.0'/>`);
    assert.deepEqual(problems(`<macro name='VIR_BOX_WEIGHT' param-type='unit'/><macro name='VIR_BOX_MAX' param-type='uint'/>`, xml), [
      "tsvirt-overrides.xml:1:39: VIR_BOX_WEIGHT: param-type='unit' is not one of int, uint, llong, ullong, double, boolean, string",
      'VIR_BOX_MAX: param-type= belongs on the name of a typed parameter (a macro with string=), and this macro is a number',
    ]);
    const symbols = generateFromXml({ api: xml, overrides: `<api name='tsvirt-overrides'><symbols><macro name='VIR_BOX_WEIGHT' param-type='uint'/></symbols></api>` })
      .get('api-symbols.ts') ?? '';
    assert.ok(symbols.includes('VIR_BOX_WEIGHT: { field: "weight", type: "uint" },'), symbols);
  });

  it('an out argument without elem= is read as the type it points at, not as int', () => {
    const files = generateFromXml({ api, overrides: `<api name='tsvirt-overrides'><symbols>
      <function name='virBoxPeek'><arg name='buffer' role='bytes-out' size='size'/><arg name='version' role='out'/></function></symbols></api>` });
    assert.match(files.get('libvirt-host.ts') ?? '', /\{"role":"out","name":"version","type":\{"ffi":"unsigned long","js":"bigint"\}\}/);
  });

  it('a struct the API states keeps its layout: restated fields of another C type, order or number are refused; the same ones add docs and policy', () => {
    // The review's virNodeInfo: memory narrowed, two fields swapped, one added.
    const restated = (fields: string): string => `${peekPolicy}<struct name='virBox' file='libvirt-host' type='struct _virBox' version='1.0.0'>${fields}</struct>`;
    assert.deepEqual(problems(restated(`<field name='height' type='int' info=''/><field name='width' type='unsigned int' info=''/>
      <field name='depth' type='int' info=''/>`)), [
      'struct virBox: depth: no such field in the API XML (its fields: width, height); a struct libvirt lays out cannot gain fields',
      'struct virBox: the order height, width cannot change the order of the fields the API XML states (width, height)',
      "virBox.width: type='unsigned int' cannot change a C type the API XML states ('int')",
    ]);
    assert.deepEqual(problems(restated(`<field name='width' type='int' info=''/><field name='width' type='int' info=''/><field name='height' type='int' info=''/>`)), [
      'struct virBox: field width is given twice',
    ]);
    const host = generateFromXml({ api, overrides: `<api name='tsvirt-overrides'><symbols>${restated(`<field name='width' type='int ' info='the width, in mm'/>
      <field name='height' type='int' info='h'/>`)}</symbols></api>` }).get('libvirt-host.ts') ?? '';
    assert.match(host, /\/\*\* the width, in mm \*\/\n\s+width: number;/);
  });

  it('a union the API states keeps its members as a struct does', () => {
    const values = api.replace('</symbols>', `<struct name='virVal' file='libvirt-host' type='struct _virVal' version='1.0.0'>
      <field name='type' type='int' info=''/><field name='value' type='union' info=''><union><field name='i' type='int' info=''/><field name='l' type='long long' info=''/></union></field>
      </struct></symbols>`);
    const restated = (members: string): string => `${peekPolicy}<struct name='virVal' file='libvirt-host' type='struct _virVal' version='1.0.0'>
      <field name='type' type='int' info=''/><field name='value' type='union' info=''><union>${members}</union></field></struct>`;
    assert.deepEqual(problems(restated(`<field name='i' type='long' info=''/><field name='l' type='long long' info=''/>`), values), [
      "virVal.value.i: type='long' cannot change a C type the API XML states ('int')",
    ]);
    assert.deepEqual(problems(restated(`<field name='i' type='int' info=''/>`), values), [
      'union virVal.value: fields with type= restate all its fields, and these are left out: l (to add policy to a field, leave out type=)',
    ]);
  });

  it('attributes an element does not take are refused on every element, added or restated, with the line and what it takes', () => {
    assert.deepEqual(problems(`${peekPolicy}
      <struct name='virLid' file='libvirt-host' type='struct _virLid' version='1.0.0' size='3'>
        <field name='n' type='int' info=''/><field name='p' type='int *' info='' cuont='n' enmu='none'/></struct>
      <typedef name='virLidPtr' file='libvirt-host' type='virLid *' version='1.0.0' bogus='1'/>
      <struct name='virBox' size='3'><field name='width' cuont='n'/></struct>
      <typedef name='virBoxPtr' bogus='1'/>`), [
      'tsvirt-overrides.xml:2:7: struct virLid: unknown attribute size= (a <struct> takes name, file, type, version, info)',
      'tsvirt-overrides.xml:3:45: virLid.p: unknown attribute cuont= (a <field> takes name, type, info, count, enum)',
      'tsvirt-overrides.xml:3:45: virLid.p: unknown attribute enmu= (a <field> takes name, type, info, count, enum)',
      'tsvirt-overrides.xml:5:7: struct virBox: unknown attribute size= (a <struct> takes name, file, type, version, info)',
      'tsvirt-overrides.xml:5:38: virBox.width: unknown attribute cuont= (a <field> takes name, type, info, count, enum)',
      'tsvirt-overrides.xml:4:7: typedef virLidPtr: unknown attribute bogus= (a <typedef> takes name, file, type, version, info)',
      'tsvirt-overrides.xml:6:7: typedef virBoxPtr: unknown attribute bogus= (a <typedef> takes name, file, type, version, info)',
    ]);
    // Elements no symbol record keeps are checked as the file is read.
    assert.throws(() => generateFromXml({ api, overrides: `<api name='tsvirt-overrides'><symbols kind='x'>${peekPolicy}</symbols></api>` }),
      /tsvirt-overrides\.xml: unknown attribute kind= at 1:30 in <api name='tsvirt-overrides'> <symbols> \(a <symbols> takes no attributes\)/);
  });

  it('a policy value is refused saying in words what it may be', () => {
    assert.deepEqual(problems(`<function name='virBoxPeek'><return error='0x10'/><arg name='buffer' role='bytes-out' size='size' as='text'/></function>`), [
      "tsvirt-overrides.xml:1:67: virBoxPeek return: error='0x10' is not a decimal integer (such as -1, 0 or 4294967295), NULL (a pointer result) or none (no value means failure)",
      "tsvirt-overrides.xml:1:89: virBoxPeek(buffer): as='text' is not one of bytes, string",
    ]);
  });

  describe('version=', () => {
    /** The API above, as the XML of libvirt 9.0.0 says it is. */
    const pinned = api.replace('</symbols>', `<macro name='LIBVIR_VERSION_NUMBER' file='libvirt-host' raw='9000000' version='0.0.1'/></symbols>`);
    const poke = (version: string): string => `<function name='virBoxPoke' file='libvirt-host' module='libvirt-host' version='${version}'>
      <return type='int' info=''/><arg name='conn' type='virConnectPtr' info=''/></function>`;

    it('of an addition is no later than the libvirt of the XML beside it: that libvirt has what an addition declares', () => {
      assert.deepEqual(problems(`${peekPolicy}${poke('9.5.0')}`, pinned), [
        "function virBoxPoke: version='9.5.0' is newer than the libvirt of the API XML (9.0.0), which has every symbol an addition declares: "
          + 'give the release that introduced it (with a later one the runtime refuses the call on a libvirt that has it)',
      ]);
      const host = generateFromXml({ api: pinned, overrides: `<api name='tsvirt-overrides'><symbols>${peekPolicy}${poke('9.0.0')}</symbols></api>` }).get('libvirt-host.ts') ?? '';
      assert.match(host, /"name":"virBoxPoke","lib":"libvirt","since":"9\.0\.0"/);
    });

    it('of an addition may be later than an older libvirt\'s XML the overrides were not written for (--input): it gates the call', () => {
      const dir = writeXmlDir({ api: pinned.replace("raw='9000000'", "raw='8000000'") });
      try {
        mkdirSync(join(dir, 'mine'));
        writeFileSync(join(dir, 'mine', 'tsvirt-overrides.xml'), `<api name='tsvirt-overrides'><symbols>${peekPolicy}${poke('9.0.0')}</symbols></api>`);
        const host = generate(loadApi(join(dir, 'api'), join(dir, 'mine'))).get('libvirt-host.ts') ?? '';
        assert.match(host, /"name":"virBoxPoke","lib":"libvirt","since":"9\.0\.0"/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('restating a symbol the API has is its release, or refused; an XML without releases takes it', () => {
      assert.deepEqual(problems(`<function name='virBoxPeek' version='9.5.0'><arg name='buffer' role='bytes-out' size='size'/></function>
        <struct name='virBox' version='1.0'/><typedef name='virBoxPtr' version='0.9.0'/>`, pinned), [
        "tsvirt-overrides.xml:1:39: function virBoxPeek: version='9.5.0' cannot change the release the API XML states ('1.0.0')",
        "tsvirt-overrides.xml:2:9: struct virBox: version='1.0' is not a libvirt release (X.Y.Z, e.g. 9.0.0)",
        "tsvirt-overrides.xml:2:46: typedef virBoxPtr: version='0.9.0' cannot change the release the API XML states ('1.0.0')",
      ]);
      const restated = `<function name='virBoxPeek' version='1.0.0'><arg name='buffer' role='bytes-out' size='size'/></function>`;
      assert.match(generateFromXml({ api: pinned, overrides: `<api name='tsvirt-overrides'><symbols>${restated}</symbols></api>` }).get('libvirt-host.ts') ?? '',
        /"name":"virBoxPeek","lib":"libvirt","since":"1\.0\.0"/);
      const unversioned = pinned.replaceAll(" version='1.0.0'", '');
      assert.match(generateFromXml({ api: unversioned, overrides: `<api name='tsvirt-overrides'><symbols>${restated}</symbols></api>` }).get('libvirt-host.ts') ?? '',
        /"name":"virBoxPeek","lib":"libvirt","since":"1\.0\.0"/);
    });
  });

  it('a bare & or < in an attribute value is refused as malformed XML, with its line and column', () => {
    assert.throws(() => generateFromXml({ api, overrides: `<api name='tsvirt-overrides'><symbols>
      <function name='virBoxPeek'><return error='-1'/><arg name='buffer' role='bytes-out' size='size' info='a & b'/></function></symbols></api>` }),
    /tsvirt-overrides\.xml: malformed XML at 2:111: '&' in an attribute value that starts no entity reference \(write it &amp;;/);
    assert.throws(() => generateFromXml({ api, overrides: `<api name='tsvirt-overrides'><symbols><function name='virBoxPeek'><return info='1 < 2'/></function></symbols></api>` }),
      /tsvirt-overrides\.xml: malformed XML at 1:83: '<' in an attribute value \(write it &lt;\)/);
    // Escaped, they are read as what they stand for.
    const host = generateFromXml({ api, overrides: `<api name='tsvirt-overrides'><symbols>${peekPolicy}
      <struct name='virBox'><field name='width' type='int' info='a &amp; b &lt; &#99;'/><field name='height' type='int'/></struct></symbols></api>` }).get('libvirt-host.ts') ?? '';
    assert.match(host, /\/\*\* a & b < c \*\/\n\s+width: number;/);
  });

  it('a pointer field of a type nobody defines is refused as an argument of it is, with the near name', () => {
    assert.deepEqual(problems(`${peekPolicy}<struct name='virLid' file='libvirt-host' type='struct _virLid' version='1.0.0'>
      <field name='a' type='chr *' info=''/><field name='b' type='const chr *' info=''/><field name='c' type='virBoxx *' info=''/>
      <field name='d' type='unsigned lnog' info=''/><field name='e' type='virConnect *' info=''/><field name='f' type='char **' info=''/></struct>
      <function name='virLidGet' file='libvirt-host' version='1.0.0'><return type='int' info=''/><arg name='conn' type='virConnectPtr' info=''/>
        <arg name='n' type='unsigned lnog' info=''/><arg name='p' type='chr *' info=''/></function>`), [
      "virLidGet(n): unsigned lnog, a type neither the type map nor the API defines (did you mean unsigned long?): correct the name",
      "virLidGet(p): chr *, a type neither the type map nor the API defines (did you mean char?): correct the name",
      "virLid.a: chr *, a type neither the type map nor the API defines (did you mean char?): correct the name",
      "virLid.b: const chr *, a type neither the type map nor the API defines (did you mean char?): correct the name",
      'virLid.c: virBoxx *, a type the API does not define (did you mean virBox?): correct the name, or declare the type with a <typedef> or <struct> in the overrides',
      "virLid.d: unsigned lnog, a type neither the type map nor the API defines (did you mean unsigned long?): correct the name",
    ]);
  });

  it('fields with type= that would drop others, and kinds that cannot be added, are refused', () => {
    assert.deepEqual(problems(`${peekPolicy}
      <struct name='virBox'><field name='width' type='unsigned int'/></struct>
      <macro name='VIR_NO_SUCH_MACRO' file='libvirt-host' raw='1'/>
      <typedef name='virNewKind' file='libvirt-host' type='enum'/>
      <variable name='virBoxDefault' file='libvirt-host' type='virBoxPtr' version='1.0.0'/>`), [
      'struct virBox: fields with type= restate all its fields, and these are left out: height (to add policy to a field, leave out type=)',
      "virBox.width: type='unsigned int' cannot change a C type the API XML states ('int')",
      'macro VIR_NO_SUCH_MACRO: macros cannot be added through the overrides',
      'typedef virNewKind: enum types cannot be added through the overrides',
      'variable virBoxDefault: variables cannot be added through the overrides',
    ]);
  });

  it('mistakes in the overrides and C types without a mapping are refused together, each under its heading', () => {
    assert.throws(() => generateFromXml({ api, overrides: `<api name='tsvirt-overrides'><symbols>
      <function name='virBoxPeek'><return eror='0'/></function></symbols></api>` }), (err: unknown) => {
      assert.ok(err instanceof GenerationError);
      assert.deepEqual(err.problems.map(inFile), [
        'tsvirt-overrides.xml:2:35: virBoxPeek return: unknown attribute eror= (a <return> takes type, info, error, use, nullable, owned, free, borrowed, bytes-size)',
        'virBoxPeek(buffer): char * without a size',
      ]);
      assert.match(err.message, /^refusing to generate: 1 problem\(s\) in tsvirt-overrides\.xml:\n {2}\S+\/tsvirt-overrides\.xml:2:35: virBoxPeek return: unknown attribute eror=.*\nand 1 C type\(s\) or symbol\(s\) have no mapping:\n {2}virBoxPeek\(buffer\): char \* without a size\n/);
      return true;
    });
  });

  it('an added function of a companion header goes to that library, and a later entry merges into it', () => {
    const files = generateFromXml({ api: apiXml(`
      <struct name='virConnect' file='libvirt-host' type='struct _virConnect'/>
      <typedef name='virConnectPtr' file='libvirt-host' type='virConnect *' version='0.0.1'/>`, ['libvirt-host', 'libvirt-qemu']),
    overrides: `<api name='tsvirt-overrides'><symbols>
      <function name='virQemuThing' file='libvirt-qemu' module='libvirt-qemu' version='1.0.0'>
        <return type='int' info=''/><arg name='conn' type='virConnectPtr' info=''/><arg name='out' type='int *' info=''/>
      </function>
      <function name='virQemuThing'><arg name='out' role='out'/></function>
    </symbols></api>` });
    const qemu = files.get('libvirt-qemu.ts') ?? '';
    assert.match(qemu, /"name":"virQemuThing","lib":"libvirt-qemu"/);
    assert.equal(qemu.match(/defineFunction\(\{"name":"virQemuThing"/g)?.length, 1, 'one function, not two');
    assert.ok(!files.has('.ts'));
  });

  it('a misspelt element is refused, with where it is', () => {
    assert.throws(() => generateFromXml({ api, overrides: `<api name='tsvirt-overrides'><symbols>
      <function name='virBoxPeek'><retrun error='0'/><arg name='buffer' role='bytes-out' size='size'/></function><funtion name='x'/></symbols></api>` }),
    /tsvirt-overrides\.xml: unknown element <retrun> in <api name='tsvirt-overrides'> <symbols> <function name='virBoxPeek'>; unknown element <funtion> in <api name='tsvirt-overrides'> <symbols>/);
  });

  it('an element given twice where the schema has one is refused, not half read', () => {
    assert.throws(() => generateFromXml({ api, overrides: `<api name='tsvirt-overrides'><symbols>
      <function name='virBoxPeek'><return error='0'/><return use='value'/><arg name='buffer' role='bytes-out' size='size'/></function></symbols></api>` }),
    /tsvirt-overrides\.xml: <return> given 2 times in <api name='tsvirt-overrides'> <symbols> <function name='virBoxPeek'>/);
  });

  it('overrides that are not an <api> description, or empty, are refused naming the file', () => {
    assert.throws(() => generateFromXml({ api, overrides: `<overrides><function name='virBoxPeek'/></overrides>` }),
      /tsvirt-overrides\.xml: not a libvirt API description: no <api> element/);
    assert.throws(() => generateFromXml({ api, overrides: ' ' }), /tsvirt-overrides\.xml: malformed XML at 1: /);
  });

  it('a refusal of the overrides names the file', () => {
    assert.throws(() => generateFromXml({ api, overrides: `<api name='tsvirt-overrides'><symbols><typedef name='virNewKind' file='libvirt-host' type='enum'/></symbols></api>` }),
      /^GenerationError: refusing to generate: 1 problem\(s\) in tsvirt-overrides\.xml:\n {2}typedef virNewKind/);
  });

  it('malformed overrides XML is refused, naming the file and place', () => {
    assert.throws(() => generateFromXml({ api, overrides: `<api name='tsvirt-overrides'><symbols><function name='virBoxPeek'><return error='0'></function></symbols></api>` }),
      /tsvirt-overrides\.xml: malformed XML at 1:/);
  });
});

describe('generator: --out and --overrides', function () {
  this.timeout(60_000);
  const root = resolve(import.meta.dirname, '../..');
  const generateWith = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
    spawnSync(process.execPath, ['--import', 'tsx', join(root, 'generator/main.ts'), ...args], { encoding: 'utf8', cwd: root });

  it('keeps files it did not write, refuses to replace one, and removes only its own stale modules', () => {
    const dir = writeXmlDir({ api, overrides: `<api name='tsvirt-overrides'><symbols>${peekPolicy}</symbols></api>` });
    const out = join(dir, 'out');
    const generateTo = (...args: string[]): ReturnType<typeof generateWith> => generateWith('--overrides', join(dir, 'api'), ...args);
    try {
      const first = generateTo('--input', join(dir, 'api'), '--out', out);
      assert.equal(first.status, 0, first.stderr);
      writeFileSync(join(out, 'my-helpers.ts'), 'export const mine = 1;\n');
      writeFileSync(join(out, 'libvirt-gone.ts'), `${readFileSync(join(out, 'libvirt-host.ts'), 'utf8').split('\n')[0]}\n`);
      const again = generateTo('--input', join(dir, 'api'), '--out', out);
      assert.equal(again.status, 0, again.stderr);
      assert.equal(readFileSync(join(out, 'my-helpers.ts'), 'utf8'), 'export const mine = 1;\n');
      assert.equal(existsSync(join(out, 'libvirt-gone.ts')), false, 'a stale generated module is removed');
      writeFileSync(join(out, 'index.ts'), 'export const handWritten = true;\n');
      const refused = generateTo('--input', join(dir, 'api'), '--out', out);
      assert.equal(refused.status, 2);
      assert.match(refused.stderr, /holds index\.ts, which the generator did not write: refusing to replace/);
      assert.equal(readFileSync(join(out, 'index.ts'), 'utf8'), 'export const handWritten = true;\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--check catches a hand-edited module and tells to remove the files a generator run would leave alone', () => {
    const dir = writeXmlDir({ api, overrides: `<api name='tsvirt-overrides'><symbols>${peekPolicy}</symbols></api>` });
    const out = join(dir, 'out');
    const run = (...args: string[]): ReturnType<typeof generateWith> => generateWith('--overrides', join(dir, 'api'), '--input', join(dir, 'api'), '--out', out, ...args);
    try {
      assert.equal(run().status, 0);
      assert.equal(run('--check').status, 0);
      const host = readFileSync(join(out, 'libvirt-host.ts'), 'utf8');
      writeFileSync(join(out, 'libvirt-host.ts'), host.replace('export function virBoxPeek', 'export function  virBoxPeek'));
      const edited = run('--check');
      assert.equal(edited.status, 1);
      const command = `npm run generate -- --input ${join(dir, 'api')} --overrides ${join(dir, 'api')} --out ${out}`;
      assert.ok(edited.stderr.includes(`differs from what the generator emits: libvirt-host.ts\nRun \`${command}\` and commit the result.`), edited.stderr);
      writeFileSync(join(out, 'libvirt-host.ts'), host.split('\n').slice(1).join('\n'));
      writeFileSync(join(out, 'mine.ts'), 'export const mine = 1;\n');
      const theirs = run('--check');
      assert.equal(theirs.status, 1);
      assert.ok(theirs.stderr.includes(': libvirt-host.ts, mine.ts (not generated)\nRemove libvirt-host.ts, mine.ts (the generator leaves files without its @generated first line alone), '
        + `then run \`${command}\``), theirs.stderr);
      rmSync(join(out, 'libvirt-host.ts'));
      rmSync(join(out, 'mine.ts'));
      assert.equal(run().status, 0);
      assert.equal(run('--check').status, 0, 'the advice works');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists the mistakes in the overrides and the unmapped C types in one run, and writes nothing', () => {
    const dir = writeXmlDir({ api, overrides: `<api name='tsvirt-overrides'><symbols><function name='virBoxPeek'><return eror='0'/></function></symbols></api>` });
    try {
      const r = generateWith('--input', join(dir, 'api'), '--overrides', join(dir, 'api'), '--out', join(dir, 'out'));
      assert.equal(r.status, 2);
      assert.ok(r.stderr.includes(`1 problem(s) in tsvirt-overrides.xml:\n  ${join(dir, 'api', 'tsvirt-overrides.xml')}:1:67: virBoxPeek return: unknown attribute eror=`), r.stderr);
      assert.match(r.stderr, /\nand 1 C type\(s\) or symbol\(s\) have no mapping:\n {2}virBoxPeek\(buffer\): char \* without a size\n/);
      assert.equal(existsSync(join(dir, 'out')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names in the header the overrides file it read, also one --overrides points at, and the command that makes the same files', () => {
    const dir = writeXmlDir({ api, overrides: `<api name='tsvirt-overrides'><symbols>${peekPolicy}</symbols></api>` });
    try {
      mkdirSync(join(dir, 'mine'));
      renameSync(join(dir, 'api', 'tsvirt-overrides.xml'), join(dir, 'mine', 'tsvirt-overrides.xml'));
      const r = generateWith('--input', join(dir, 'api'), '--overrides', join(dir, 'mine'), '--out', join(dir, 'out'), '--runtime', 'tsvirt/ffi');
      assert.equal(r.status, 0, r.stderr);
      const [first, second] = readFileSync(join(dir, 'out', 'libvirt-host.ts'), 'utf8').split('\n');
      assert.match(first ?? '', / from api\/libvirt-api\.xml, mine\/tsvirt-overrides\.xml \(/);
      const command = `npm run generate -- --input ${join(dir, 'api')} --overrides ${join(dir, 'mine')} --out ${join(dir, 'out')} --runtime tsvirt/ffi`;
      assert.equal(second, `// To change this file, edit mine/tsvirt-overrides.xml or generator/, then run \`${command}\`.`);
      // What the header says to run is what made these files: --check with its options finds them up to date.
      const again = generateWith(...command.split(' ').slice(4), '--check');
      assert.equal(again.status, 0, again.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an --overrides directory without the overrides file is an error, not a run without them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvirt-no-overrides-'));
    try {
      const r = generateWith('--check', '--overrides', dir);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /--overrides .*: no tsvirt-overrides\.xml there/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
