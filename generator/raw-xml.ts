// Stage 1: libvirt's API XML (and the overrides file, same schema) as typed records that mirror
// the XML one to one. No interpretation happens here.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface RawArg { name: string; type: string; info: string; attrs: Record<string, string> }
export interface RawReturn { type: string; info: string; attrs: Record<string, string> }
export interface RawFunction {
  name: string; file: string; module: string; version: string | null; info: string;
  ret: RawReturn | null; args: RawArg[]; attrs: Record<string, string>;
}
export interface RawEnum { name: string; file: string; value: string | null; type: string; version: string | null; info: string }
export interface RawMacro {
  name: string; file: string; version: string | null; info: string;
  params: string | null; raw: string | null; string: string | null; attrs: Record<string, string>;
}
export interface RawField { name: string; type: string; info: string; union: RawField[] | null; attrs: Record<string, string> }
export interface RawStruct { name: string; file: string; type: string; version: string | null; info: string; fields: RawField[] | null }
export interface RawTypedef { name: string; file: string; type: string; version: string | null; info: string }
export interface RawVariable { name: string; file: string; type: string; version: string | null; info: string }
export interface RawFile { name: string; summary: string; exports: { symbol: string; type: string }[] }

export interface RawApi {
  /** `<api name>`: libvirt, libvirt-qemu, libvirt-lxc, libvirt-admin, or tsvirt-overrides. */
  name: string;
  files: RawFile[];
  functions: RawFunction[];
  functypes: RawFunction[];
  enums: RawEnum[];
  macros: RawMacro[];
  structs: RawStruct[];
  typedefs: RawTypedef[];
  variables: RawVariable[];
}

const repeated = new Set(['file', 'exports', 'function', 'functype', 'arg', 'enum', 'macro', 'struct', 'field', 'typedef', 'variable']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  cdataPropName: '#cdata',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  isArray: (name, _jpath, _leaf, isAttribute) => !isAttribute && repeated.has(name),
});

type Node = Record<string, unknown>;
const list = (n: unknown): Node[] => (Array.isArray(n) ? (n as Node[]) : []);
const str = (n: Node, key: string): string => (typeof n[key] === 'string' ? (n[key] as string) : '');
const opt = (n: Node, key: string): string | null => (typeof n[key] === 'string' ? (n[key] as string) : null);

/** Text of an `<info>` child (CDATA or plain) or of an `info` attribute. */
function infoOf(n: Node): string {
  const info = n['info'];
  if (typeof info === 'string') return info.trim();
  if (info && typeof info === 'object') {
    const o = info as Node;
    return String(o['#cdata'] ?? o['#text'] ?? '').trim();
  }
  return '';
}

/** The attributes that are plain strings: kept so overrides can carry tsvirt policy attributes. */
function attrsOf(n: Node): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(n)) if (typeof v === 'string' && !k.startsWith('#')) out[k] = v;
  return out;
}

/** The elements each element of the schema may hold; any other is a typo in hand-written XML. */
const childElements: Readonly<Record<string, readonly string[]>> = {
  api: ['files', 'symbols'], files: ['file'], file: ['summary', 'description', 'exports'],
  symbols: ['function', 'functype', 'enum', 'macro', 'struct', 'typedef', 'variable'],
  function: ['info', 'return', 'arg'], functype: ['info', 'return', 'arg'], struct: ['info', 'field'], field: ['union'], union: ['field'],
  enum: ['info'], macro: ['info'], typedef: ['info'], variable: ['info'],
};

/** Elements the schema has at most once in their parent: a second one would be dropped unread. */
const singleElements: ReadonlySet<string> = new Set(['files', 'symbols', 'summary', 'description', 'info', 'return', 'union']);

