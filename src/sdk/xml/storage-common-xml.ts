// Pieces shared by pool and volume documents.
import { countLeaf, defined, ElementReader, ElementWriter, readSizeChild, withExtra, writeSizeChild, xmlValue, type XmlExtra } from './xml-element.js';
import { checkFields, fieldsOf } from './xml-checks.js';
import type { XmlElement } from './xml-codec.js';
import type { SizeValue } from './xml-units.js';

/** `<permissions>`: mode is kept as the octal string libvirt writes ('0755'). */
export interface StoragePermissions {
  readonly mode?: string;
  readonly owner?: number;
  readonly group?: number;
  readonly label?: string;
  readonly extra?: XmlExtra;
}

export function readPermissions(r: ElementReader | undefined): StoragePermissions | undefined {
  if (r === undefined) return undefined;
  const p = defined<StoragePermissions>({
    mode: r.leafText('mode'),
    owner: countLeaf(r, 'owner'),
    group: countLeaf(r, 'group'),
    label: r.leafText('label'),
  });
  return withExtra(p, r);
}

const PERMISSION_FIELDS = fieldsOf<StoragePermissions>({ mode: true, owner: true, group: true, label: true, extra: true });

export function writePermissions(p: StoragePermissions | undefined, path: string): XmlElement | undefined {
  if (p === undefined) return undefined;
  checkFields(p, PERMISSION_FIELDS, path);
  const w = new ElementWriter('permissions', p.extra);
  if (p.mode !== undefined) w.leaf('mode', {}, p.mode);
  if (p.owner !== undefined) w.leaf('owner', {}, xmlValue(p.owner));
  if (p.group !== undefined) w.leaf('group', {}, xmlValue(p.group));
  if (p.label !== undefined) w.leaf('label', {}, p.label);
  return w.finish();
}

export type StorageSizes = { -readonly [K in 'capacity' | 'allocation' | 'available' | 'physical']?: SizeValue };

/** Reads whichever of the named size children are present (default unit: bytes). */
export function readSizes<K extends keyof StorageSizes>(r: ElementReader, names: readonly K[]): Pick<StorageSizes, K> {
  const out: StorageSizes = {};
  for (const name of names) {
    const size = readSizeChild(r, name);
    if (size !== undefined) out[name] = size;
  }
  return out;
}

export function writeSizes(w: ElementWriter, sizes: StorageSizes, names: readonly (keyof StorageSizes)[], path: string): void {
  for (const name of names) {
    if (sizes[name] !== undefined) writeSizeChild(w, name, sizes[name], `${path}/${name}`);
  }
}
