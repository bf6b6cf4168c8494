/**
 * JSON printed the way qemu prints it, so output can be compared byte for byte with qemu-img:
 * - object keys in QDict iteration order (qemu keeps objects in a 512-bucket hash table, walks
 *   the buckets in order, newest entry first inside a bucket), which is why `qemu-img info`
 *   starts with "snapshots"; callers insert keys in QAPI field order, as qemu's visitor does;
 * - pretty form with 4-space indents, empty arrays printed as "[\n<indent>]";
 * - strings with every non-ASCII or control character as \uXXXX (upper-case hex);
 * - bigint values printed as integers.
 */

const QDICT_BUCKETS = 512;

const bucketCache = new Map<string, number>();

/** qemu qobject/qdict.c tdb_hash, in 32-bit unsigned arithmetic (keys repeat: cached). */
export function qdictBucket(key: string): number {
  const cached = bucketCache.get(key);
  if (cached !== undefined) return cached;
  const bucket = tdbBucket(key);
  if (bucketCache.size < 4096) bucketCache.set(key, bucket);
  return bucket;
}

function tdbBucket(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  let value = Math.imul(0x238f13af, bytes.length) >>> 0;
  for (let i = 0; i < bytes.length; i++) value = (value + (((bytes[i] ?? 0) << ((i * 5) % 24)) >>> 0)) >>> 0;
  return ((Math.imul(1103515243, value) + 12345) >>> 0) % QDICT_BUCKETS;
}

export function qdictOrder(keys: readonly string[]): string[] {
  return keys
    .map((key, index) => ({ key, index, bucket: qdictBucket(key) }))
    .sort((a, b) => a.bucket - b.bucket || b.index - a.index)
    .map((e) => e.key);
}

export function qemuJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0xfffd;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp > 0xffff) {
      const v = cp - 0x10000;
      out += `\\u${hex4(0xd800 + (v >> 10))}\\u${hex4(0xdc00 + (v & 0x3ff))}`;
    } else if (cp < 0x20 || cp >= 0x7f) out += `\\u${hex4(cp)}`;
    else out += ch;
  }
  return `${out}"`;
}

const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');

export type QemuJsonValue = string | number | bigint | boolean | null | readonly QemuJsonValue[] | { readonly [key: string]: QemuJsonValue | undefined };

/** Pretty JSON as `qemu-img ... --output=json` prints it (without the final newline). */
export function qemuJsonPretty(value: QemuJsonValue, indent = 0): string {
  const parts: string[] = [];
  emit(value, indent, parts);
  return parts.join('');
}

const PADS: string[] = [];
const pad = (n: number): string => (PADS[n] ??= ' '.repeat(n));

function emit(value: QemuJsonValue, indent: number, out: string[]): void {
  if (value === null) out.push('null');
  else if (typeof value === 'string') out.push(qemuJsonString(value));
  else if (typeof value === 'number' || typeof value === 'bigint') out.push(String(value));
  else if (typeof value === 'boolean') out.push(value ? 'true' : 'false');
  else if (Array.isArray(value)) {
    const list = value as readonly QemuJsonValue[];
    out.push('[\n');
    list.forEach((v, i) => {
      out.push(pad(indent + 4));
      emit(v, indent + 4, out);
      out.push(i + 1 < list.length ? ',\n' : '\n');
    });
    out.push(pad(indent), ']');
  } else {
    const obj = value as { readonly [key: string]: QemuJsonValue | undefined };
    const keys = qdictOrder(Object.keys(obj).filter((k) => obj[k] !== undefined));
    out.push('{\n');
    keys.forEach((k, i) => {
      out.push(pad(indent + 4), qemuJsonString(k), ': ');
      emit(obj[k] as QemuJsonValue, indent + 4, out);
      out.push(i + 1 < keys.length ? ',\n' : '\n');
    });
    out.push(pad(indent), '}');
  }
}
