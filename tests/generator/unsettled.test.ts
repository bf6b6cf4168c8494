// What no rule settles is refused, with the overrides entries that settle it: a pointer
// argument whose role neither its C type, its documentation nor generator/policy/arg-roles.ts
// decides (a guess would bind it wrongly without a word: a struct array with its count nstats
// became one struct, and libvirt wrote past it), and a result without a failure value or an owner.
import assert from 'node:assert/strict';
import { apiXml, generateFromXml } from '../support/generate-from-xml.js';
import { GenerationError } from '../../generator/generate.js';

const UNSETTLED = 'argument(s) or result(s) no rule settles';

const api = apiXml(`
  <struct name='virConnect' file='libvirt-host' type='struct _virConnect'/>
  <typedef name='virConnectPtr' file='libvirt-host' type='virConnect *' version='0.0.1'/>`);

/** An added function of libvirt-host taking a connection and `args`, returning `ret`. */
function added(name: string, args: string, ret = "<return type='int' info='0 on success, -1 on failure'/>"): string {
  return `<function name='${name}' file='libvirt-host' module='libvirt-host' version='1.0.0'><info><![CDATA[${name}]]></info>${ret}
    <arg name='conn' type='virConnectPtr' info='a connection'/>${args}</function>`;
}

const overrides = (entries: string): string => `<api name='tsvirt-overrides'><symbols>${entries}</symbols></api>`;

/** The unsettled problems generating `entries` reports; fails if it generates, or refuses anything else. */
function unsettled(entries: string): string[] {
  try {
    generateFromXml({ api, overrides: overrides(entries) });
  } catch (err) {
    assert.ok(err instanceof GenerationError, String(err));
    const others = err.groups.filter((g) => g.what !== UNSETTLED && g.problems.length > 0);
    assert.deepEqual(others, [], 'nothing else is refused');
    return [...(err.groups.find((g) => g.what === UNSETTLED)?.problems ?? [])];
  }
  throw new Error('generated without a complaint');
}

/** The generated host module for `entries`, and the spec and signature of function `name` in it. */
function bound(entries: string, name: string): { spec: { args: unknown[]; ret: unknown }; signature: string } {
  const host = generateFromXml({ api, overrides: overrides(entries) }).get('libvirt-host.ts') ?? '';
  const spec = new RegExp(`rt\\.defineFunction\\((\\{"name":"${name}".*\\})\\);`).exec(host)?.[1];
  const signature = new RegExp(`^export function ${name}\\(.*$`, 'm').exec(host)?.[0];
  assert.ok(spec !== undefined && signature !== undefined, host);
  return { spec: JSON.parse(spec) as { args: unknown[]; ret: unknown }, signature };
}

const stat = `<struct name='virNodeStat' file='libvirt-host' type='struct _virNodeStat' version='1.0.0'>
    <field name='tag' type='int' info='what'/><field name='val' type='unsigned long long' info='how much'/></struct>
  <typedef name='virNodeStatPtr' file='libvirt-host' type='virNodeStat *' version='1.0.0'/>`;

/** A struct array sized by a count named otherwise than the table's nr_stats (the review's virDomainMemoryStats). */
const nodeStats = `${stat}${added('virNodeStats', `<arg name='stats' type='virNodeStatPtr' info='an array of nstats stats (returned)'/>
  <arg name='nstats' type='unsigned int' info='how many'/><arg name='flags' type='unsigned int' info='0'/>`, "<return type='int' info='the number of stats filled, or -1'/>")}`;
const getBlob = added('virNodeGetBlob', `<arg name='buf' type='unsigned char *' info='the blob (returned)'/><arg name='buflen' type='size_t' info='its size'/>`);
const getCounts = added('virNodeGetCounts', `<arg name='counts' type='unsigned long long *' info='the counts'/><arg name='ncounts' type='int' info='how many'/>`,
  "<return type='int' info='the number of counts filled, or -1'/>");
