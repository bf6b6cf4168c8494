// One generated module (one libvirt header) being built with ts-morph. It records which type
// names it uses so imports from sibling modules and the runtime are added once, at the end.
import { StructureKind } from 'ts-morph';
import type { Project, SourceFile, StatementStructures } from 'ts-morph';

/** Types the runtime (src/ffi) exports for generated code. */
export const runtimeTypes: ReadonlySet<string> = new Set(['EnumValue', 'Handle', 'Pointer', 'TypedParameter', 'TypedCallback']);

export class GeneratedModule {
  readonly header: string;
  private readonly statements: (string | StatementStructures)[] = [];
  private readonly used = new Set<string>();
  private readonly sideEffects = new Set<string>();

  private readonly runtimeImport: string;

  /** `runtimeImport`: how generated code imports src/ffi (relative to the output directory). */
  constructor(header: string, runtimeImport: string) {
    this.header = header;
    this.runtimeImport = runtimeImport;
  }

  /** Appends a statement: a structure, or code text for one-line calls. */
  add(statement: string | StatementStructures): void {
    this.statements.push(statement);
  }

  /** Notes every identifier in a TS type expression. */
  useTypes(tsType: string): void {
    // Names inside string literals (EnumValue<'virIPAddrType'>) are not references.
    for (const m of tsType.replace(/'[^']*'/g, '').matchAll(/[A-Za-z_$][\w$]*/g)) this.used.add(m[0]);
  }

  /** This module needs another one loaded first (its registrations). */
  dependOn(header: string): void {
    if (header !== this.header) this.sideEffects.add(header);
  }

  /** Prints the module (imports first) in one pass: far cheaper than editing a SourceFile per symbol. */
  print(project: Project, homeOf: (name: string) => string | undefined): SourceFile {
    const imports = this.imports(homeOf).map((d) => ({ kind: StructureKind.ImportDeclaration as const, ...d }));
    return project.createSourceFile(`/${this.header}.ts`, { statements: [...imports, ...this.statements] }, { overwrite: true });
  }

  private imports(homeOf: (name: string) => string | undefined): { moduleSpecifier: string; namespaceImport?: string; isTypeOnly?: boolean; namedImports?: string[] }[] {
    const byModule = new Map<string, string[]>();
    const runtime: string[] = [];
    for (const name of [...this.used].sort()) {
      if (runtimeTypes.has(name)) { runtime.push(name); continue; }
      const home = homeOf(name);
      if (home === undefined || home === this.header) continue;
      byModule.set(home, [...(byModule.get(home) ?? []), name]);
      this.sideEffects.add(home);
    }
    const decls: { moduleSpecifier: string; namespaceImport?: string; isTypeOnly?: boolean; namedImports?: string[] }[] = [];
    decls.push({ moduleSpecifier: this.runtimeImport, namespaceImport: 'rt' });
    if (runtime.length) decls.push({ moduleSpecifier: this.runtimeImport, isTypeOnly: true, namedImports: runtime });
    for (const [mod, names] of [...byModule].sort(([a], [b]) => a.localeCompare(b))) {
      decls.push({ moduleSpecifier: `./${mod}.js`, isTypeOnly: true, namedImports: names });
    }
    for (const mod of [...this.sideEffects].sort()) decls.push({ moduleSpecifier: `./${mod}.js` });
    return decls;
  }
}
