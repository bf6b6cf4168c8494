// tsvirt: the generated libvirt bindings, the runtime types they use, and the SDK.
export * from '../generated/index.js';
export { LibvirtError, isLibvirtError, formatVersion, parseVersion, loadedLibvirtVersion, liveHandleCount, liveCallbackCount, MINIMUM_LIBVIRT_VERSION } from './ffi/index.js';
export type { Handle, Pointer, TypedParameter, TypedCallback, CallbackArg } from './ffi/index.js';
