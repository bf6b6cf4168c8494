/** The qemu-made images the mutation fuzzer starts from: small, with every kind of metadata. */
import { qemuImg, qemuIo } from './support/qemu.js';
import type { TempDir } from './support/qemu.js';

export function makeFuzzCorpus(dir: TempDir): string[] {
  qemuImg(['create', '-q', '-f', 'qcow2', '-o', 'cluster_size=4k', 'small.qcow2', '2M'], dir.path);
  qemuIo('small.qcow2', ['write -P 1 0 40k', 'write -c -P 2 64k 4k', 'write -z 128k 8k'], 'qcow2', dir.path);
  qemuImg(['snapshot', '-c', 's1', 'small.qcow2'], dir.path);
  qemuIo('small.qcow2', ['write -P 3 0 4k'], 'qcow2', dir.path);
  qemuImg(['bitmap', '--add', 'small.qcow2', 'b'], dir.path);
  qemuImg(['create', '-q', '-f', 'qcow2', '-o', 'cluster_size=16k,extended_l2=on,compat=1.1', 'extl2.qcow2', '1M'], dir.path);
  qemuIo('extl2.qcow2', ['write -P 4 1k 2k', 'write -z 32k 1k'], 'qcow2', dir.path);
  qemuImg(['create', '-q', '-f', 'qcow2', '-o', 'compat=0.10,cluster_size=512,refcount_bits=16', 'v2.qcow2', '256k'], dir.path);
  qemuIo('v2.qcow2', ['write -P 5 0 8k'], 'qcow2', dir.path);
  qemuImg(['create', '-q', '-f', 'qcow', 'v1.qcow', '1M'], dir.path);
  qemuIo('v1.qcow', ['write -P 6 0 8k', 'write -c -P 7 64k 4k'], 'qcow', dir.path);
  return ['small.qcow2', 'extl2.qcow2', 'v2.qcow2', 'v1.qcow'].map((n) => dir.file(n));
}
