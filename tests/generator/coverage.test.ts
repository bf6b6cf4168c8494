// Every symbol of the four API XMLs is bound or skipped with a reason, and nothing is bound
// that the XML (or the overrides file) lacks. Checked against the generated modules themselves.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseApiXml, type RawApi } from '../../generator/raw-xml.js';
import { API_FILES, OVERRIDES_FILE } from '../../generator/generate.js';
import { skippedSymbols } from '../../generator/policy/skips.js';
import * as generated from '../../generated/index.js';
import { boundSymbols } from '../../generated/api-symbols.js';

const root = resolve(import.meta.dirname, '../..');
const read = (f: string): RawApi => parseApiXml(readFileSync(join(root, 'api-xml', f), 'utf8'));
const apis = API_FILES.map(read);
const overrides = read(OVERRIDES_FILE);
const exported = generated as unknown as Record<string, unknown>;

type Kind = 'function' | 'functype' | 'enum' | 'macro' | 'struct' | 'typedef' | 'variable';
function xmlSymbols(api: RawApi): [string, Kind][] {
  return [
    ...api.functions.map((s) => [s.name, 'function'] as [string, Kind]),
    ...api.functypes.map((s) => [s.name, 'functype'] as [string, Kind]),
    ...api.enums.map((s) => [s.name, 'enum'] as [string, Kind]),
    ...api.macros.map((s) => [s.name, 'macro'] as [string, Kind]),
    ...api.structs.filter((s) => s.fields !== null).map((s) => [s.name, 'struct'] as [string, Kind]),
    ...api.typedefs.map((s) => [s.name, 'typedef'] as [string, Kind]),
    ...api.variables.map((s) => [s.name, 'variable'] as [string, Kind]),
  ];
}

describe('coverage of the API XMLs (libvirt 9.0.0)', () => {
  const inXml = apis.flatMap(xmlSymbols);
  const bound = new Map(boundSymbols.map((s) => [s[0], s]));

  it('has the counts of libvirt 9.0.0', () => {
    const count = (k: Kind): number => inXml.filter(([, kind]) => kind === k).length;
    assert.equal(count('function'), 558);
    assert.equal(apis[0]?.enums.length, 1029);
    assert.equal(apis[0]?.macros.length, 268);
  });

  it('binds every symbol or lists it as skipped with a reason', () => {
    const missing = inXml.filter(([name]) => !bound.has(name) && !skippedSymbols[name]).map(([n, k]) => `${k} ${n}`);
    assert.deepEqual(missing, []);
    for (const [name, why] of Object.entries(skippedSymbols)) assert.ok(why.length > 10, `${name} needs a reason`);
    assert.equal(inXml.filter(([n, k]) => k === 'function' && skippedSymbols[n]).length, 0, 'no function is skipped');
    const names = new Set(inXml.map(([n]) => n));
    assert.deepEqual(Object.keys(skippedSymbols).filter((n) => !names.has(n)), [], 'every skip names a symbol of the XMLs');
  });

  it('binds nothing that the XMLs and the overrides do not declare', () => {
    const declared = new Set([...inXml, ...xmlSymbols(overrides)].map(([n]) => n));
    // Opaque handle typedefs (virDomainPtr) are typedefs in the XML; that is where they come from.
    const extra = boundSymbols.filter(([name]) => !declared.has(name)).map(([n]) => n);
    assert.deepEqual(extra, []);
  });

  it('exports a callable for every function and the right value for every enum and constant macro', () => {
    for (const api of apis) {
      for (const f of api.functions) assert.equal(typeof exported[f.name], 'function', f.name);
      for (const e of api.enums) assert.equal(typeof exported[e.name], 'number', e.name);
      for (const m of api.macros) {
        if (skippedSymbols[m.name]) continue;
        if (m.string !== null) assert.equal(exported[m.name], m.string, m.name);
        else if (m.params !== null) assert.equal(typeof exported[m.name], 'function', m.name);
        else assert.equal(typeof exported[m.name], 'number', m.name);
      }
    }
    assert.equal(exported['VIR_DOMAIN_RUNNING'], 1);
    assert.equal(exported['VIR_UUID_STRING_BUFLEN'], 37);
    assert.equal(exported['VIR_DOMAIN_MEMORY_PARAM_UNLIMITED'], 9007199254740991);
    assert.equal(exported['VIR_CONNECT_LIST_DOMAINS_ACTIVE'], 1);
  });

  it('records every function with the version libvirt gives it', () => {
    for (const api of apis) {
      for (const f of api.functions) assert.equal(bound.get(f.name)?.[4], f.version, f.name);
    }
  });

  it('evaluates function-like macros in TypeScript', () => {
    const m = exported as { VIR_CPU_MAPLEN: (n: number) => number; VIR_CPU_USED: (m: Uint8Array, c: number) => boolean; LIBVIR_CHECK_VERSION: (a: number, b: number, c: number) => boolean };
    assert.equal(m.VIR_CPU_MAPLEN(9), 2);
    assert.equal(m.VIR_CPU_USED(Uint8Array.of(0b100), 2), true);
    assert.equal(m.VIR_CPU_USED(Uint8Array.of(0b100), 1), false);
    assert.equal(m.LIBVIR_CHECK_VERSION(9, 0, 0), true);
    assert.equal(m.LIBVIR_CHECK_VERSION(9, 0, 1), false);
  });
});
