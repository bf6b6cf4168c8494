// Take snapshots, list them as a tree, revert, delete. Runs on test:///default:
//   npx tsx examples/snapshots.ts [URI] [DOMAIN]
import { Connection, SnapshotDeleteMode, type SnapshotTree } from 'tsvirt/sdk';

await using conn = await Connection.open(process.argv[2] ?? 'test:///default');
using dom = await conn.lookupDomain(process.argv[3] ?? 'test');

const base = await dom.createSnapshot({ name: 'base', description: 'before the upgrade' });
const upgraded = await dom.createSnapshot({ name: 'upgraded' });
await base.revert(); // back to "base"; the next snapshot branches from it
const experiment = await dom.createSnapshot({ name: 'experiment' });

const print = (tree: SnapshotTree, name: string, depth = 0): void => {
  const node = tree.nodes.get(name);
  if (!node) return;
  console.log(`${'  '.repeat(depth)}${node.name}${node.current ? '  (current)' : ''}  ${node.state ?? ''}`);
  for (const child of node.children) print(tree, child, depth + 1);
};
const tree = await dom.snapshotTree();
for (const root of tree.roots) print(tree, root);

await base.delete(SnapshotDeleteMode.withChildren); // base and everything below it
console.log(`after delete: ${(await dom.snapshotTree()).nodes.size} snapshots`);
for (const s of [base, upgraded, experiment]) s.free();
