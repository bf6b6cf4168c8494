// A test:/// node file whose driver asks for credentials: user alice, password s3cret, and one
// running domain, guest1. For the auth tests of the SDK and of the command line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Registers mocha hooks that make the node file before the suite and remove it after; `uri()` is its test:/// URI. */
export function authNodeFile(): { uri: () => string } {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsvirt-auth-'));
    writeFileSync(join(dir, 'node.xml'), `<node><auth><user password="s3cret">alice</user></auth>
      <domain type="test"><name>guest1</name><memory>65536</memory><os><type>hvm</type></os></domain></node>`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  return { uri: () => `test://${join(dir, 'node.xml')}` };
}
