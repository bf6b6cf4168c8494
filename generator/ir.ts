// Stage 2: the IR. Every symbol of every input, one record with a `kind`, overrides merged,
// enum values resolved to numbers, versions parsed. Still in C terms: policy comes after.

export type LibraryId = 'libvirt' | 'libvirt-qemu' | 'libvirt-lxc' | 'libvirt-admin';

interface Base {
  name: string;
  /** The header module (libvirt-domain, ...): decides the generated file. */
  file: string;
  lib: LibraryId;
  /** libvirt release that introduced the symbol; null when the XML predates `version=`. */
  since: string | null;
  doc: string;
}

export interface IrParam {
  name: string;
  cType: string;
  doc: string;
  /** tsvirt policy attributes from the overrides file (role, size, count, ...). */
  policy: Record<string, string>;
}

export interface IrFunction extends Base {
  kind: 'function';
  ret: { cType: string; doc: string; policy: Record<string, string> };
  params: IrParam[];
  policy: Record<string, string>;
}

export interface IrFunctype extends Base {
  kind: 'functype';
  ret: { cType: string; doc: string };
  params: IrParam[];
}

export interface IrEnum extends Base {
  kind: 'enum';
  /** The C enum type it belongs to, e.g. virDomainState. */
  enumType: string;
  value: number;
}

export interface IrMacro extends Base {
  kind: 'macro';
  /** `string=` macros name typed parameters; `raw=` ones are expressions; `params` ones are function-like. */
  string: string | null;
  raw: string | null;
  params: string[] | null;
  policy: Record<string, string>;
}

export interface IrField {
  name: string;
  cType: string;
  doc: string;
  union: IrField[] | null;
  policy: Record<string, string>;
}

export interface IrStruct extends Base {
  kind: 'struct';
  fields: IrField[];
}

/** An opaque object type (virDomain) with its pointer typedef (virDomainPtr). */
export interface IrHandle extends Base {
  kind: 'handle';
  opaque: string;
}

export interface IrTypedef extends Base {
  kind: 'typedef';
  /** 'enum' for enum typedefs, else the C type it names. */
  target: string;
}

export interface IrVariable extends Base {
  kind: 'variable';
  cType: string;
}

export type IrSymbol = IrFunction | IrFunctype | IrEnum | IrMacro | IrStruct | IrHandle | IrTypedef | IrVariable;

export interface IrApi {
  /** libvirt release of the main XML (LIBVIR_VERSION_NUMBER), e.g. "9.0.0"; null if unknown. */
  libvirtVersion: string | null;
  /** Input file names, for the DO-NOT-EDIT header. */
  inputs: string[];
  /** The overrides file read (as named in `inputs`), which the header says to edit; null if none. */
  overridesFile: string | null;
  symbols: IrSymbol[];
  /** Header module summaries, for file-level docs. */
  files: Map<string, string>;
  /**
   * Entries of overrides written for other XMLs (api-xml/'s against --input) for symbols these
   * lack (an older libvirt's XML, or a misspelt name: each says so when a near name exists). Not
   * applied. In overrides beside their XMLs such an entry is a mistake, in `overridesProblems`.
   */
  overridesSkipped: string[];
  /**
   * Mistakes in the overrides (an unknown attribute, an addition without its C types, ...). The
   * symbols are still bound, so that the refusal lists these with every unmapped C type at once.
   */
  overridesProblems: string[];
  /** The symbols the overrides name (policy or additions): a skip that removes one would drop it unread. */
  overridesNamed: ReadonlySet<string>;
}

export function symbolsOf<K extends IrSymbol['kind']>(api: IrApi, kind: K): Extract<IrSymbol, { kind: K }>[] {
  return api.symbols.filter((s): s is Extract<IrSymbol, { kind: K }> => s.kind === kind);
}
