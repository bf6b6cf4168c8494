// Attributes that hold one of a fixed set of words (libvirt's enums and its on/off, yes/no
// switches). libvirt refuses any other word when it reads a document, so it never writes one:
// reading reports such a word with its path, and builders refuse it before libvirt is called.
import { XmlDocumentError } from './xml-errors.js';

/** A switch's two words, the one for true first. */
export type SwitchWords = readonly [on: string, off: string];

/** The two spellings libvirt's switches use, each attribute one of them. */
export const ON_OFF: SwitchWords = ['on', 'off'];
export const YES_NO: SwitchWords = ['yes', 'no'];

/** A switch as a boolean; undefined when absent. */
export function parseSwitch(value: string | undefined, path: string, [on, off]: SwitchWords): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === on || value === off) return value === on;
  throw new XmlDocumentError('invalid-value', path, `'${value}' is neither '${on}' nor '${off}'`);
}

/**
 * Builder-side: the word a boolean field is written as; undefined stays absent. Anything but a
 * boolean is refused at `path`, not written: libvirt reads some such words as on (a network's
 * stp is on unless it is 'off'), others it refuses without naming the field.
 */
export function switchWord(value: unknown, path: string, [on, off]: SwitchWords): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new XmlDocumentError('invalid-value', path, `must be a boolean, got ${typeof value}`);
  return value ? on : off;
}

/** One of `choices`; undefined when absent. */
export function parseChoice<T extends string>(value: string | undefined, choices: readonly T[], path: string): T | undefined {
  if (value === undefined) return undefined;
  checkChoice(value, choices, path);
  return value as T;
}

/** Builder-side check of a field that takes one of `choices`; undefined passes unless `required`. */
export function checkChoice(value: unknown, choices: readonly string[], path: string, required = false): void {
  if (value === undefined) {
    if (required) throw new XmlDocumentError('missing-field', path, `one of ${choices.join(', ')} is required`);
    return;
  }
  if (typeof value !== 'string' || !choices.includes(value)) {
    const got = typeof value === 'string' ? `'${value}'` : typeof value;
    throw new XmlDocumentError('invalid-value', path, `${got} is not one of ${choices.join(', ')}`);
  }
}
