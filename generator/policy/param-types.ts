// The value type of each typed parameter (`string=` macros). libvirt states it only in prose
// ("... as VIR_TYPED_PARAM_ULLONG", "..., as ullong"); this reads it from there, and the
// overrides' `param-type=` supplies it where the prose does not say.

/** The value types of typed parameters (VIR_TYPED_PARAM_INT, ...), as param-type= and the symbol table name them. */
export const paramTypes = ['int', 'uint', 'llong', 'ullong', 'double', 'boolean', 'string'] as const;

export type ParamType = (typeof paramTypes)[number];

const words: Readonly<Record<string, ParamType>> = {
  int: 'int', uint: 'uint', 'unsigned int': 'uint', llong: 'llong', 'long long': 'llong',
  ullong: 'ullong', 'unsigned long long': 'ullong', double: 'double', boolean: 'boolean', bool: 'boolean', string: 'string',
};

export function paramTypeFromDoc(doc: string): ParamType | null {
  const constant = /VIR_TYPED_PARAM_(INT|UINT|LLONG|ULLONG|DOUBLE|BOOLEAN|STRING)\b/.exec(doc);
  if (constant) return (constant[1] as string).toLowerCase() as ParamType;
  const prose = /\b(?:as|an?|of type|type is)\s+(?:an?\s+)?(unsigned long long|long long|unsigned int|ullong|llong|uint|int|double|boolean|bool|string)\b/i.exec(doc);
  return prose ? (words[(prose[1] as string).toLowerCase()] ?? null) : null;
}