const getAlias = added('virNodeGetAlias', `<arg name='name' type='const char **' info='set to the alias'/><arg name='flags' type='unsigned int' info='0'/>`);

const say = "say which in api-xml/tsvirt-overrides.xml: ";

describe('generator: an argument whose role no rule settles is refused, with the role= that settles it', () => {
  it('refuses the review\'s four: a struct array counted by nstats, a filled unsigned char *, a non-const array with its count, a const char ** out-parameter', () => {
    assert.deepEqual(unsettled(nodeStats + getBlob + getCounts + getAlias), [
      `virNodeStats(stats): virNodeStatPtr (a virNodeStat pointer) followed by nstats, a count generator/policy/arg-roles.ts does not name; ${say}`
        + "<function name='virNodeStats'><arg name='stats' role='struct-array-out' size='nstats' used='ret'/></function> if it is an array of nstats and the result says how many were filled (without used='ret' if all are), "
        + "or <function name='virNodeStats'><arg name='stats' role='struct-out'/></function> if it is one virNodeStat (nstats an argument of its own)",
      `virNodeGetBlob(buf): unsigned char *, not const, with buflen: whether libvirt reads it or fills it is not settled (its documentation says filled, but not how much); ${say}`
        + "<function name='virNodeGetBlob'><arg name='buf' role='bytes-out' size='buflen'/></function> if libvirt fills it (add used='ret' if the result is the number of bytes written), "
        + "or <function name='virNodeGetBlob'><arg name='buf' role='bytes-in'/><arg name='buflen' role='length' of='buf'/></function> if libvirt reads it",
      `virNodeGetCounts(counts): unsigned long long *, not const, with its count ncounts: whether libvirt reads it or fills it is not settled; ${say}`
        + "<function name='virNodeGetCounts'><arg name='counts' role='array-in'/><arg name='ncounts' role='length' of='counts'/></function> if libvirt reads it, "
        + "or <function name='virNodeGetCounts'><arg name='counts' role='array-out' size='ncounts' used='ret'/></function> if libvirt fills it and the result says how many (without used='ret' if all are)",
      `virNodeGetAlias(name): const char ** without a count, not documented as NULL-terminated: whether it is a list passed in or a string libvirt writes is not settled; ${say}`
        + "<function name='virNodeGetAlias'><arg name='name' role='out'/></function> if libvirt writes a string it keeps (read, never freed), "
        + "or <function name='virNodeGetAlias'><arg name='name' role='array-in'/></function> if it is a NULL-terminated list of strings passed in",
    ]);
  });

  it('says so under its own heading, with where such problems are fixed', () => {
    assert.throws(() => generateFromXml({ api, overrides: overrides(getCounts) }), (err: unknown) => {
      assert.ok(err instanceof GenerationError);
      assert.match(err.message, /^refusing to generate: 1 argument\(s\) or result\(s\) no rule settles:\n {2}virNodeGetCounts\(counts\): /);
      assert.match(err.message, /\nEach line gives the tsvirt-overrides\.xml entries that settle it, .* generator\/policy\/arg-roles\.ts \(arguments\) or generator\/policy\/results\.ts \(results\)\.$/);
      return true;
    });
  });

  it('binds each as its role= says: an array of nstats structs, a filled buffer, a filled array, a string libvirt lends', () => {
    const fixes = `<function name='virNodeStats'><arg name='stats' role='struct-array-out' size='nstats' used='ret'/></function>
      <function name='virNodeGetBlob'><arg name='buf' role='bytes-out' size='buflen'/></function>
      <function name='virNodeGetCounts'><arg name='counts' role='array-out' size='ncounts' used='ret'/></function>
      <function name='virNodeGetAlias'><arg name='name' role='out'/></function>`;
    const entries = nodeStats + getBlob + getCounts + getAlias + fixes;
    const stats = bound(entries, 'virNodeStats');
    assert.deepEqual(stats.spec.args[1], { role: 'array-out', name: 'stats', elem: { ffi: 'virNodeStat', js: 'struct', ref: 'virNodeStat' }, size: 'nstats', used: 'ret' });
    assert.equal(stats.signature, 'export function virNodeStats(conn: virConnectPtr, nstats: number, flags: number = 0): virNodeStat[] {');
    const blob = bound(entries, 'virNodeGetBlob');
    assert.deepEqual(blob.spec.args[1], { role: 'bytes-out', name: 'buf', size: 'buflen', as: 'bytes' });
    assert.equal(blob.signature, 'export function virNodeGetBlob(conn: virConnectPtr, buflen: number | bigint): Buffer {');
    const counts = bound(entries, 'virNodeGetCounts');
    assert.deepEqual(counts.spec.args[1], { role: 'array-out', name: 'counts', elem: { ffi: 'unsigned long long', js: 'bigint' }, size: 'ncounts', used: 'ret' });
    assert.equal(counts.signature, 'export function virNodeGetCounts(conn: virConnectPtr, ncounts: number): bigint[] {');
    const alias = bound(entries, 'virNodeGetAlias');
    assert.deepEqual(alias.spec.args[1], { role: 'out', name: 'name', type: { ffi: 'const char *', js: 'string' } });
    assert.equal(alias.signature, 'export function virNodeGetAlias(conn: virConnectPtr, flags: number = 0): string | null {');
  });

  it('binds the other readings too: one struct, a buffer or an array read, a NULL-terminated list passed in', () => {
    const entries = `${nodeStats + getBlob + getCounts + getAlias}
      <function name='virNodeStats'><arg name='stats' role='struct-out'/></function>
      <function name='virNodeGetBlob'><arg name='buf' role='bytes-in'/><arg name='buflen' role='length' of='buf'/></function>
      <function name='virNodeGetCounts'><arg name='counts' role='array-in'/><arg name='ncounts' role='length' of='counts'/></function>
      <function name='virNodeGetAlias'><arg name='name' role='array-in'/></function>`;
    // One struct: the result (documented as a count) is kept beside it.
    assert.equal(bound(entries, 'virNodeStats').signature, 'export function virNodeStats(conn: virConnectPtr, nstats: number, flags: number = 0): { stats: virNodeStat; result: number } {');
    assert.equal(bound(entries, 'virNodeGetBlob').signature, 'export function virNodeGetBlob(conn: virConnectPtr, buf: Uint8Array | null): number {');
    assert.deepEqual(bound(entries, 'virNodeGetCounts').spec.args.slice(1), [
      { role: 'array-in', name: 'counts', elem: { ffi: 'unsigned long long', js: 'bigint' } }, { role: 'length', name: 'ncounts', ffi: 'int', of: 'counts' }]);
    // A list of strings passed in with no length: C finds its end by a NULL after the last.
    assert.deepEqual(bound(entries, 'virNodeGetAlias').spec.args[1], { role: 'array-in', name: 'name', elem: { ffi: 'const char *', js: 'string' }, nullTerminated: true });
  });

  it('refuses counts the table does not name after a text buffer, a string array or a number, and binds their role= with the strings freed', () => {
    const entries = added('virNodeRead', `<arg name='data' type='char *' info='filled'/><arg name='len' type='size_t' info='its size'/>`)
      + added('virNodeNames', `<arg name='names' type='char **' info='filled'/><arg name='count' type='int' info='its size'/>`)
      + added('virNodeLevel', `<arg name='level' type='int *' info='set'/><arg name='cell' type='int' info='which'/>`);
    const problems = unsettled(entries);
    assert.deepEqual(problems.map((p) => p.slice(0, p.indexOf(';'))), [
      'virNodeRead(data): char * followed by len, a count generator/policy/arg-roles.ts does not name',
      'virNodeNames(names): char ** followed by count, a count generator/policy/arg-roles.ts does not name',
      'virNodeLevel(level): int * followed by cell, a count generator/policy/arg-roles.ts does not name',
    ]);
    assert.match(problems[1] ?? '', /<function name='virNodeNames'><arg name='names' role='array-out' size='count' used='ret'\/><\/function> if libvirt fills the caller's array of count with strings the caller frees/);
    const fixed = `${entries}<function name='virNodeRead'><arg name='data' role='bytes-out' size='len' as='string'/></function>
      <function name='virNodeNames'><arg name='names' role='array-out' size='count' used='ret'/></function>
      <function name='virNodeLevel'><arg name='level' role='out'/></function>`;
    assert.equal(bound(fixed, 'virNodeRead').signature, 'export function virNodeRead(conn: virConnectPtr, len: number | bigint): string {');
    // Strings libvirt writes into the caller's array are the caller's: freed once read, as the rules' own char ** arrays.
    assert.deepEqual(bound(fixed, 'virNodeNames').spec.args[1], { role: 'array-out', name: 'names', elem: { ffi: 'char *', js: 'string' }, size: 'count', used: 'ret', freeElements: true });
    assert.equal(bound(fixed, 'virNodeLevel').signature, 'export function virNodeLevel(conn: virConnectPtr, cell: number): number {');
    const one = bound(`${entries}<function name='virNodeRead'><arg name='data' role='bytes-out' size='len' used='ret'/></function>
      <function name='virNodeNames'><arg name='names' role='out'/></function><function name='virNodeLevel'><arg name='level' role='out'/></function>`, 'virNodeNames');
    assert.deepEqual(one.spec.args[1], { role: 'out', name: 'names', type: { ffi: 'char *', js: 'string' }, owned: true });
  });

  it('needs no role= where the table or libvirt\'s documentation settles it: nr_stats, maxids, "(IN)", "NULL-terminated"', () => {
    const entries = `${stat}${added('virNodeMemoryStats', `<arg name='stats' type='virNodeStatPtr' info='filled'/><arg name='nr_stats' type='unsigned int' info='how many'/>`,
      "<return type='int' info='the number of stats filled, or -1'/>")}
      ${added('virNodeListIds', `<arg name='ids' type='int *' info='filled'/><arg name='maxids' type='int' info='its size'/>`, "<return type='int' info='how many, or -1'/>")}
      ${added('virNodePin', `<arg name='cpumap' type='unsigned char *' info='the CPUs (IN)'/><arg name='maplen' type='int' info='its size'/>`)}
      ${added('virNodeAddNames', `<arg name='names' type='const char **' info='NULL-terminated list of names'/>`)}`;
    assert.equal(bound(entries, 'virNodeMemoryStats').signature, 'export function virNodeMemoryStats(conn: virConnectPtr, nr_stats: number): virNodeStat[] {');
    assert.equal(bound(entries, 'virNodeListIds').signature, 'export function virNodeListIds(conn: virConnectPtr, maxids: number): number[] {');
    assert.deepEqual(bound(entries, 'virNodePin').spec.args.slice(1), [{ role: 'bytes-in', name: 'cpumap' }, { role: 'length', name: 'maplen', ffi: 'int', of: 'cpumap' }]);
    assert.deepEqual(bound(entries, 'virNodeAddNames').spec.args[1], { role: 'array-in', name: 'names', elem: { ffi: 'const char *', js: 'string' }, nullTerminated: true });
  });

  it('holds for the API XML\'s own functions too, and a policy entry for one settles it', () => {
    const own = apiXml(`<struct name='virConnect' file='libvirt-host' type='struct _virConnect'/>
      <typedef name='virConnectPtr' file='libvirt-host' type='virConnect *' version='0.0.1'/>${getCounts}`);
    assert.throws(() => generateFromXml({ api: own }), (err: unknown) => err instanceof GenerationError && err.problems.length === 1 && err.problems[0]?.startsWith('virNodeGetCounts(counts): unsigned long long *, not const') === true);
    const files = generateFromXml({ api: own, overrides: overrides("<function name='virNodeGetCounts'><arg name='counts' role='array-out' size='ncounts' used='ret'/></function>") });
    assert.match(files.get('libvirt-host.ts') ?? '', /export function virNodeGetCounts\(conn: virConnectPtr, ncounts: number\): bigint\[\] \{/);
  });
});

describe('generator: a result without a failure value or an owner is refused', () => {
  const counter = (ret: string, policy = ''): string => `${added('virNodeGetCounter', '', `<return type='${ret}' info='the counter'${policy}/>`)}`;

  it('refuses an unsigned or double result without error=, naming results.ts and error=', () => {
    const failure = (ret: string): string => `virNodeGetCounter return: ${ret}, a result type generator/policy/results.ts gives no failure value; ${say}`
      + "<function name='virNodeGetCounter'><return error='...'/></function> with the value it returns when it fails (0, or 4294967295 for (unsigned int)-1), "
      + "or <function name='virNodeGetCounter'><return error='none'/></function> if it cannot fail";
    for (const ret of ['unsigned int', 'unsigned long long', 'double']) assert.deepEqual(unsettled(counter(ret)), [failure(ret)], ret);
  });

  it('takes the failure value error= gives, and none where the function cannot fail', () => {
    assert.deepEqual(bound(counter('unsigned int', " error='0'"), 'virNodeGetCounter').spec.ret, { type: { ffi: 'unsigned int', js: 'number' }, use: 'value', error: 0 });
    assert.deepEqual(bound(`${counter('unsigned int')}<function name='virNodeGetCounter'><return error='none'/></function>`, 'virNodeGetCounter').spec.ret,
      { type: { ffi: 'unsigned int', js: 'number' }, use: 'value' });
    // int has its convention (-1): nothing to say.
    assert.equal((bound(counter('int'), 'virNodeGetCounter').spec.ret as { error: unknown }).error, -1);
  });

  it('refuses an unsigned char * or char ** result the runtime would pass on unreleased, as it refuses void *', () => {
    const raw = "which the runtime would pass on as a raw pointer and never release";
    assert.deepEqual(unsettled(counter('unsigned char *') + added('virNodeGetTags', '', "<return type='char **' info='the tags'/>")), [
      `virNodeGetCounter return: unsigned char *, ${raw}; ${say}<function name='virNodeGetCounter'><return bytes-size='ARG'/></function> if it is a byte buffer the caller frees, `
        + "its length written to argument ARG (as virSecretGetValue), or <function name='virNodeGetCounter'><return owned='false'/></function> if libvirt keeps the memory (passed on as a raw pointer)",
      `virNodeGetTags return: char **, ${raw} (memory the caller frees needs a reader in src/ffi/results.ts, or a skip with its reason in generator/policy/skips.ts); `
        + `${say}<function name='virNodeGetTags'><return owned='false'/></function> if libvirt keeps the memory (passed on as a raw pointer)`,
    ]);
  });

  it('binds such a result once its owner is said: a buffer the runtime frees, or memory libvirt keeps; a const buffer needs nothing', () => {
    const bytes = added('virNodeGetCounter', "<arg name='size' type='int *' info='set to its length'/>", "<return type='unsigned char *' info='the bytes'/>")
      + "<function name='virNodeGetCounter'><return bytes-size='size'/><arg name='size' role='count'/></function>";
    assert.equal(bound(bytes, 'virNodeGetCounter').signature, 'export function virNodeGetCounter(conn: virConnectPtr): Buffer {');
    const kept = `${added('virNodeGetTags', '', "<return type='char **' info='the tags'/>")}<function name='virNodeGetTags'><return owned='false'/></function>`;
    assert.equal(bound(kept, 'virNodeGetTags').signature, 'export function virNodeGetTags(conn: virConnectPtr): Pointer | null {');
    assert.equal(bound(counter('const unsigned char *'), 'virNodeGetCounter').signature, 'export function virNodeGetCounter(conn: virConnectPtr): Pointer | null {');
  });
});
