/**
 * The seeded mutation fuzzer, bounded for `npm test` (400 cases, the same ones on every machine);
 * bench/image/fuzz.ts runs it longer and reports the slowest case. Plus the read-only guarantee:
 * inspecting never changes the file.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, statSync } from 'node:fs';
import { imageCheck, imageInfo, imageMapJson, imageSnapshots, openGuestReader } from '../../src/image/index.js';
import { runFuzz } from './support/mutation-fuzzer.js';
import { makeFuzzCorpus } from './fuzz-corpus.js';
import { TempDir } from './support/qemu.js';

describe('hostile input', function () {
  let dir: TempDir;
  let corpus: string[];
  before(() => {
    dir = new TempDir();
    corpus = makeFuzzCorpus(dir);
  });
  after(() => dir.remove());

  it('seeded mutation fuzzer: typed errors or results only, and no case reads a table its damaged header names whole', () => {
    const stats = runFuzz({ seed: 20261127, maxCases: 400, maxMs: Number.POSITIVE_INFINITY, corpus, scratch: dir.file('mutant.qcow2') });
    const refused = Object.values(stats.refusedByCode).reduce((a, b) => a + b, 0);
    process.stdout.write(`      fuzz: ${stats.cases} cases, ${stats.accepted} accepted, ${refused} refused ${JSON.stringify(stats.refusedByCode)}, most read ${stats.mostBytesRead} bytes\n`);
    assert.deepEqual(stats.crashes, []);
    assert.equal(stats.cases, 400);
    assert.ok(stats.accepted > 0 && refused > 0, 'the mutations should both pass and fail');
    // The images hold a few MiB (4 MiB read at most: two clusters of 2 MiB). The bound of the other
    // hostile-image tests: a case that reads more reads a table a damaged header names whole.
    assert.ok(stats.mostBytesRead > 0, 'the reads are counted');
    assert.ok(stats.mostBytesRead < 16 * 1024 * 1024, `${stats.mostBytesRead} bytes read by one case: ${stats.mostBytesCase}`);
  });

  it('inspection leaves the bytes and the mtime of the file unchanged', async () => {
    const path = corpus[0] as string;
    const before = readFileSync(path);
    const statBefore = statSync(path);
    await imageInfo(path, { format: 'qcow2' });
    await imageSnapshots(path, { format: 'qcow2' });
    await imageCheck(path, { format: 'qcow2' });
    await imageMapJson(path, { format: 'qcow2' });
    const opened = await openGuestReader(path, { format: 'qcow2' });
    opened.reader.read(0, 65536);
    opened.close();
    const statAfter = statSync(path);
    assert.ok(readFileSync(path).equals(before));
    assert.equal(statAfter.mtimeMs, statBefore.mtimeMs);
    assert.equal(statAfter.ctimeMs, statBefore.ctimeMs);
  });
});
