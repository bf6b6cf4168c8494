// What the refusal of something no rule settles says: an argument whose role neither its C
// type, its documentation nor policy/arg-roles.ts decides, a result without a failure value
// (policy/results.ts) or without an owner. Each says what is open, and the overrides entries
// that settle it, each with when it is the right one.
import type { IrParam } from './ir.js';

const OVERRIDES = 'api-xml/tsvirt-overrides.xml';

/** One way to settle it: the <arg> or <return> entries to write, and when they are right. */
type Fix = readonly [entries: string, when: string];

const arg = (name: string, attrs: string): string => `<arg name='${name}' ${attrs}/>`;

function refusal(fn: string, where: string, what: string, fixes: readonly Fix[]): string {
  const ways = fixes.map(([entries, when]) => `<function name='${fn}'>${entries}</function> ${when}`);
  return `${where}: ${what}; say which in ${OVERRIDES}: ${ways.join(', or ')}`;
}

const argRefusal = (fn: string, p: IrParam, what: string, fixes: readonly Fix[]): string => refusal(fn, `${fn}(${p.name})`, what, fixes);

/** An integer or double result no convention gives a failure value: a failure would never be noticed. */
export function resultFailure(fn: string, cType: string): string {
  return refusal(fn, `${fn} return`, `${cType}, a result type generator/policy/results.ts gives no failure value`, [
    ["<return error='...'/>", 'with the value it returns when it fails (0, or 4294967295 for (unsigned int)-1)'],
    ["<return error='none'/>", 'if it cannot fail'],
  ]);
}

/** A pointer result the runtime would pass on as it is: memory the caller owns would never be released. */
export function rawPointerResult(fn: string, cType: string, bytes: boolean): string {
  const keep: Fix = ["<return owned='false'/>", 'if libvirt keeps the memory (passed on as a raw pointer)'];
  const fixes: Fix[] = bytes ? [["<return bytes-size='ARG'/>", 'if it is a byte buffer the caller frees, its length written to argument ARG (as virSecretGetValue)'], keep] : [keep];
  const more = bytes ? '' : ' (memory the caller frees needs a reader in src/ffi/results.ts, or a skip with its reason in generator/policy/skips.ts)';
  return refusal(fn, `${fn} return`, `${cType}, which the runtime would pass on as a raw pointer and never release${more}`, fixes);
}

const unnamedCount = (count: IrParam): string => `${count.name}, a count generator/policy/arg-roles.ts does not name`;

/** A struct pointer followed by a count the table lacks: an array of them, or one struct and an argument of its own. */
export function structWithCount(fn: string, p: IrParam, struct: string, count: IrParam, countIsPointer: boolean): string {
  const one: Fix = [arg(p.name, "role='struct-out'"), `if it is one ${struct} (${count.name} an argument of its own)`];
  const array: Fix = countIsPointer
    ? [`${arg(p.name, `role='query-out' count='${count.name}'`)}${arg(count.name, "role='count'")}`,
      `if libvirt, given NULL and ${count.name} 0, writes the number of entries to ${count.name}`]
    : [arg(p.name, `role='struct-array-out' size='${count.name}' used='ret'`),
      `if it is an array of ${count.name} and the result says how many were filled (without used='ret' if all are)`];
  return argRefusal(fn, p, `${p.cType} (a ${struct} pointer) followed by ${unnamedCount(count)}`, [array, one]);
}

/** A non-const `unsigned char *` neither a fixed size nor its documentation settles: read or filled. */
export function bytesDirection(fn: string, p: IrParam, length: IrParam | undefined, documentedFilled: boolean): string {
  const size = length?.name ?? 'N';
  const filled: Fix = [arg(p.name, `role='bytes-out' size='${size}'`),
    `if libvirt fills it${length ? '' : ' (N: its size, a number or an argument)'} (add used='ret' if the result is the number of bytes written)`];
  const read: Fix = [`${arg(p.name, "role='bytes-in'")}${length ? arg(length.name, `role='length' of='${p.name}'`) : ''}`, 'if libvirt reads it'];
  const what = `${p.cType}, not const${length ? `, with ${length.name}` : ''}: whether libvirt reads it or fills it is not settled`
    + (documentedFilled ? ' (its documentation says filled, but not how much)' : '');
  return argRefusal(fn, p, what, documentedFilled ? [filled, read] : [read, filled]);
}

/** A non-const `T *` with its count n<name>, whose direction nothing settles. */
export function arrayDirection(fn: string, p: IrParam, count: IrParam, documentedFilled: boolean): string {
  const read: Fix = [`${arg(p.name, "role='array-in'")}${arg(count.name, `role='length' of='${p.name}'`)}`, 'if libvirt reads it'];
  const filled: Fix = [arg(p.name, `role='array-out' size='${count.name}' used='ret'`),
    `if libvirt fills it and the result says how many (without used='ret' if all are)`];
  const what = `${p.cType}, not const, with its count ${count.name}: whether libvirt reads it or fills it is not settled`
    + (documentedFilled ? ' (its documentation says filled)' : '');
  return argRefusal(fn, p, what, documentedFilled ? [filled, read] : [read, filled]);
}

/** A `T *` of numbers followed by a count the table lacks: an array, or one value and an argument of its own. */
export function numbersWithCount(fn: string, p: IrParam, count: IrParam): string {
  return argRefusal(fn, p, `${p.cType} followed by ${unnamedCount(count)}`, [
    [arg(p.name, `role='array-out' size='${count.name}' used='ret'`), `if libvirt fills an array of ${count.name} and the result says how many (without used='ret' if all are)`],
    [arg(p.name, "role='out'"), `if it is one value (${count.name} an argument of its own)`],
  ]);
}

/** A `char *` buffer followed by a count the table lacks: how much of it libvirt fills. */
export function textWithCount(fn: string, p: IrParam, count: IrParam): string {
  return argRefusal(fn, p, `char * followed by ${unnamedCount(count)}`, [
    [arg(p.name, `role='bytes-out' size='${count.name}' used='ret'`), 'if libvirt fills it and the result is the number of bytes written'],
    [arg(p.name, `role='bytes-out' size='${count.name}' as='string'`), 'if it fills it with text ending in NUL'],
  ]);
}

/** A `char **` followed by a count the table lacks: an array of strings, or one string and an argument of its own. */
export function stringsWithCount(fn: string, p: IrParam, count: IrParam): string {
  return argRefusal(fn, p, `${p.cType} followed by ${unnamedCount(count)}`, [
    [arg(p.name, `role='array-out' size='${count.name}' used='ret'`),
      `if libvirt fills the caller's array of ${count.name} with strings the caller frees, the result how many (without used='ret' if all are)`],
    [arg(p.name, "role='out'"), `if it writes one string the caller frees (${count.name} an argument of its own)`],
  ]);
}

/** A `const char **` without a count or a NULL-terminated note: a list passed in, or a string libvirt writes. */
export function constStrings(fn: string, p: IrParam): string {
  return argRefusal(fn, p, `${p.cType} without a count, not documented as NULL-terminated: whether it is a list passed in or a string libvirt writes is not settled`, [
    [arg(p.name, "role='out'"), 'if libvirt writes a string it keeps (read, never freed)'],
    [arg(p.name, "role='array-in'"), 'if it is a NULL-terminated list of strings passed in'],
  ]);
}
