/**
 * The long run of the mutation fuzzer: `tsx bench/image/fuzz.ts [cases] [seconds] [seed]`.
 * Prints the counts; exits 1 if any case ended in an untyped exception.
 */
import { makeFuzzCorpus } from '../../tests/image/fuzz-corpus.js';
import { runFuzz } from '../../tests/image/support/mutation-fuzzer.js';
import { TempDir } from '../../tests/image/support/qemu.js';

const cases = Number(process.argv[2] ?? 20000);
const seconds = Number(process.argv[3] ?? 120);
const seed = Number(process.argv[4] ?? Date.now() % 2 ** 31);
const dir = new TempDir('tsvirt-fuzz-');
try {
  const stats = runFuzz({ seed, maxCases: cases, maxMs: seconds * 1000, corpus: makeFuzzCorpus(dir), scratch: dir.file('mutant.qcow2') });
  const refused = Object.values(stats.refusedByCode).reduce((a, b) => a + b, 0);
  console.log(`seed ${seed}: ${stats.cases} cases, ${stats.accepted} accepted, ${refused} refused with typed errors, ${stats.crashes.length} crashes`);
  console.log(`refusals by code: ${JSON.stringify(stats.refusedByCode)}`);
  console.log(`slowest case: ${stats.slowestMs.toFixed(1)} ms (${stats.slowestCase})`);
  for (const c of stats.crashes.slice(0, 10)) console.log(`CRASH ${c}`);
  process.exitCode = stats.crashes.length ? 1 : 0;
} finally {
  dir.remove();
}
