// A bad element has one path whichever way it is met: a builder given a description and the
// parser given the XML that description stands for report the same string (xml-errors.ts itemPath:
// the bare name when there is one, numbered from 1 when there are several).
import assert from 'node:assert/strict';
import {
  buildDomainXml, buildNetworkXml, buildNodeDeviceXml, buildNWFilterXml, isXmlDocumentError, parseDomainXml, parseNetworkXml, parseNodeDeviceXml,
  parseNWFilterXml, type DomainDescription, type NetworkDescription, type NodeDeviceDescription, type NWFilterDescription, type XmlDocumentErrorCode,
} from '../../../src/sdk/xml/index.js';

/** The code and path of the XmlDocumentError that `f` throws. */
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(isXmlDocumentError(e), String(e));
    return `${e.code} ${e.path}`;
  }
  assert.fail('no XmlDocumentError was thrown');
}

/**
 * The builder given `bad`, and the parser given `good` built and then spoilt as `bad` is, both
 * refuse with `code` at `path`.
 */
function bothWays<D>(codec: { build: (d: D) => string; parse: (xml: string) => D }, good: D, bad: D, spoil: (xml: string) => string,
  code: XmlDocumentErrorCode, path: string): void {
  const xml = codec.build(good);
  const spoilt = spoil(xml);
  assert.notEqual(spoilt, xml, 'the spoiling changed nothing');
  assert.equal(refusal(() => codec.build(bad)), `${code} ${path}`, 'builder');
  assert.equal(refusal(() => codec.parse(spoilt)), `${code} ${path}`, 'parser');
}

/** Replaces the one occurrence of `from`: a second would spoil some other element. */
const once = (from: string, to: string) => (xml: string): string => {
  assert.equal(xml.split(from).length, 2, `'${from}' occurs once in ${xml}`);
  return xml.replace(from, to);
};

describe('sdk/xml error paths', () => {
  it('network: a DHCP range has the same path built and parsed, for one ip and range and for two', () => {
    const codec = { build: buildNetworkXml, parse: parseNetworkXml };
    // n addresses with n ranges each; the first range of the last address is the bad one, without an end.
    const net = (n: number, end: string | undefined): NetworkDescription => ({
      name: 'n',
      ips: Array.from({ length: n }, (_, i) => ({
        address: `10.0.${i}.1`,
        prefix: 24,
        dhcp: {
          ranges: Array.from({ length: n }, (_, j) => (i === n - 1 && j === 0 ? { start: `10.0.${i}.2`, end } : { start: `10.0.${i}.${10 * j + 2}`, end: `10.0.${i}.${10 * j + 9}` })) as never,
          hosts: [],
        },
      })),
    });
    bothWays(codec, net(1, '10.0.0.99'), net(1, undefined), once(' end="10.0.0.99"', ''), 'missing-field', '/network/ip/dhcp/range/@end');
    bothWays(codec, net(2, '10.0.1.99'), net(2, undefined), once(' end="10.0.1.99"', ''), 'missing-field', '/network/ip[2]/dhcp/range[1]/@end');
  });

  it('domain: a disk has the same path built and parsed, alone and first of two', () => {
    const codec = { build: buildDomainXml, parse: parseDomainXml };
    const disk = (i: number, type: string | undefined): object => ({ type, source: { file: `/img/${i}.qcow2` }, target: { dev: `vd${'ab'[i]}`, bus: 'virtio' } });
    // The first disk is the bad one, without a type.
    const dom = (n: number, type: string | undefined): DomainDescription => ({
      type: 'test',
      name: 'd',
      memory: { value: 1n, unit: 'GiB' },
      os: { type: 'hvm', boot: [] },
      devices: { disks: Array.from({ length: n }, (_, i) => disk(i, i === 0 ? type : 'file')) as never, interfaces: [], serials: [], consoles: [], graphics: [] },
    });
    bothWays(codec, dom(1, 'block'), dom(1, undefined), once('<disk type="block">', '<disk>'), 'missing-field', '/domain/devices/disk/@type');
    bothWays(codec, dom(2, 'block'), dom(2, undefined), once('<disk type="block">', '<disk>'), 'missing-field', '/domain/devices/disk[1]/@type');
  });

  it('nwfilter: a rule has the same path built and parsed, numbered among rules only, between references', () => {
    const codec = { build: buildNWFilterXml, parse: parseNWFilterXml };
    // A reference before each of n rules; the last rule is the bad one.
    const filter = (n: number, action: string): NWFilterDescription => ({
      name: 'f',
      entries: Array.from({ length: n }, (_, i) => [
        { kind: 'filterref' as const, filter: `g${i}` },
        { kind: 'rule' as const, action: (i === n - 1 ? action : 'drop') as never, direction: 'in' as const },
      ]).flat(),
    });
    bothWays(codec, filter(1, 'accept'), filter(1, 'allow'), once('action="accept"', 'action="allow"'), 'invalid-value', '/filter/rule/@action');
    bothWays(codec, filter(2, 'accept'), filter(2, 'allow'), once('action="accept"', 'action="allow"'), 'invalid-value', '/filter/rule[2]/@action');
  });

  it('node device: a capability is numbered among all capabilities, those kept in extra too', () => {
    const codec = { build: buildNodeDeviceXml, parse: parseNodeDeviceXml };
    const pci = `<capability type='pci'><domain>0</domain><bus>0</bus><slot>3</slot><function>0</function><product id='0x1'/><vendor id='0x2'/></capability>`;
    // A capability of a type the model lacks, before the typed one: it stays in extra, at its place.
    const kept = `<capability type='drm'><type>render</type></capability>`;
    for (const [xml, path] of [[`<device><name>d</name>${pci}</device>`, '/device/capability/slot'], [`<device><name>d</name>${kept}${pci}</device>`, '/device/capability[2]/slot']] as const) {
      const good = parseNodeDeviceXml(xml);
      const [capability] = good.capabilities as [NodeDeviceDescription['capabilities'][number]];
      const bad = { ...good, capabilities: [{ ...capability, slot: undefined }] } as never;
      bothWays(codec, good, bad, once('<slot>3</slot>', ''), 'missing-field', path);
    }
  });
});
