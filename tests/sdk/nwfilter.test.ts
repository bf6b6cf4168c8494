// Network filters and bindings from typed descriptions. test:///default has no nwfilter driver:
// a description that builds reaches libvirt and gets the driver's NO_SUPPORT, naming the C function
// called; one that does not build rejects before any call.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Connection, NWFilter, NWFilterBinding, isLibvirtError, type NWFilterBindingDescription, type NWFilterDescription } from '../../src/sdk/index.js';
import * as v from '../../generated/index.js';
import { badDescription as badField } from '../support/bad-description.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/xml/${name}`, import.meta.url), 'utf8');

/** The driver's refusal of `fn` itself: the XML was built and the call made. */
const unsupported = (fn: string) => (e: unknown): boolean => isLibvirtError(e) && e.code === v.VIR_ERR_NO_SUPPORT && e.message.endsWith(`: ${fn}`);

const FILTER: NWFilterDescription = {
  name: 'tsvirt-sdk-filter',
  chain: 'ipv4',
  entries: [
    { kind: 'filterref', filter: 'clean-traffic', parameters: [{ name: 'IP', value: '10.0.0.1' }] },
    { kind: 'rule', action: 'accept', direction: 'in', priority: 100, protocol: { name: 'tcp', attributes: { dstportstart: '22' } } },
  ],
};
const BINDING: NWFilterBindingDescription = {
  owner: { name: 'vm', uuid: 'd54df46f-1ab5-4a22-8618-4560ef5fac2c' },
  portDev: 'vnet0',
  mac: '52:54:00:7b:35:93',
  filterref: { filter: 'clean-traffic' },
};

describe('network filters and bindings from typed descriptions (test:///default)', () => {
  let conn: Connection;
  before(async () => { conn = await Connection.open('test:///default'); });
  after(async () => { await conn.close(); });

  it('defineNWFilter builds the XML and calls virNWFilterDefineXML, the Flags variant only with flags', async () => {
    await assert.rejects(conn.defineNWFilter(FILTER), unsupported('virNWFilterDefineXML'));
    await assert.rejects(conn.defineNWFilter(FILTER, v.VIR_NWFILTER_DEFINE_VALIDATE), unsupported('virNWFilterDefineXMLFlags'));
    await assert.rejects(conn.defineNWFilter(fixture('nwfilter-tsvirt-web.xml')), unsupported('virNWFilterDefineXML'));
    // The generic method of the naming rule is still there, taking XML.
    await assert.rejects(conn.nwFilterDefineXML(fixture('nwfilter-tsvirt-web.xml')), unsupported('virNWFilterDefineXML'));
  });

  it('createNWFilterBinding builds the XML and calls virNWFilterBindingCreateXML', async () => {
    await assert.rejects(conn.createNWFilterBinding(BINDING), unsupported('virNWFilterBindingCreateXML'));
    await assert.rejects(conn.createNWFilterBinding(BINDING, v.VIR_NWFILTER_BINDING_CREATE_VALIDATE), unsupported('virNWFilterBindingCreateXML'));
    await assert.rejects(conn.createNWFilterBinding(fixture('nwfilterbinding-macvtap.xml')), unsupported('virNWFilterBindingCreateXML'));
  });

  it('a description that does not build rejects the Promise, before libvirt is called', async () => {
    const calls: Promise<unknown>[] = [];
    assert.doesNotThrow(() => {
      calls.push(conn.defineNWFilter({ ...FILTER, entries: [{ kind: 'rule', action: 'allow', direction: 'in' }] } as never));
      calls.push(conn.defineNWFilter({ ...FILTER, entries: [{ kind: 'rule', action: 'drop', direction: 'in', protocol: { name: 'tcpv6', attributes: {} } }] } as never, v.VIR_NWFILTER_DEFINE_VALIDATE));
      calls.push(conn.createNWFilterBinding({ ...BINDING, portDev: '' }));
      calls.push(conn.defineNWFilter(7 as never));
    });
    const [action, protocol, portDev, notXml] = calls as [Promise<unknown>, Promise<unknown>, Promise<unknown>, Promise<unknown>];
    await assert.rejects(action, badField('/filter/rule/@action'));
    await assert.rejects(protocol, badField('/filter/rule'));
    await assert.rejects(portDev, badField('/filterbinding/portdev/@name'));
    await assert.rejects(notXml, (e: unknown) => isLibvirtError(e) && e.code === v.VIR_ERR_INVALID_ARG && /expected XML or a typed description, got number 7/.test(e.message));
  });

  it('getDescription parses what getXMLDesc returns, with the flags given', async () => {
    // No driver here hands out a filter or a binding: the methods run on stand-ins for the objects.
    const standIn = (xml: string, seen: number[]): object => ({ getXMLDesc: async (flags: number) => { seen.push(flags); return xml; } });
    const seen: number[] = [];
    const filter = await NWFilter.prototype.getDescription.call(standIn(fixture('nwfilter-tsvirt-clean-traffic.xml'), seen) as NWFilter);
    assert.deepEqual([filter.name, filter.entries.map((e) => e.kind)], ['tsvirt-clean-traffic', ['filterref', 'filterref', 'rule', 'rule', 'rule']]);
    const binding = await NWFilterBinding.prototype.getDescription.call(standIn(fixture('nwfilterbinding-macvtap.xml'), seen) as NWFilterBinding, 3);
    assert.deepEqual([binding.portDev, binding.linkDev, binding.filterref.filter], ['macvtap0', 'eth0', 'clean-traffic']);
    assert.deepEqual(seen, [0, 3]);
  });
});
