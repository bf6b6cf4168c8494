// Names in generated code. C names are kept as they are (virDomainGetInfo, VIR_DOMAIN_RUNNING,
// virDomainInfo), the way libvirt documents them, so that libvirt's docs apply unchanged; only
// identifiers that TypeScript reserves are changed, by appending "_".

/** ECMAScript reserved words, strict-mode reserved words, and names TS gives meaning to in types. */
export const reservedWords: ReadonlySet<string> = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else',
  'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof',
  'new', 'null', 'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void',
  'while', 'with', 'implements', 'interface', 'let', 'package', 'private', 'protected', 'public', 'static',
  'yield', 'await', 'arguments', 'eval', 'any', 'boolean', 'number', 'string', 'symbol', 'unknown', 'never',
  'object', 'bigint', 'undefined',
]);

export function safeIdentifier(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_$]/g, '_');
  const start = /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
  return reservedWords.has(start) ? `${start}_` : start;
}

/** The generated module for a header: libvirt-domain -> libvirt-domain.ts. */
export function moduleFileName(header: string): string {
  return `${header}.ts`;
}
