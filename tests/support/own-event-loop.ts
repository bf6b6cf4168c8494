// A program that registers libvirt's event loop itself before it opens a connection through
// tsvirt (event mode left at its default): tsvirt must not register or run a second one. Prints
// what eventsReady() answered.
import * as v from '../../generated/index.js';
import { Connection } from '../../src/sdk/index.js';
import { isLibvirtError } from '../../src/ffi/index.js';

v.virEventRegisterDefaultImpl();
const conn = await Connection.open('test:///default');
conn.on('domain:lifecycle', () => undefined);
const why = await conn.eventsReady().then(() => 'ready', (e: unknown) => (isLibvirtError(e) ? `${e.codeName}: ${e.message}` : String(e)));
await conn.close();
console.log(why);
