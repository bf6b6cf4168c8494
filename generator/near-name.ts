// The "did you mean" of refusals: a name one or two edits from the one written is almost always
// a typo of it, and saying which saves the reader a search through 1,000 constants.

/** ` (did you mean X?)` for the nearest known name one or two edits away (the first of equals), else ''. */
export function didYouMean(name: string, known: Iterable<string>): string {
  let best: { name: string; distance: number } | undefined;
  for (const k of known) {
    if (Math.abs(k.length - name.length) > 2) continue;
    const distance = editDistance(k, name);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name: k, distance };
  }
  return best === undefined ? '' : ` (did you mean ${best.name}?)`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] as number;
}
