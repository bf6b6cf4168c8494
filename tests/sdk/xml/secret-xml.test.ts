// <secret> documents: secrets libvirt 9.0's daemon wrote (one per usage type, and one without a
// usage), round trips, and refusals. The test driver has no secrets: the SDK's part is tested in
// tests/sdk/host-objects.test.ts as far as it reaches.
import assert from 'node:assert/strict';
import { buildSecretXml, parseSecretXml, type SecretDescription } from '../../../src/sdk/xml/index.js';
import { assertRoundTrip, assertSameXml, fixture, xmlError } from './support.js';

const FIXTURES = ['volume', 'ceph', 'iscsi', 'tls', 'vtpm', 'no-usage'].map((n) => `secret-${n}.xml`);

describe('sdk/xml secret', () => {
  it('parses a volume secret with a description', () => {
    assert.deepEqual(parseSecretXml(fixture('secret-volume.xml')), {
      ephemeral: false,
      private: true,
      uuid: '6dd3e4a5-1d76-44ce-961f-f119f5aad935',
      description: 'LUKS passphrase of a guest disk',
      usage: { type: 'volume', volume: '/var/lib/libvirt/images/guest.img' },
    });
  });

  it('reads each usage type by the element that names its object', () => {
    const usages = ['ceph', 'iscsi', 'tls', 'vtpm'].map((n) => parseSecretXml(fixture(`secret-${n}.xml`)).usage);
    assert.deepEqual(usages, [
      { type: 'ceph', name: 'client.libvirt secret' },
      { type: 'iscsi', target: 'libvirtiscsi' },
      { type: 'tls', name: 'TLS_example' },
      { type: 'vtpm', name: 'VTPM_example' },
    ]);
    const ceph = parseSecretXml(fixture('secret-ceph.xml'));
    assert.deepEqual([ceph.ephemeral, ceph.private], [true, false]);
    const none = parseSecretXml(fixture('secret-no-usage.xml'));
    assert.deepEqual([none.usage, none.description], [undefined, 'no usage at all']);
  });

  it('round-trips every secret libvirt wrote without losing anything', () => {
    for (const name of FIXTURES) {
      assertRoundTrip(fixture(name), parseSecretXml, buildSecretXml, 'secret', { label: name });
    }
  });

  it('keeps what it does not model, in its place', () => {
    const xml = `<secret ephemeral='no' private='no' x='1'><uuid>u</uuid><foo/><usage type='tls'><name>n</name><bar/></usage></secret>`;
    const parsed = parseSecretXml(xml);
    assert.deepEqual(parsed.extra?.attributes, { x: '1' });
    assert.deepEqual(parsed.usage?.extra?.children?.map((c) => c.index), [1]);
    assertSameXml(buildSecretXml(parsed), xml, 'secret');
  });

  it('refuses values libvirt never writes, with the path of the bad field', () => {
    const usage = (inner: string): string => `<secret><usage ${inner}</usage></secret>`;
    assert.throws(() => parseSecretXml(usage(`type='rbd'><name>x</name>`)), xmlError('invalid-value', '/secret/usage/@type'));
    assert.throws(() => parseSecretXml(usage(`>`)), xmlError('missing-field', '/secret/usage/@type'));
    assert.throws(() => parseSecretXml(usage(`type='volume'><name>/x</name>`)), xmlError('missing-field', '/secret/usage/volume'));
    assert.throws(() => parseSecretXml(usage(`type='iscsi'><target/>`)), xmlError('missing-field', '/secret/usage/target'));
    assert.throws(() => parseSecretXml(`<secret ephemeral='true'/>`), xmlError('invalid-value', '/secret/@ephemeral'));
    assert.throws(() => parseSecretXml(`<secret private='on'/>`), xmlError('invalid-value', '/secret/@private'));
    assert.throws(() => parseSecretXml(`<volume/>`), xmlError('unexpected-root', '/volume'));
  });

  it("reads <usage type='none'/>, which libvirt accepts and never writes, as no usage, and writes it back as it was", () => {
    const xml = `<secret ephemeral='no' private='no'><uuid>6dd3e4a5-1d76-44ce-961f-f119f5aad935</uuid><usage type='none'/></secret>`;
    const desc = parseSecretXml(xml);
    assert.equal(desc.usage, undefined);
    assert.equal(desc.uuid, '6dd3e4a5-1d76-44ce-961f-f119f5aad935');
    assertRoundTrip(xml, parseSecretXml, buildSecretXml, 'secret');
  });

  it('builders refuse unknown fields, bad booleans and bad usages with the path of the bad field', () => {
    const refused = (doc: unknown, code: 'invalid-value' | 'missing-field', path: string): void => {
      assert.throws(() => buildSecretXml(doc as SecretDescription), xmlError(code, path));
    };
    refused({ ephemeral: 'yes' }, 'invalid-value', '/secret/@ephemeral');
    refused({ private: 1 }, 'invalid-value', '/secret/@private');
    refused({ usageType: 'volume' }, 'invalid-value', '/secret');
    refused(null, 'invalid-value', '/secret');
    refused({ usage: { type: 'rbd', name: 'x' } }, 'invalid-value', '/secret/usage/@type');
    refused({ usage: { volume: '/x' } }, 'missing-field', '/secret/usage/@type');
    refused({ usage: { type: 'volume', name: '/x' } }, 'invalid-value', '/secret/usage');
    refused({ usage: { type: 'ceph', name: 'x', path: '/x' } }, 'invalid-value', '/secret/usage');
    refused({ usage: { type: 'volume', volume: '' } }, 'missing-field', '/secret/usage/volume');
    refused({ usage: { type: 'iscsi' } }, 'missing-field', '/secret/usage/target');
    refused({ usage: 'volume' }, 'invalid-value', '/secret/usage');
  });

  it('builds a secret from a description alone, in the shape libvirt writes', () => {
    assertSameXml(
      buildSecretXml({ ephemeral: false, private: true, description: 'pool key', usage: { type: 'ceph', name: 'client.admin' } }),
      `<secret ephemeral='no' private='yes'><description>pool key</description><usage type='ceph'><name>client.admin</name></usage></secret>`,
      'secret',
    );
    assertSameXml(buildSecretXml({ usage: { type: 'iscsi', target: 'iqn.2024-01.test:t1' } }), `<secret><usage type='iscsi'><target>iqn.2024-01.test:t1</target></usage></secret>`, 'secret');
  });
});
