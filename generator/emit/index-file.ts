// generated/index.ts (re-exports every header module) and generated/api-symbols.ts (the table
// of every bound symbol with its `since`, which `tsvirt api` prints).
import type { Bound } from '../generate.js';
import { paramTypeFromDoc } from '../policy/param-types.js';

export function emitIndex(headers: string[]): string {
  const lines = headers.map((h) => `export * from './${h}.js';`);
  lines.push("export { apiInfo, boundSymbols, typedParameterTypes } from './api-symbols.js';");
  lines.push("export type { BoundSymbol } from './api-symbols.js';");
  return `${lines.join('\n')}\n`;
}

/** Every symbol of `bound.api`, which the skipped ones have already left. */
export function emitSymbolTable(bound: Bound): string {
  const { api } = bound;
  const rows = api.symbols.map((s) => `  [${JSON.stringify(s.name)}, ${JSON.stringify(s.kind)}, ${JSON.stringify(s.file)}, ${JSON.stringify(s.lib)}, ${JSON.stringify(s.since)}],`);
  return [
    '/** A bound symbol: name, kind, header module, library, libvirt version that introduced it. */',
    "export type BoundSymbol = readonly [name: string, kind: 'function' | 'functype' | 'enum' | 'macro' | 'struct' | 'handle' | 'typedef' | 'variable', header: string, lib: 'libvirt' | 'libvirt-qemu' | 'libvirt-lxc' | 'libvirt-admin', since: string | null];",
    '',
    '/** Where these bindings came from. */',
    `export const apiInfo = ${JSON.stringify({ libvirtVersion: api.libvirtVersion, inputs: api.inputs })} as const;`,
    '',
    'export const boundSymbols: readonly BoundSymbol[] = [',
    ...rows,
    '];',
    '',
    ...typedParameterTable(bound),
  ].join('\n');
}

/** Typed-parameter names (the `string=` macros) with their value types, where known. */
function typedParameterTable(bound: Bound): string[] {
  const rows: string[] = [];
  for (const { macro, value } of bound.macros) {
    if (value === 'function' || value.kind !== 'string') continue;
    const type = macro.policy['param-type'] ?? paramTypeFromDoc(macro.doc);
    rows.push(`  ${macro.name}: { field: ${JSON.stringify(value.value)}, type: ${type === null ? 'null' : JSON.stringify(type)} },`);
  }
  return [
    "/** Each typed-parameter name macro: the field name and its value type (null where libvirt's docs do not state one). */",
    "export const typedParameterTypes: Readonly<Record<string, { field: string; type: 'int' | 'uint' | 'llong' | 'ullong' | 'double' | 'boolean' | 'string' | null }>> = {",
    ...rows,
    '};',
    '',
  ];
}
