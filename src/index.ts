// tsvirt: the generated libvirt bindings and the runtime types they use. The SDK is `tsvirt/sdk`,
// the image inspector `tsvirt/image`.
export * from '../generated/index.js';
export { LibvirtError, isLibvirtError, formatVersion, parseVersion, loadedLibvirtVersion, liveHandleCount, liveCallbackCount, MINIMUM_LIBVIRT_VERSION } from './ffi/index.js';
export type { Handle, Pointer, TypedParameter, TypedCallback, CallbackArg } from './ffi/index.js';
