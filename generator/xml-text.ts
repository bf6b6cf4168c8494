// Where things are in an XML text, and the one malformation the validator lets through: places
// for the generator's messages about hand-written XML (the overrides), which a contributor finds
// by line and column.

/** The offset where each line of `text` starts. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** `line:column` (1-based, as editors count) of an offset, from the text's line starts. */
export function lineColumn(starts: readonly number[], offset: number): string {
  let lo = 0;
  let hi = starts.length - 1;
  // The last line starting at or before offset.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid; else hi = mid - 1;
  }
  return `${lo + 1}:${offset - (starts[lo] as number) + 1}`;
}

/**
 * The first `&` or `<` in an attribute value that XML forbids there, which the validator lets
 * through (xmllint refuses the file; the parser would read `a & b` as written): a `&` starts an
 * entity or character reference, and `<` is written `&lt;`. Markup that holds no attributes
 * (comments, CDATA, declarations) is passed over whole.
 */
export function attributeValueProblem(text: string): { offset: number; problem: string } | null {
  const markup = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<[?!][\s\S]*?>|<[^\s/>]+((?:\s+[^\s=/>]+\s*=\s*(?:'[^']*'|"[^"]*"))*)\s*\/?>/dg;
  for (const m of text.matchAll(markup)) {
    const attrs = m.indices?.[1];
    if (attrs === undefined) continue;
    for (const a of (m[1] as string).matchAll(/=\s*(?:'([^']*)'|"([^"]*)")/dg)) {
      const value = a[1] ?? a[2] as string;
      const start = attrs[0] + ((a.indices?.[1] ?? a.indices?.[2]) as [number, number])[0];
      const bad = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[\da-fA-F]+);)|</.exec(value);
      if (bad) {
        return { offset: start + bad.index, problem: bad[0] === '<'
          ? "'<' in an attribute value (write it &lt;)"
          : "'&' in an attribute value that starts no entity reference (write it &amp;; the others are &lt; &gt; &quot; &apos; and &#N;)" };
      }
    }
  }
  return null;
}
