// Stage 1: libvirt's API XML (and the overrides file, same schema) as typed records that mirror
// the XML one to one. No interpretation happens here.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { attributeValueProblem, lineColumn, lineStarts } from './xml-text.js';

/**
 * What every element record has: all its attributes as written (the overrides carry tsvirt's
 * policy in attributes of their own) and where it starts, `file:line:column`, for messages.
 */
export interface RawElement { attrs: Record<string, string>; at: string }
export interface RawArg extends RawElement { name: string; type: string; info: string }
export interface RawReturn extends RawElement { type: string; info: string }
export interface RawFunction extends RawElement {
  name: string; file: string; module: string; version: string | null; info: string;
  ret: RawReturn | null; args: RawArg[];
}
export interface RawEnum extends RawElement { name: string; file: string; value: string | null; type: string; version: string | null; info: string }
export interface RawMacro extends RawElement {
  name: string; file: string; version: string | null; info: string;
  params: string | null; raw: string | null; string: string | null;
}
export interface RawField extends RawElement { name: string; type: string; info: string; union: RawField[] | null }
export interface RawStruct extends RawElement { name: string; file: string; type: string; version: string | null; info: string; fields: RawField[] | null }
export interface RawTypedef extends RawElement { name: string; file: string; type: string; version: string | null; info: string }
export interface RawVariable extends RawElement { name: string; file: string; type: string; version: string | null; info: string }
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

/**
 * Attribute names carry this prefix in the parsed tree: without it an attribute and a child
 * element of the same name (`info=` and `<info>`, or a misspelt `<retrun/>`) would be one key.
 */
const ATTR = '@';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  cdataPropName: '#cdata',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  // Character references (&#99;) too, which XML has; the named entities of HTML it adds are refused in attributes (attributeValueProblem).
  htmlEntities: true,
  // Where each element starts, for messages that name a line.
  captureMetaData: true,
  isArray: (name, _jpath, _leaf, isAttribute) => !isAttribute && repeated.has(name),
});
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

type Node = Record<string, unknown>;
/** `line:column` of where an element starts in the text; '' for one the parser gave no offset (an element without attributes or children). */
type Locate = (n: Node) => string;

const list = (n: unknown): Node[] => (Array.isArray(n) ? (n as Node[]) : []);
const str = (n: Node, key: string): string => opt(n, key) ?? '';
const opt = (n: Node, key: string): string | null => {
  const v = n[`${ATTR}${key}`];
  return typeof v === 'string' ? v : null;
};

/** Text of an `<info>` child (CDATA or plain) or of an `info` attribute. */
function infoOf(n: Node): string {
  const info = n[`${ATTR}info`] ?? n['info'];
  if (typeof info === 'string') return info.trim();
  if (info && typeof info === 'object') {
    const o = info as Node;
    return String(o['#cdata'] ?? o['#text'] ?? '').trim();
  }
  return '';
}

/** The element's attributes, by name: kept whole so the overrides can carry tsvirt's policy attributes. */
function attrsOf(n: Node): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(n)) if (k.startsWith(ATTR) && typeof v === 'string') out[k.slice(ATTR.length)] = v;
  return out;
}

/** The `line:column` of an element (1-based, as editors count), from the text's line starts. */
function locator(starts: readonly number[]): Locate {
  return (n) => {
    const offset = ((n as Record<symbol, unknown>)[META] as { startIndex?: number } | undefined)?.startIndex;
    return offset === undefined ? '' : lineColumn(starts, offset);
  };
}

/** The elements each element of the schema may hold; any other is a typo in hand-written XML. */
const childElements: Readonly<Record<string, readonly string[]>> = {
  api: ['files', 'symbols'], files: ['file'], file: ['summary', 'description', 'exports'],
  symbols: ['function', 'functype', 'enum', 'macro', 'struct', 'typedef', 'variable'],
  function: ['info', 'return', 'arg'], functype: ['info', 'return', 'arg'], struct: ['info', 'field'], field: ['union'], union: ['field'],
  enum: ['info'], macro: ['info'], typedef: ['info'], variable: ['info'],
};