/** Elements `n` (a `<name>`) holds that the schema does not have (or has once), with where they are. */
function unknownElements(name: string, n: unknown, where: string): string[] {
  const allowed = childElements[name];
  if (allowed === undefined || n === null || typeof n !== 'object') return [];
  return (Array.isArray(n) ? n : [n]).flatMap((item: Node) => Object.entries(item).flatMap(([k, v]) => {
    if (k.startsWith('#') || typeof v !== 'object' || v === null) return [];
    const at = `${where} <${name}${typeof item['name'] === 'string' ? ` name='${item['name']}'` : ''}>`;
    if (!allowed.includes(k)) return [`unknown element <${k}> in${at}`];
    return singleElements.has(k) && Array.isArray(v) ? [`<${k}> given ${v.length} times in${at}`] : unknownElements(k, v, at);
  }));
}

/**
 * `strict` (hand-written XML, the overrides): an element the schema does not have is an error,
 * not skipped (a misspelt `<retrun>` would otherwise be ignored).
 */
export function parseApiXml(text: string, fileName = 'API XML', strict = false): RawApi {
  // The parser reads what it can of malformed XML: a dropped `>` must not go unnoticed.
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new Error(`${fileName}: malformed XML at ${valid.err.line}${valid.err.col === undefined ? '' : `:${valid.err.col}`}: ${valid.err.msg}`);
  const doc = parser.parse(text) as Node;
  const api = doc['api'] as Node | undefined;
  if (!api) throw new Error(`${fileName}: not a libvirt API description: no <api> element`);
  const unknown = strict ? unknownElements('api', api, '') : [];
  if (unknown.length > 0) throw new Error(`${fileName}: ${unknown.join('; ')}`);
  const symbols = (api['symbols'] ?? {}) as Node;
  return {
    name: str(api, 'name'),
    files: list((api['files'] as Node | undefined)?.['file']).map(rawFile),
    functions: list(symbols['function']).map(rawFunction),
    functypes: list(symbols['functype']).map(rawFunction),
    enums: list(symbols['enum']).map((n) => ({ name: str(n, 'name'), file: str(n, 'file'), value: opt(n, 'value'), type: str(n, 'type'), version: opt(n, 'version'), info: infoOf(n) })),
    macros: list(symbols['macro']).map((n) => ({ name: str(n, 'name'), file: str(n, 'file'), version: opt(n, 'version'), info: infoOf(n), params: opt(n, 'params'), raw: opt(n, 'raw'), string: opt(n, 'string'), attrs: attrsOf(n) })),
    structs: list(symbols['struct']).map(rawStruct),
    typedefs: list(symbols['typedef']).map((n) => ({ name: str(n, 'name'), file: str(n, 'file'), type: str(n, 'type'), version: opt(n, 'version'), info: infoOf(n) })),
    variables: list(symbols['variable']).map((n) => ({ name: str(n, 'name'), file: str(n, 'file'), type: str(n, 'type'), version: opt(n, 'version'), info: infoOf(n) })),
  };
}

function rawFile(n: Node): RawFile {
  return {
    name: str(n, 'name'),
    summary: typeof n['summary'] === 'string' ? (n['summary'] as string).trim() : '',
    exports: list(n['exports']).map((e) => ({ symbol: str(e, 'symbol'), type: str(e, 'type') })),
  };
}

function rawFunction(n: Node): RawFunction {
  const ret = n['return'] as Node | undefined;
  return {
    name: str(n, 'name'), file: str(n, 'file'), module: str(n, 'module'), version: opt(n, 'version'), info: infoOf(n),
    ret: ret ? { type: str(ret, 'type'), info: str(ret, 'info'), attrs: attrsOf(ret) } : null,
    args: list(n['arg']).map((a) => ({ name: str(a, 'name'), type: str(a, 'type'), info: str(a, 'info'), attrs: attrsOf(a) })),
    attrs: attrsOf(n),
  };
}

function rawStruct(n: Node): RawStruct {
  const fields = n['field'];
  return {
    name: str(n, 'name'), file: str(n, 'file'), type: str(n, 'type'), version: opt(n, 'version'), info: infoOf(n),
    fields: Array.isArray(fields) ? (fields as Node[]).map(rawField) : null,
  };
}

function rawField(n: Node): RawField {
  const union = n['union'] as Node | undefined;
  return {
    name: str(n, 'name'), type: str(n, 'type'), info: str(n, 'info'),
    union: union ? list(union['field']).map(rawField) : null,
    attrs: attrsOf(n),
  };
}
