// generator/policy/skips.ts applied to the IR, for every kind of symbol. A skipped symbol is taken
// out before anything is bound, so no module emits it and no binding can name it. A symbol that
// still names one (a function taking a skipped struct, a macro built on a skipped constant) is
// refused here, naming the skip: bound without it, it would be refused anyway, as an "unmapped"
// C type whose hint points at the type map instead of at the skip.
import { symbolsOf, type IrApi, type IrField, type IrSymbol } from './ir.js';
import { didYouMean } from './near-name.js';

export const SKIPS_FILE = 'generator/policy/skips.ts';

/** Symbol name -> why it is not bound. */
export type SkipTable = Readonly<Record<string, string>>;

export interface SkippedSymbol { name: string; kind: IrSymbol['kind']; why: string }

export interface SkipResult {
  /** The API without the skipped symbols, nor those refused for naming one. */
  api: IrApi;
  skipped: SkippedSymbol[];
  /** Entries that cannot be honoured, and symbols that name a skipped one. */
  problems: string[];
}

/**
 * Symbols the generated modules name themselves, not through a C type the check below reads:
 * skipping one would leave a dangling reference (or silently lose what it provides).
 */
const namedByGenerator: SkipTable = {
  virErrorNumber: 'the generated modules register its names for LibvirtError.codeName',
  virErrorDomain: 'the generated modules register its names for LibvirtError.domainName',
};

/**
 * `api` without the symbols `skips` names. An entry naming no symbol is not a problem here:
 * see unknownSkips.
 */
export function applySkips(api: IrApi, skips: SkipTable): SkipResult {
  const problems = Object.keys(skips).flatMap((name) => entryProblems(api, name));
  const skipped = skippedBy(api, skips);
  const dependents = dependentsOf(api, new Set(skipped.map((s) => s.name)));
  problems.push(...dependents.map((d) => describeDependent(d, dependents, api)));
  const gone = new Set([...skipped, ...dependents].map((s) => s.name));
  // Overrides for a symbol that is skipped would be dropped unread: one of the two is a mistake.
  problems.push(...skipped.filter((s) => api.overridesNamed.has(s.name)).map((s) =>
    `${s.kind} ${s.name} is skipped, but the overrides give it policy or add it: remove the skip or the overrides entry`));
  return { api: { ...api, symbols: api.symbols.filter((s) => !gone.has(s.name)) }, skipped, problems };
}

/** Why the entry for `name` cannot be honoured in any input, if it cannot. */
function entryProblems(api: IrApi, name: string): string[] {
  const needed = namedByGenerator[name];
  if (needed !== undefined) return [`${name} cannot be skipped: ${needed}`];
  // An opaque struct is no symbol of the IR: its pointer typedef is the handle, and that is what is bound.
  const handle = symbolsOf(api, 'handle').find((h) => h.opaque === name);
  return handle === undefined ? [] : [`${name} is the opaque struct of handle ${handle.name}: skip ${handle.name} instead`];
}

/**
 * The entries that name no symbol of `api` (nor an opaque struct, which entryProblems refuses),
 * each with a near name when there is one: a misspelt entry skips nothing.
 */
export function unknownSkips(api: IrApi, skips: SkipTable): string[] {
  const names = new Set(api.symbols.flatMap((s) => (s.kind === 'enum' ? [s.name, s.enumType] : s.kind === 'handle' ? [s.name, s.opaque] : [s.name])));
  return Object.keys(skips).filter((n) => !names.has(n)).map((n) => `${n}${didYouMean(n, names)}`);
}

/** Every symbol an entry names, and the constants of an enum type it names. */
function skippedBy(api: IrApi, skips: SkipTable): SkippedSymbol[] {
  return api.symbols.flatMap((s) => {
    const type = s.kind === 'enum' ? s.enumType : undefined;
    // Refused by entryProblems, and kept: skipped, it would also make dependents of what names it.
    if (namedByGenerator[s.name] !== undefined || (type !== undefined && namedByGenerator[type] !== undefined)) return [];
    const why = skips[s.name] ?? (type === undefined ? undefined : skips[type]);
    return why === undefined ? [] : [{ name: s.name, kind: s.kind, why }];
  });
}

/** A symbol that names `uses`, which is skipped or itself such a symbol. */
interface Dependent { name: string; kind: IrSymbol['kind']; uses: string }

/** The symbols that name a skipped one, directly or through others (a typedef, a macro). */
function dependentsOf(api: IrApi, skipped: ReadonlySet<string>): Dependent[] {
  const gone = new Set(skipped);
  const pending = new Map(api.symbols.filter((s) => !gone.has(s.name)).map((s) => [s, namesUsedBy(s)]));
  const out: Dependent[] = [];
  for (let found = true; found;) {
    found = false;
    for (const [s, names] of pending) {
      const uses = names.find((n) => gone.has(n));
      if (uses === undefined) continue;
      out.push({ name: s.name, kind: s.kind, uses });
      gone.add(s.name);
      pending.delete(s);
      found = true;
    }
  }
  // In the order of the API, as every other refusal lists its symbols, not in the order they were found.
  const order = new Map(api.symbols.map((s, i) => [s.name, i]));
  return out.sort((a, b) => (order.get(a.name) as number) - (order.get(b.name) as number));
}

const WORD = /[A-Za-z_]\w*/g;
const wordsOf = (texts: readonly (string | null | undefined)[]): string[] => texts.flatMap((t) => t?.match(WORD) ?? []);
const flatFields = (fields: readonly IrField[]): IrField[] => fields.flatMap((f) => [f, ...flatFields(f.union ?? [])]);

/**
 * The names in what a symbol is made of: C types (a typedef, a struct, an array length macro),
 * the names in a macro's expression, and the types policy names (elem=, enum=). Keywords and
 * argument names come along; they are no symbol's name, so they match nothing.
 */
function namesUsedBy(s: IrSymbol): string[] {
  switch (s.kind) {
    case 'function': return wordsOf([s.ret.cType, ...s.params.flatMap((p) => [p.cType, p.policy['elem']])]);
    case 'functype': return wordsOf([s.ret.cType, ...s.params.map((p) => p.cType)]);
    case 'struct': return wordsOf(flatFields(s.fields).flatMap((f) => [f.cType, f.policy['enum']]));
    case 'typedef': return wordsOf([s.target]);
    case 'variable': return wordsOf([s.cType]);
    case 'macro': return wordsOf([s.raw]);
    // An enum constant's value is already a number; its enum type, when skipped, skips it too.
    case 'enum': case 'handle': return [];
  }
}

/** "function f uses typedef T, which uses struct S, which is skipped: ..." */
function describeDependent(d: Dependent, all: readonly Dependent[], api: IrApi): string {
  const byName = new Map(all.map((x) => [x.name, x]));
  const chain = [d.uses];
  for (let next = byName.get(d.uses); next !== undefined; next = byName.get(next.uses)) chain.push(next.uses);
  const root = chain[chain.length - 1] as string;
  const named = chain.map((n) => `${kindOf(api, n)} ${n}`).join(', which uses ');
  return `${d.kind} ${d.name} uses ${named}, which is skipped: skip ${d.name} too (with its reason), or do not skip ${root}`;
}

function kindOf(api: IrApi, name: string): string {
  const s = api.symbols.find((x) => x.name === name);
  return s === undefined || (s.kind === 'typedef' && s.target === 'enum') ? 'enum type' : s.kind;
}