/**
 * The attributes of libvirt's schema that each element of a symbol has, as its apibuild.py
 * writes them (lib= is tsvirt's: the library of an added function). module= names the C source
 * file that defines a function (virerror for virterror.h's): it chooses no library or generated
 * module, and is unused. The records keep every attribute; override-attributes.ts refuses in the
 * overrides any an element has neither here nor as policy.
 */
export const schemaAttributes = {
  function: ['name', 'file', 'module', 'version', 'info', 'lib'], functype: ['name', 'file', 'module', 'version', 'info'],
  return: ['type', 'info'], arg: ['name', 'type', 'info'],
  // value_hex and value_bitshift restate value= in other notations; value= is what is read.
  enum: ['name', 'file', 'value', 'type', 'version', 'info', 'value_hex', 'value_bitshift'],
  macro: ['name', 'file', 'version', 'info', 'params', 'raw', 'string'],
  struct: ['name', 'file', 'type', 'version', 'info'], field: ['name', 'type', 'info'],
  typedef: ['name', 'file', 'type', 'version', 'info'], variable: ['name', 'file', 'type', 'version', 'info'],
} as const satisfies Record<string, readonly string[]>;

/** The attributes of the schema's other elements, which no record keeps: any other is checked here. */
const containerAttributes: Readonly<Record<string, readonly string[]>> = {
  api: ['name'], files: [], file: ['name'], summary: [], description: [], exports: ['symbol', 'type'], symbols: [], info: [], union: [],
};

/** Elements the schema has at most once in their parent: a second one would be dropped unread. */
const singleElements: ReadonlySet<string> = new Set(['files', 'symbols', 'summary', 'description', 'info', 'return', 'union']);

/**
 * Elements `n` (a `<name>`) holds that the schema does not have (or has once), and attributes of
 * the elements no record keeps, with where they are.
 */
function schemaProblems(name: string, n: unknown, where: string, locate: Locate): string[] {
  // An element the schema gives no children (<arg>) holds none.
  const allowed = childElements[name] ?? [];
  if (n === null || typeof n !== 'object') return [];
  return (Array.isArray(n) ? n : [n]).flatMap((item: Node) => {
    const at = `${where} <${name}${typeof item[`${ATTR}name`] === 'string' ? ` name='${item[`${ATTR}name`] as string}'` : ''}>`;
    const known = containerAttributes[name];
    const attrs = known === undefined ? [] : Object.keys(attrsOf(item)).filter((k) => !known.includes(k))
      .map((k) => `unknown attribute ${k}= at ${locate(item)} in${at} (a <${name}> takes ${known.length > 0 ? known.join(', ') : 'no attributes'})`);
    return [...attrs, ...Object.entries(item).flatMap(([k, v]) => {
      if (k.startsWith('#') || k.startsWith(ATTR)) return [];
      if (!allowed.includes(k)) return [`unknown element <${k}> in${at}`];
      return singleElements.has(k) && Array.isArray(v) ? [`<${k}> given ${v.length} times in${at}`] : schemaProblems(k, v, at, locate);
    })];
  });
}

/**
 * `strict` (hand-written XML, the overrides): an element the schema does not have is an error,
 * not skipped (a misspelt `<retrun>` would otherwise be ignored), as is an attribute on an
 * element whose attributes no record keeps (`<symbols>`, `<union>`).
 */
