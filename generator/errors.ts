/** Why the generator refuses to emit: every problem found, so one run lists them all. */
export class GenerationError extends Error {
  constructor(readonly problems: string[], what = 'C type(s) or symbol(s) have no mapping') {
    super(`refusing to generate: ${problems.length} ${what}:\n  ${problems.join('\n  ')}`);
    this.name = 'GenerationError';
  }
}
