/**
 * qemu's size_to_str: "%0.3g %sB" with the IEC prefix chosen so the mantissa stays under 1000.
 * printf rounds the exact binary value half-to-even, which toPrecision does not (1152 bytes is
 * "1.12 KiB" in qemu, toPrecision says 1.13), so the rounding is done here in exact integers.
 */
const SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

export function qemuSizeToStr(bytes: number | bigint): string {
  const val = BigInt(bytes);
  // frexp(val / (1000/1024)) exponent, minus one, divided by 10: the prefix index.
  const scaled = Number(val) / (1000 / 1024);
  const exponent = scaled === 0 ? 0 : Math.floor(Math.log2(scaled)) + 1;
  const i = Math.max(0, Math.min(SUFFIXES.length - 1, Math.trunc((exponent - 1) / 10)));
  return `${formatG3(val, 1n << BigInt(i * 10))} ${SUFFIXES[i]}B`;
}

/** C's "%0.3g" of num/den (den a power of two, so the value is exact). */
export function formatG3(num: bigint, den: bigint): string {
  if (num === 0n) return '0';
  let p = decimalExponent(num, den);
  let digits = roundedDigits(num, den, p);
  if (digits === 1000n) {
    p += 1;
    digits = 100n;
  }
  const text = digits.toString(); // three digits d.dd x 10^p
  if (p < -4 || p >= 3) {
    const mantissa = stripZeros(`${text[0]}.${text.slice(1)}`);
    const sign = p < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(p)).padStart(2, '0')}`;
  }
  if (p >= 2) return text.slice(0, p + 1);
  const padded = p < 0 ? '0'.repeat(-p) + text : text;
  const intLen = p < 0 ? 1 : p + 1;
  return stripZeros(`${padded.slice(0, intLen)}.${padded.slice(intLen)}`);
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** floor(log10(num/den)). */
function decimalExponent(num: bigint, den: bigint): number {
  let p = 0;
  while (num >= den * 10n ** BigInt(p + 1)) p++;
  while (p <= 0 && p > -30 && num * 10n ** BigInt(-p) < den) p--;
  return p;
}

/** num/den * 10^(2-p), rounded half to even. */
function roundedDigits(num: bigint, den: bigint, p: number): bigint {
  const shift = 2 - p;
  const n = shift >= 0 ? num * 10n ** BigInt(shift) : num;
  const d = shift >= 0 ? den : den * 10n ** BigInt(-shift);
  const q = n / d;
  const r2 = (n % d) * 2n;
  if (r2 > d || (r2 === d && q % 2n === 1n)) return q + 1n;
  return q;
}