export function parseApiXml(text: string, fileName = 'API XML', strict = false): RawApi {
  // The parser reads what it can of malformed XML: a dropped `>` must not go unnoticed.
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new Error(`${fileName}: malformed XML at ${valid.err.line}${valid.err.col === undefined ? '' : `:${valid.err.col}`}: ${valid.err.msg}`);
  const starts = lineStarts(text);
  const attrProblem = attributeValueProblem(text);
  if (attrProblem) throw new Error(`${fileName}: malformed XML at ${lineColumn(starts, attrProblem.offset)}: ${attrProblem.problem}`);
  const doc = parser.parse(text) as Node;
  const api = doc['api'] as Node | undefined;
  if (!api) throw new Error(`${fileName}: not a libvirt API description: no <api> element`);
  const locate = locator(starts);
  const unknown = strict ? schemaProblems('api', api, '', locate) : [];
  if (unknown.length > 0) throw new Error(`${fileName}: ${unknown.join('; ')}`);
  const symbols = (api['symbols'] ?? {}) as Node;
  // An element's record: its attributes, and where it is (the file alone where the parser gave no offset).
  const element = (n: Node): RawElement => ({ attrs: attrsOf(n), at: [fileName, locate(n)].filter((x) => x !== '').join(':') });
  const r = new RecordReader(element);
  return {
    name: str(api, 'name'),
    files: list((api['files'] as Node | undefined)?.['file']).map(rawFile),
    functions: list(symbols['function']).map((n) => r.function(n)),
    functypes: list(symbols['functype']).map((n) => r.function(n)),
    enums: list(symbols['enum']).map((n) => ({ ...element(n), name: str(n, 'name'), file: str(n, 'file'), value: opt(n, 'value'), type: str(n, 'type'), version: opt(n, 'version'), info: infoOf(n) })),
    macros: list(symbols['macro']).map((n) => ({ ...element(n), name: str(n, 'name'), file: str(n, 'file'), version: opt(n, 'version'), info: infoOf(n), params: opt(n, 'params'), raw: opt(n, 'raw'), string: opt(n, 'string') })),
    structs: list(symbols['struct']).map((n) => r.struct(n)),
    typedefs: list(symbols['typedef']).map((n) => ({ ...element(n), name: str(n, 'name'), file: str(n, 'file'), type: str(n, 'type'), version: opt(n, 'version'), info: infoOf(n) })),
    variables: list(symbols['variable']).map((n) => ({ ...element(n), name: str(n, 'name'), file: str(n, 'file'), type: str(n, 'type'), version: opt(n, 'version'), info: infoOf(n) })),
  };
}

function rawFile(n: Node): RawFile {
  return {
    name: str(n, 'name'),
    summary: typeof n['summary'] === 'string' ? (n['summary'] as string).trim() : '',
    exports: list(n['exports']).map((e) => ({ symbol: str(e, 'symbol'), type: str(e, 'type') })),
  };
}

/** Records of the elements that hold others, each with its attributes and place (`element`). */
class RecordReader {
  constructor(private readonly element: (n: Node) => RawElement) {}

  function(n: Node): RawFunction {
    const ret = n['return'] as Node | undefined;
    return {
      ...this.element(n), name: str(n, 'name'), file: str(n, 'file'), module: str(n, 'module'), version: opt(n, 'version'), info: infoOf(n),
      ret: ret ? { ...this.element(ret), type: str(ret, 'type'), info: str(ret, 'info') } : null,
      args: list(n['arg']).map((a) => ({ ...this.element(a), name: str(a, 'name'), type: str(a, 'type'), info: str(a, 'info') })),
    };
  }

  struct(n: Node): RawStruct {
    const fields = n['field'];
    return {
      ...this.element(n), name: str(n, 'name'), file: str(n, 'file'), type: str(n, 'type'), version: opt(n, 'version'), info: infoOf(n),
      fields: Array.isArray(fields) ? (fields as Node[]).map((f) => this.field(f)) : null,
    };
  }

  field(n: Node): RawField {
    const union = n['union'] as Node | undefined;
    return {
      ...this.element(n), name: str(n, 'name'), type: str(n, 'type'), info: str(n, 'info'),
      union: union ? list(union['field']).map((f) => this.field(f)) : null,
    };
  }
}
