/** Why the generator refuses to emit: every problem found, so one run lists them all. */
export class GenerationError extends Error {
  /** `hint`: a last line saying where such problems are fixed. */
  constructor(readonly problems: string[], what = 'C type(s) or symbol(s) have no mapping', hint?: string) {
    super(`refusing to generate: ${problems.length} ${what}:\n  ${problems.join('\n  ')}${hint === undefined ? '' : `\n${hint}`}`);
    this.name = 'GenerationError';
  }
}
