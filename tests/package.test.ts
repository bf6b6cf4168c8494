// The package as npm packs it (dist/ built first: npm test builds it): every source map names
// sources an installed copy has, so `node --enable-source-maps` stack traces name real files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');

interface SourceMap { sources: string[]; sourceRoot?: string; sourcesContent?: (string | null)[] }

/** The paths `npm pack` puts in the tarball, relative to the package root. */
function packedFiles(): Set<string> {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [pack] = JSON.parse(out) as { files: { path: string }[] }[];
  return new Set((pack?.files ?? []).map((f) => f.path));
}

/** The sources of the map at `mapPath` that are neither inlined nor in `packed`. */
function missingSources(mapPath: string, packed: Set<string>): string[] {
  const map = JSON.parse(readFileSync(mapPath, 'utf8')) as SourceMap;
  return map.sources.flatMap((source, i) => {
    if (typeof map.sourcesContent?.[i] === 'string') return [];
    const file = relative(root, resolve(dirname(mapPath), map.sourceRoot ?? '', source)).split(sep).join('/');
    return packed.has(file) ? [] : [`${relative(root, mapPath)} -> ${file}`];
  });
}

describe('published package', function () {
  this.timeout(120_000);

  it('ships, or inlines, every source its source maps name', () => {
    if (!existsSync(dist)) throw new Error('dist/ is missing: npm test builds it first (npm run build)');
    const packed = packedFiles();
    const maps = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js.map')).map((f) => join(dist, f));
    assert.ok(maps.length > 100, `${maps.length} source maps in dist/`);
    for (const m of maps) assert.ok(packed.has(relative(root, m).split(sep).join('/')), `${m} is packed`);
    const missing = maps.flatMap((m) => missingSources(m, packed));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} sources named by maps are not in the package`);
  });
});
