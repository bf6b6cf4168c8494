/**
 * Part 1: list the domains of a test:/// node file with name, UUID and info,
 * in C (list.c, compiled now), libvirt-python (list.py) and the tsvirt SDK
 * (list-tsvirt.ts). The test driver loads the file when the URI is opened,
 * which the children do before timing. As in part 2, every implementation is a
 * child that stays started and serves one listing at a time, so their listings
 * are interleaved: each round times one listing of every implementation, in a
 * shuffled order, and the machine's swings in speed fall on all of them alike.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PYTHON, compileC, here, interleave, log, skipped, startServer, tsvirtScript } from './child.js';
import type { Config, Server } from './child.js';
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

/** The children, started and warmed up one after another; one that fails is left out (see `skipped`). */
interface Entry { impl: ListImpl; server: Server }

async function startChildren(dir: string, config: Config, python: boolean): Promise<Entry[]> {
  const args = [`test://${nodeFile(dir)}`, String(config.listWarmup)];
  const c = compileC(dir, 'list');
  const argvs: [ListImpl, string[] | undefined][] = [
    ['c', c && [...c, ...args]],
    ['python', python ? [PYTHON, join(here, 'list.py'), ...args] : undefined],
    ['tsvirt', [...tsvirtScript('list-tsvirt.ts'), ...args]],
  ];
  const servers: Entry[] = [];
  for (const [impl, argv] of argvs) {
    if (!argv) continue;
    log(`part 1: starting ${impl}`);
    const server = await startServer(impl, argv);
    if (!server) continue;
    const count = Number(server.preamble.find((w) => w[0] === 'count')?.[1]);
    if (count === DOMAINS) servers.push({ impl, server });
    else {
      skipped[impl] = `listed ${count} domains, not ${DOMAINS}`;
      await server.close();
    }
  }
  return servers;
}

export async function partList(dir: string, config: Config, python: boolean): Promise<ListResults> {
  const results: ListResults = {};
  const entries = await startChildren(dir, config, python);
  try {
    await interleave('part 1', config.rounds * config.listReps, entries, async ({ impl, server }) => {
      const answer = await server.ask('list');
      if (answer === undefined) return false;
      const [ms = Number.NaN, cpuUs = Number.NaN] = answer.slice(1).map(Number);
      if (!(ms >= 0 && cpuUs >= 0)) {
        skipped[impl] = `answered '${answer.join(' ')}', not 'list <ms> <cpu us>'`;
        return false;
      }
      const series = (results[impl] ??= { ms: [], cpuMs: [] });
      series.ms.push(ms);
      series.cpuMs.push(cpuUs / 1000);
      return true;
    });
  } finally {
    await Promise.all(entries.map((e) => e.server.close()));
  }
  for (const impl of Object.keys(skipped)) delete results[impl as ListImpl];
  return results;
}
