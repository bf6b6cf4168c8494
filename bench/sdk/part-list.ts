/**
 * Part 1: list the domains of a test:/// node file with name, UUID and info,
 * in C (list.c, compiled now), libvirt-python (list.py) and the tsvirt SDK
 * (list-tsvirt.ts). The test driver loads the file when the URI is opened,
 * which the children do before timing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PYTHON, child, compileC, here, log, skipped, tsvirtScript } from './child.js';
import type { Config } from './child.js';
import type { ListImpl, ListResults } from './report.js';

export const DOMAINS = 5000;

/** A node file with DOMAINS minimal test domains. */
function nodeFile(dir: string): string {
  const doms = Array.from({ length: DOMAINS }, (_, i) =>
    `<domain type='test'><name>bench-${String(i).padStart(5, '0')}</name><memory>65536</memory>` +
    `<vcpu>1</vcpu><os><type>hvm</type></os></domain>`);
  const path = join(dir, 'node.xml');
  writeFileSync(path, `<node>\n${doms.join('\n')}\n</node>\n`);
  return path;
}

export async function partList(dir: string, config: Config, python: boolean): Promise<ListResults> {
  const args = [`test://${nodeFile(dir)}`, String(config.listWarmup), String(config.listReps)];
  const c = compileC(dir, 'list');
  const runners: [ListImpl, string[]][] = [];
  if (c) runners.push(['c', [...c, ...args]]);
  if (python) runners.push(['python', [PYTHON, join(here, 'list.py'), ...args]]);
  runners.push(['tsvirt', [...tsvirtScript('list-tsvirt.ts'), ...args]]);
  const results: ListResults = {};
  // Rounds run the implementations in rotated order, so the machine's drift is shared by all.
  for (let round = 0; round < config.rounds; round++) {
    for (let k = 0; k < runners.length; k++) {
      const runner = runners[(k + round) % runners.length];
      if (runner === undefined || skipped[runner[0]] !== undefined) continue;
      const [impl, argv] = runner;
      log(`part 1, round ${round + 1}/${config.rounds}: ${impl}`);
      const rows = await child(impl, argv);
      if (rows && rows['count']?.[0] !== DOMAINS) skipped[impl] = `listed ${rows['count']?.[0]} domains, not ${DOMAINS}`;
      else if (rows?.['list']) (results[impl] ??= []).push(...rows['list']);
    }
  }
  for (const impl of Object.keys(skipped)) delete results[impl as ListImpl];
  return results;
}
