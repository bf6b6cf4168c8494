// tsvirt api [--missing] [--kind K] [--json]: every bound symbol with its `since`; --missing lists
// the ones the loaded libvirt lacks (functions absent from the library, or newer than it).
import { boundSymbols, type BoundSymbol } from '../../generated/api-symbols.js';
import { loadedLibvirtVersion, parseVersion, formatVersion, hasSymbol } from '../ffi/index.js';
import { noArguments, parseCommandArgs, printJson, printTable, type Io } from './args.js';
import { choice } from './option-tables.js';

export interface ApiRow { name: string; kind: BoundSymbol[1]; header: string; lib: BoundSymbol[3]; since: string | null; available: boolean }

/** Whether the loaded libraries provide a symbol: functions are looked up, the rest go by version. */
export function apiRows(): ApiRow[] {
  const loaded = loadedLibvirtVersion();
  return boundSymbols.map(([name, kind, header, lib, since]) => {
    const newEnough = since === null || parseVersion(since) <= loaded;
    const available = kind === 'function' ? newEnough && hasSymbol(lib, name) : newEnough;
    return { name, kind, header, lib, since, available };
  });
}

const kinds: readonly BoundSymbol[1][] = ['function', 'functype', 'enum', 'macro', 'struct', 'handle', 'typedef', 'variable'];

export function runApi(argv: string[], io: Io): number {
  const { values, positionals } = parseCommandArgs(argv, { missing: { type: 'boolean' }, json: { type: 'boolean' }, kind: { type: 'string' } });
  noArguments('api', positionals);
  if (values.kind !== undefined) choice('--kind', values.kind, kinds);
  let rows = apiRows();
  if (values.kind) rows = rows.filter((r) => r.kind === values.kind);
  if (values.missing) rows = rows.filter((r) => !r.available);
  if (values.json) { printJson(io, rows); return 0; }
  printTable(io, ['SYMBOL', 'KIND', 'SINCE', 'HEADER', 'AVAILABLE'], rows.map((r) => [r.name, r.kind, r.since ?? '?', r.header, r.available ? 'yes' : 'no']));
  io.stdout.write(`\n${rows.length} symbols${values.missing ? ` missing from the loaded libvirt ${formatVersion(loadedLibvirtVersion())}` : ''}\n`);
  return 0;
}
