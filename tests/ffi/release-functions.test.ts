// A release function a spec names (free=, clear=, freeElement, ...) is looked up in the library
// of the function whose memory it releases: a companion library exports its own functions and,
// linked against libvirt, finds libvirt's; libvirt's shared object has none of the companions'.
import assert from 'node:assert/strict';
import { releaseWith } from '../../src/ffi/release-functions.js';

describe('release functions', () => {
  it("are found in the calling function's library: its own, and libvirt's through it", () => {
    assert.equal(typeof releaseWith('libvirt-admin', 'virAdmServerFree'), 'function');
    assert.equal(typeof releaseWith('libvirt-qemu', 'virTypedParamsClear', true), 'function');
    assert.equal(typeof releaseWith('libvirt', 'virFreeError'), 'function');
    assert.throws(() => releaseWith('libvirt', 'virAdmServerFree'), /virAdmServerFree/);
  });
});
