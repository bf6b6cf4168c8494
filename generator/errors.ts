/** Problems of one kind under one heading: what they are and where, and where such problems are fixed. */
export interface ProblemGroup {
  /** e.g. 'problem(s) in tsvirt-overrides.xml', after the count. */
  what: string;
  problems: readonly string[];
  /** A last line saying where such problems are fixed. */
  hint?: string;
}

/** Why the generator refuses to emit: every problem found, so one run lists them all. */
export class GenerationError extends Error {
  /** Every problem of every group, in order. */
  readonly problems: string[];

  /** Groups without problems are left out. */
  constructor(readonly groups: readonly ProblemGroup[]) {
    const found = groups.filter((g) => g.problems.length > 0);
    super(`refusing to generate: ${found.map(describe).join('\nand ')}`);
    this.problems = found.flatMap((g) => g.problems);
    this.name = 'GenerationError';
  }
}

function describe(g: ProblemGroup): string {
  return `${g.problems.length} ${g.what}:\n  ${g.problems.join('\n  ')}${g.hint === undefined ? '' : `\n${g.hint}`}`;
}
