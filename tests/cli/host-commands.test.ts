// tsvirt secret, iface, nodedev and nwfilter, in this process against test:///default (which has
// host interfaces and node devices, and no secrets or filters: those are tested on the daemon).
import assert from 'node:assert/strict';
import { capabilityLines, runIface, runNodedev, runNwfilter, runSecret } from '../../src/cli/host-commands.js';
import { parseNodeDeviceXml } from '../../src/sdk/index.js';
import { UsageError } from '../../src/cli/args.js';
import { isLibvirtError } from '../../src/ffi/index.js';
import * as v from '../../generated/index.js';
import { runOn, tableRows, type Command, type CommandRun } from '../support/cli-run.js';

const run = (command: Command, ...argv: string[]): Promise<CommandRun> => runOn('test:///default', command, ...argv);

describe('tsvirt secret, iface and nodedev (in this process)', function () {
  this.timeout(60_000);

  it('iface list and info: state, MAC and the typed XML of an interface', async () => {
    const list = await run(runIface, 'list');
    assert.equal(list.status, 0);
    assert.deepEqual(tableRows(list.stdout), [['eth1', 'active', 'aa:bb:cc:dd:ee:ff']]);
    assert.deepEqual(JSON.parse((await run(runIface, 'list', '--json')).stdout), [{ name: 'eth1', active: true, mac: 'aa:bb:cc:dd:ee:ff' }]);
    const info = JSON.parse((await run(runIface, 'info', 'eth1', '--json')).stdout) as Record<string, unknown>;
    assert.deepEqual(info, { name: 'eth1', active: true, mac: 'aa:bb:cc:dd:ee:ff', type: 'ethernet', startMode: 'onboot', mtu: 1492, addresses: ['192.168.0.5/24'] });
    const text = new Map(tableRows((await run(runIface, 'info', 'eth1')).stdout).map(([k, val]) => [k, val]));
    assert.deepEqual([text.get('active'), text.get('mtu'), text.get('addresses')], ['yes', '1492', '192.168.0.5/24']);
    await assert.rejects(run(runIface, 'info', 'nope0'), (e: unknown) => isLibvirtError(e) && e.code === v.VIR_ERR_NO_INTERFACE);
  });

  it('nodedev list, filtered by capability, and info with a line per capability', async () => {
    const all = tableRows((await run(runNodedev, 'list')).stdout);
    assert.ok(all.some(([name, parent, caps]) => name === 'computer' && parent === '-' && caps === 'system'), JSON.stringify(all));
    assert.ok(all.some(([name, parent]) => name === 'scsi_host1' && parent === 'computer'));
    // Sorted by name, as virsh sorts: the test driver lists in no fixed order.
    assert.deepEqual(all.map(([name]) => name), all.map(([name]) => name as string).sort((a, b) => a.localeCompare(b)));
    const hosts = JSON.parse((await run(runNodedev, 'list', '--cap', 'scsi_host', '--json')).stdout) as { name: string; capabilities: string[] }[];
    assert.ok(hosts.length > 0 && hosts.length === all.filter(([, , caps]) => caps === 'scsi_host').length);
    assert.ok(hosts.every((h) => h.capabilities.includes('scsi_host')));
    const info = new Map(tableRows((await run(runNodedev, 'info', 'scsi_host1')).stdout).map(([k, val]) => [k, val]));
    assert.deepEqual([info.get('parent'), info.get('scsi_host')], ['computer', 'host 1 wwpn 1000000012341234']);
    const json = JSON.parse((await run(runNodedev, 'info', 'scsi_host1', '--json')).stdout) as { capabilities: { type: string; fcHost?: { wwnn?: string } }[]; otherCapabilities: string[] };
    assert.deepEqual(json.capabilities.map((c) => [c.type, c.fcHost?.wwnn]), [['scsi_host', '2000000012341234']]);
    assert.deepEqual(json.otherCapabilities, []);
  });

  it('nodedev info has a line for a capability the SDK does not type too, with its values as written', () => {
    // A USB interface and a GPU's render node (the test driver has neither): types kept in the description's extra.
    const usb = parseNodeDeviceXml(`<device><name>usb_1_1_1_0</name><parent>usb_1_1_1</parent>
      <capability type='usb'><number>0</number><class>3</class><subclass>1</subclass><protocol>2</protocol><description>Boot Mouse</description></capability></device>`);
    assert.deepEqual(capabilityLines(usb), { usb: 'number 0, class 3, subclass 1, protocol 2, description Boot Mouse' });
    const gpu = parseNodeDeviceXml(`<device><name>drm_renderD128</name><capability type='drm'><type>render</type></capability>
      <capability type='pci'><domain>0</domain><bus>0</bus><slot>2</slot><function>0</function><product id='0x5917'/><vendor id='0x8086'>Intel Corporation</vendor></capability></device>`);
    assert.deepEqual(capabilityLines(gpu), { pci: '0000:00:02.0 Intel Corporation (0x8086) 0x5917', drm: 'type render' });
  });

  it('an unknown capability is a usage error before anything connects, naming the ones there are', async () => {
    await assert.rejects(run(runNodedev, 'list', '--cap', 'PCI'), (e: unknown) => e instanceof UsageError && /^--cap: unknown value 'PCI' \(one of: .*\bpci\b.*usb_device/.test(e.message));
    await assert.rejects(run(runNodedev, 'list', '--cap', ''), (e: unknown) => e instanceof UsageError && /^--cap: an empty value \(one of: /.test(e.message));
    await assert.rejects(run(runNodedev, 'info', 'computer', '--cap', 'pci'), (e: unknown) => e instanceof UsageError && /takes no --cap/.test(e.message));
  });

  it('secret and nwfilter commands report the driver\'s own error where it has neither', async () => {
    await assert.rejects(run(runSecret, 'list'), (e: unknown) => isLibvirtError(e) && e.code === v.VIR_ERR_NO_SUPPORT);
    await assert.rejects(run(runNwfilter, 'list'), (e: unknown) => isLibvirtError(e) && e.code === v.VIR_ERR_NO_SUPPORT);
  });
});
