// One raw record -> its IR symbol: what the API XMLs and the additions of the overrides share.
import type { RawFunction, RawStruct, RawField } from './raw-xml.js';
import type { IrField, IrFunction, IrStruct, LibraryId } from './ir.js';
import { canonicalCType } from './c-types.js';
import { policyOf } from './override-attributes.js';

export const libraries: readonly LibraryId[] = ['libvirt', 'libvirt-qemu', 'libvirt-lxc', 'libvirt-admin'];

export function functionOf(f: RawFunction, lib: LibraryId): IrFunction {
  return {
    kind: 'function', name: f.name, file: f.file, lib: (f.attrs['lib'] as LibraryId | undefined) ?? lib, since: f.version, doc: f.info,
    ret: { cType: canonicalCType(f.ret?.type ?? 'void'), doc: f.ret?.info ?? '', policy: policyOf('return', f.ret?.attrs ?? {}) },
    params: f.args.map((a) => ({ name: a.name, cType: canonicalCType(a.type), doc: a.info, policy: policyOf('arg', a.attrs) })),
    policy: policyOf('function', f.attrs),
  };
}

export function structOf(s: RawStruct, lib: LibraryId): IrStruct {
  return { kind: 'struct', name: s.name, file: s.file, lib, since: s.version, doc: s.info, fields: (s.fields ?? []).map(fieldOf) };
}

export function fieldOf(f: RawField): IrField {
  return { name: f.name, cType: canonicalCType(f.type), doc: f.info, union: f.union ? f.union.map(fieldOf) : null, policy: policyOf('field', f.attrs) };
}
