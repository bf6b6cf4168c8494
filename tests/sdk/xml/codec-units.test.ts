// The raw layer, size units and the error type shared by all documents.
import assert from 'node:assert/strict';
import {
  buildDomainXml,
  buildPoolXml,
  buildVolumeXml,
  buildSnapshotXml,
  buildXmlElement,
  parseDomainXml,
  parseNWFilterBindingXml,
  parsePoolXml,
  parseSnapshotXml,
  parseVolumeXml,
  parseXmlElement,
  sizeToBytes,
  unitMultiplier,
  XmlDocumentError,
  type DiskDescription,
  type DiskSource,
  type XmlElement,
  type XmlNode,
} from '../../../src/sdk/xml/index.js';
import { ElementReader } from '../../../src/sdk/xml/xml-element.js';
import { xmlError } from './support.js';

describe('sdk/xml codec', () => {
  it('keeps attribute and text values as strings, decoding and re-encoding entities', () => {
    const el = parseXmlElement(`<a n='0755' q="x &amp; 'y' &lt;z&gt;"><b> 007 </b><c/></a>`, 'a');
    assert.deepEqual(el.attributes, { n: '0755', q: `x & 'y' <z>` });
    assert.deepEqual(el.children[0], { name: 'b', attributes: {}, children: [{ text: ' 007 ' }] });
    const again = parseXmlElement(buildXmlElement(el), 'a');
    assert.deepEqual(again, el);
  });

  it('decodes character references in one pass with the predefined entities, and round-trips them', () => {
    const el = parseXmlElement(`<a d='&#65;&#x42;' e='a&amp;#233;b'>g&#233;st &#x1F600; &lt;&#38;&gt;<![CDATA[x&amp;y]]></a>`, 'a');
    assert.deepEqual(el.attributes, { d: 'AB', e: 'a&#233;b' }, '&amp;#233; is the text &#233;');
    assert.deepEqual(el.children, [{ text: 'g\u00e9st \u{1F600} <&>' }, { text: 'x&amp;y' }], 'CDATA is literal');
    assert.deepEqual(parseXmlElement(buildXmlElement(el), 'a').attributes, el.attributes);
    assert.equal(parseSnapshotXml('<domainsnapshot><name>g&#233;st</name></domainsnapshot>').name, 'g\u00e9st');
  });

  it('writes tabs, line feeds and carriage returns as references where a parser would normalise them', () => {
    const el = parseXmlElement(`<a t="x&#9;y&#10;z&#13;w"><c>one&#13;\ntwo</c></a>`, 'a');
    assert.deepEqual(el.attributes, { t: 'x\ty\nz\rw' });
    const xml = buildXmlElement(el);
    assert.match(xml, /t="x&#9;y&#10;z&#13;w"/);
    assert.match(xml, /one&#13;\ntwo/);
    assert.deepEqual(parseXmlElement(xml, 'a'), el);
  });

  it('refuses undefined entities, references to characters XML does not allow, and entity declarations', () => {
    assert.throws(() => parseXmlElement('<a>&nbsp;</a>', 'a'), xmlError('malformed', '/'));
    for (const inherited of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      assert.throws(() => parseXmlElement(`<a>&${inherited};</a>`, 'a'), xmlError('malformed', '/'), inherited);
    }
    assert.throws(() => parseXmlElement('<a>&#0;</a>', 'a'), xmlError('malformed', '/'));
    assert.throws(() => parseXmlElement('<a x="&#xD800;"/>', 'a'), xmlError('malformed', '/'));
    assert.throws(() => parseXmlElement('<a>&#x110000;</a>', 'a'), xmlError('malformed', '/'));
    assert.throws(() => parseXmlElement('<!DOCTYPE a [<!ENTITY x "yyyy">]><a>&x;</a>', 'a'), xmlError('malformed', '/'));
  });

  it('builders refuse what XML cannot carry and lists that are not lists, with the path', () => {
    assert.throws(() => buildVolumeXml({ name: 'a\u0001b', capacity: { value: 1n } }), xmlError('invalid-value', '/volume/name'));
    assert.throws(() => buildVolumeXml({ name: 'v', capacity: { value: 1n }, key: 5 } as never), xmlError('invalid-value', '/volume/key'));
    assert.throws(() => buildVolumeXml({ name: 'v', capacity: { value: 16n, unit: 'EiB' } }), xmlError('invalid-value', '/volume/capacity'));
    assert.match(buildVolumeXml({ name: 'v', capacity: { value: 15n, unit: 'EiB' } }), /<capacity unit="EiB">15<\/capacity>/);
    const dom = parseDomainXml(`<domain type='test'><name>x</name><memory>1</memory><os><type>hvm</type></os><devices/></domain>`);
    assert.throws(() => buildDomainXml({ ...dom, description: 'lone \ud800' }), xmlError('invalid-value', '/domain/description'));
    assert.throws(() => buildDomainXml({ ...dom, features: { enabled: ['acpi', 'a b'] } }), xmlError('invalid-value', '/domain/features/*[2]'));
    assert.throws(() => buildDomainXml({ ...dom, features: { enabled: 'acpi' } as never }), xmlError('invalid-value', '/domain/features'));
    assert.throws(() => buildDomainXml({ ...dom, devices: { disks: [null] } } as never), xmlError('invalid-value', '/domain/devices/disk'));
    assert.throws(() => buildPoolXml({ type: 'netfs', name: 'p', source: { hosts: [{ name: 'h', port: -5 }], devices: [] } }), xmlError('invalid-value', '/pool/source/host/@port'));
    // Absent lists are empty: an <os> without <boot> and empty <features> are valid libvirt XML.
    assert.match(buildDomainXml({ ...dom, os: { type: 'hvm' } as never, features: {} as never }), /<os>\s*<type>hvm<\/type>\s*<\/os>/);
  });

  it('reads and writes elements nested as deep as libvirt does (a long backing chain), and no deeper', () => {
    // A disk whose 120-image backing chain libvirt reports as nested <backingStore> elements.
    const chain = (n: number): string => `<backingStore type='file'><format type='qcow2'/><source file='/b.qcow2'/>`.repeat(n) + '<backingStore/>' + '</backingStore>'.repeat(n);
    const domain = `<domain type='test'><name>x</name><memory>1</memory><os><type>hvm</type></os><devices><disk type='file'><source file='/top.qcow2'/>${chain(120)}<target dev='vda'/></disk></devices></domain>`;
    const parsed = parseDomainXml(domain);
    assert.deepEqual(parseDomainXml(buildDomainXml(parsed)), parsed);
    // libvirt (libxml2) reads 256 levels below the root and refuses more.
    const nested = (levels: number): string => '<a>'.repeat(levels) + '</a>'.repeat(levels);
    assert.equal(parseXmlElement(nested(257), 'a').name, 'a');
    assert.throws(() => parseXmlElement(nested(258), 'a'), xmlError('malformed', '/'));
    // A tree that contains itself is refused too, with a typed error rather than a stack overflow.
    const loop: { name: string; attributes: Record<string, string>; children: unknown[] } = { name: 'a', attributes: {}, children: [] };
    loop.children.push(loop);
    assert.throws(() => buildXmlElement(loop as XmlElement), xmlError('invalid-value'));
  });

  it('builders refuse element and attribute names that are not XML names (no markup injected through a key)', () => {
    const dom = parseDomainXml(`<domain type='test'><name>x</name><memory>1</memory><os><type>hvm</type></os><devices/></domain>`);
    // A source object whose keys came from elsewhere: refused as a field the type lacks, before
    // any key could become an attribute name.
    const source = { file: '/a', 'x="1"/><evil a': 'b' } as DiskSource;
    const disks: DiskDescription[] = [{ type: 'file', source, target: { dev: 'vda' } }];
    assert.throws(() => buildDomainXml({ ...dom, devices: { ...dom.devices, disks } }), xmlError('invalid-value', '/domain/devices/disk/source'));
    assert.throws(() => buildDomainXml({ ...dom, extra: { attributes: { 'a="b"><x': 'y' } } }), xmlError('invalid-value', '/domain/@a="b"><x'));
    const node = { name: 'x><evil/><y', attributes: {}, children: [] };
    assert.throws(() => buildDomainXml({ ...dom, extra: { children: [{ index: 0, node }] } }), xmlError('invalid-value', '/domain/x><evil/><y'));
    assert.throws(() => buildXmlElement({ name: '1a', attributes: {}, children: [] }), xmlError('invalid-value', '/1a'));
    // Paths number same-named siblings as a reader does: the first of several is [1], one alone has no number.
    const el = (name: string, attributes: Record<string, string> = {}): XmlElement => ({ name, attributes, children: [] });
    const rules = (first: XmlElement, second: XmlElement): XmlElement => ({ name: 'filter', attributes: {}, children: [first, el('uuid'), second] });
    assert.throws(() => buildXmlElement(rules(el('rule', { 'a b': '1' }), el('rule'))), xmlError('invalid-value', '/filter/rule[1]/@a b'));
    assert.throws(() => buildXmlElement(rules(el('rule'), el('rule', { 'a b': '1' }))), xmlError('invalid-value', '/filter/rule[2]/@a b'));
    assert.throws(() => buildXmlElement(rules(el('rule', { 'a b': '1' }), el('filterref'))), xmlError('invalid-value', '/filter/rule/@a b'));
    // Namespace prefixes and non-ASCII letters are names.
    const ok = buildXmlElement({ name: 'qemu:commandline', attributes: { 'xmlns:qemu': 'u', 'é-x.1': 'v' }, children: [] });
    assert.equal(ok, '<qemu:commandline xmlns:qemu="u" é-x.1="v"/>\n');
  });

  it('builders refuse a field a description type lacks, a flag that is not a boolean, and null for a part, with the path', () => {
    const dom = parseDomainXml(`<domain type='test'><name>x</name><memory>1</memory><os><type>hvm</type></os><devices/></domain>`);
    const withDisk = (disk: object) => ({ ...dom, devices: { ...dom.devices, disks: [{ type: 'file', target: { dev: 'vda' }, ...disk }] } });
    const unknown = (path: string, field: string) => (e: unknown): boolean => xmlError('invalid-value', path)(e) && (e as Error).message.includes(`unknown field '${field}'`);
    // `vcpus` for `vcpu` defined a domain of one vCPU, and `readonly: 'yes'` a writable disk, with no error.
    assert.throws(() => buildDomainXml({ ...dom, vcpus: 4 } as never), unknown('/domain', 'vcpus'));
    assert.throws(() => buildDomainXml(withDisk({ readonly: 'yes' }) as never), xmlError('invalid-value', '/domain/devices/disk/readonly'));
    assert.throws(() => buildDomainXml(withDisk({ target: { dev: 'vda', buss: 'virtio' } }) as never), unknown('/domain/devices/disk/target', 'buss'));
    assert.throws(() => buildDomainXml({ ...dom, os: { ...dom.os, boots: ['hd'] } } as never), unknown('/domain/os', 'boots'));
    assert.throws(() => buildDomainXml({ ...dom, os: null } as never), xmlError('invalid-value', '/domain/os'));
    assert.throws(() => buildDomainXml(withDisk({ target: null }) as never), xmlError('invalid-value', '/domain/devices/disk/target'));
    assert.throws(() => buildSnapshotXml({ name: 's', disks: [], memroy: { snapshot: 'no' } } as never), unknown('/domainsnapshot', 'memroy'));
    assert.throws(() => buildSnapshotXml({ name: 's', disks: [{ name: 'vda', snapshto: 'no' }] } as never), unknown('/domainsnapshot/disks/disk', 'snapshto'));
    assert.throws(() => buildSnapshotXml({ name: 's', disks: [], domain: dom, domainUuid: '6695eb01-f6a4-8304-79aa-97f2502e193f' }), xmlError('invalid-value', '/domainsnapshot/domain'));
    assert.throws(() => buildSnapshotXml(null as never), xmlError('invalid-value', '/domainsnapshot'));
    assert.throws(() => buildPoolXml({ type: 'dir', name: 'p', target: { path: '/p', permissions: { mode: '0755', user: 0 } } } as never), unknown('/pool/target/permissions', 'user'));
    assert.throws(() => buildPoolXml({ type: 'dir', name: 'p', source: null } as never), xmlError('invalid-value', '/pool/source'));
    assert.throws(() => buildVolumeXml({ name: 'v', capacity: { value: 1n, unit: 'MiB' }, target: { format: { type: 'qcow2', compat: '1.1' } } } as never), unknown('/volume/target/format', 'compat'));
    // What the parsers give back is built back: every field they fill in is one the builders take.
    assert.equal(buildDomainXml(dom), buildDomainXml(parseDomainXml(buildDomainXml(dom))));
  });

  it('builders refuse numbers that are not integers and values that are not strings, with the path', () => {
    const dom = parseDomainXml(`<domain type='test'><name>x</name><memory>1</memory><os><type>hvm</type></os><devices/></domain>`);
    const withDisk = (disk: Partial<DiskDescription>) => ({ ...dom, devices: { ...dom.devices, disks: [{ type: 'file', target: { dev: 'vda' }, ...disk }] } });
    assert.throws(() => buildDomainXml(withDisk({ bootOrder: NaN })), xmlError('invalid-value', '/domain/devices/disk/boot/@order'));
    assert.throws(() => buildDomainXml(withDisk({ device: {} as never })), xmlError('invalid-value', '/domain/devices/disk/@device'));
    assert.throws(() => buildDomainXml({ ...dom, id: NaN }), xmlError('invalid-value', '/domain/@id'));
    assert.throws(() => buildDomainXml({ ...dom, vcpu: { count: 2, current: 1.5 } }), xmlError('invalid-value', '/domain/vcpu/@current'));
    const graphics = (g: object) => ({ ...dom, devices: { ...dom.devices, graphics: [{ type: 'vnc', ...g }] } });
    assert.throws(() => buildDomainXml(graphics({ port: Infinity })), xmlError('invalid-value', '/domain/devices/graphics/@port'));
    assert.throws(() => buildDomainXml(graphics({ autoport: 'no' })), xmlError('invalid-value', '/domain/devices/graphics/@autoport'));
    const perms = { owner: NaN, group: 0 };
    assert.throws(() => buildVolumeXml({ name: 'v', capacity: { value: 1n }, target: { permissions: perms } }), xmlError('invalid-value', '/volume/target/permissions/owner'));
    // Integers are written in decimal, -1 (automatic port) included.
    assert.match(buildDomainXml({ ...withDisk({ bootOrder: 2 }), id: 7 }), /<domain type="test" id="7">[^]*<boot order="2"\/>/);
    assert.match(buildDomainXml(graphics({ port: -1, autoport: true })), /<graphics type="vnc" port="-1" autoport="yes"\/>/);
  });

  it('reads n repeated children in time linear in n (each child is looked at a bounded number of times)', () => {
    const n = 2000;
    const devices = parseXmlElement(`<devices>${`<disk type='file'><target dev='vda'/></disk><controller type='usb'/>`.repeat(n)}</devices>`, 'devices');
    let reads = 0;
    const counted = new Proxy(devices.children as XmlNode[], {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads += 1;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const reader = new ElementReader({ ...devices, children: counted }, '/devices');
    const disks = reader.children('disk');
    assert.equal(disks.length, n);
    assert.equal(disks[n - 1]?.path, `/devices/disk[${n}]`);
    assert.equal(reader.child('disk'), undefined);
    assert.ok(reads < 4 * 2 * n, `${reads} reads of ${2 * n} children`);
  });

  it('reports malformed XML, several roots and the wrong root with typed errors', () => {
    assert.throws(() => parseXmlElement('<a><b></a>', 'a'), xmlError('malformed', '/'));
    assert.throws(() => parseXmlElement('', 'a'), xmlError('malformed', '/'));
    assert.throws(() => parseXmlElement('<a/><a/>', 'a'), xmlError('malformed', '/'));
    assert.throws(() => parseDomainXml('<pool type="dir"><name>p</name></pool>'), xmlError('unexpected-root', '/pool'));
    assert.throws(() => parseSnapshotXml('<domain/>'), xmlError('unexpected-root', '/domain'));
    assert.throws(() => parseVolumeXml('<volume><capacity>1'), xmlError('malformed'));
  });

  it('reports missing and invalid fields with their path', () => {
    assert.throws(() => parsePoolXml(`<pool type='dir'><uuid>x</uuid></pool>`), xmlError('missing-field', '/pool/name'));
    assert.throws(() => parseVolumeXml('<volume><name>v</name></volume>'), xmlError('missing-field', '/volume/capacity'));
    assert.throws(() => parseVolumeXml(`<volume><name>v</name><capacity unit='parsecs'>1</capacity></volume>`), xmlError('invalid-value', '/volume/capacity/@unit'));
    assert.throws(() => parseVolumeXml('<volume><name>v</name><capacity>-1</capacity></volume>'), xmlError('invalid-value', '/volume/capacity'));
    assert.throws(() => parseSnapshotXml('<domainsnapshot><disks><disk/></disks><name>s</name></domainsnapshot>'), xmlError('missing-field', '/domainsnapshot/disks/disk/@name'));
    const e = (() => { try { parseDomainXml('<domain><name>x</name></domain>'); } catch (err) { return err; } })();
    assert.ok(e instanceof XmlDocumentError && e.message.startsWith('/domain/@type:'));
    // One message for a missing part wherever it is read: an attribute by its name, else an element.
    const message = (parse: () => unknown): string => { try { parse(); } catch (err) { return (err as Error).message; } return 'parsed'; };
    const binding = (inner: string): string => `<filterbinding><owner><name>g</name><uuid>u</uuid></owner>${inner}<filterref filter='f'/></filterbinding>`;
    assert.equal(message(() => parseNWFilterBindingXml(binding(`<portdev name='vnet0'/><mac/>`))), "/filterbinding/mac/@address: attribute 'address' is required");
    assert.equal(message(() => parseNWFilterBindingXml(binding(`<mac address='52:54:00:00:00:01'/>`))), '/filterbinding/portdev/@name: attribute \'name\' is required');
    assert.equal(message(() => parseVolumeXml('<volume><name>v</name></volume>')), '/volume/capacity: element is required');
  });

  it('converts libvirt units to bytes the way libvirt scales them', () => {
    assert.equal(unitMultiplier('b'), 1n);
    assert.equal(unitMultiplier('bytes'), 1n);
    assert.equal(unitMultiplier('k'), 1024n);
    assert.equal(unitMultiplier('KiB'), 1024n);
    assert.equal(unitMultiplier('KB'), 1000n);
    assert.equal(unitMultiplier('M'), 1024n ** 2n);
    assert.equal(unitMultiplier('GiB'), 1024n ** 3n);
    assert.equal(unitMultiplier('TB'), 1000n ** 4n);
    assert.equal(unitMultiplier('EiB'), 1024n ** 6n);
    assert.equal(unitMultiplier('furlongs'), undefined);
    assert.equal(sizeToBytes({ value: 8388608n, unit: 'KiB' }, 'bytes'), 8589934592n);
    assert.equal(sizeToBytes({ value: 3n }, 'KiB'), 3072n);
    assert.throws(() => sizeToBytes({ value: 1n, unit: 'nope' }, 'bytes'), xmlError('invalid-value'));
    // An empty unit is the element's default unit, as libvirt reads it.
    const d = parseDomainXml(`<domain type='test'><name>x</name><memory unit=''>2</memory><os><type>hvm</type></os><devices/></domain>`);
    assert.equal(sizeToBytes(d.memory, 'KiB'), 2048n);
  });

  it('keeps sizes beyond 2^53 exact', () => {
    const big = '18014398509481985'; // 2^54 + 1
    const vol = parseVolumeXml(`<volume><name>v</name><capacity unit='KiB'>${big}</capacity></volume>`);
    assert.equal(vol.capacity.value, 2n ** 54n + 1n);
    assert.equal(sizeToBytes(vol.capacity, 'bytes'), (2n ** 54n + 1n) * 1024n);  });

  it('reads sizes up to 2^64-1 as libvirt does and refuses larger ones, however many digits', () => {
    const capacity = (digits: string) => parseVolumeXml(`<volume><name>v</name><capacity>${digits}</capacity></volume>`).capacity.value;
    assert.equal(capacity('18446744073709551615'), 2n ** 64n - 1n);
    assert.equal(capacity(`${'0'.repeat(100)}42`), 42n);
    assert.throws(() => capacity('18446744073709551616'), xmlError('invalid-value', '/volume/capacity'));
    // Refused from its length alone: making a bigint of a million digits takes about a second.
    assert.throws(() => capacity('9'.repeat(1_000_000)), xmlError('invalid-value', '/volume/capacity'));
    assert.equal(capacity(`${'0'.repeat(1_000_000)}7`), 7n);
  });
});
