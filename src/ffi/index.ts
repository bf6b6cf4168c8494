// The runtime the generated layer calls. Nothing here knows a libvirt function by name except
// the few it needs itself (virGetVersion, virGetLastError, virSetErrorFunc).
export { defineFunction, functionSpec, resultLayout, rawFunction, checkArguments } from './call.js';
export { describeValue } from './arg-checks.js';
export { structSpec, functypeSpec } from './types.js';
export { decodeStruct, decodeStructArray } from './struct-decoder.js';
export { structColumns } from './struct-columns.js';
export type { NumberArray, NumberField, StructColumns } from './struct-columns.js';
export { decodeTypedParameters, typedParamRanges } from './typed-params.js';
export { copyCString, allocNative, allocCString, writeNative, freeNative } from './native.js';
export { sizeOf, koffiOffsetOf } from './types.js';
export type { NativeFunction } from './call.js';
export { registerHandle, registerStruct, registerFunctype } from './types.js';
export { registerHandleField, publicArgs } from './roles.js';
export { LibvirtError, isLibvirtError, registerErrorNames, tsvirtError, VIR_ERR_INTERNAL_ERROR, VIR_ERR_INVALID_ARG, VIR_ERR_NO_SUPPORT } from './errors.js';
export type { LibvirtErrorFields } from './errors.js';
export type { Handle, Pointer } from './handles.js';
export type { EnumValue } from './enum-value.js';
export { liveHandleCount, adoptHandle, forgetReleased, setHandleTracking } from './handles.js';
export { liveCallbackCount } from './callbacks.js';
export type { CallbackArg, NativeCallback, TypedCallback } from './callbacks.js';
export { isNativeCallback, permanentCallback } from './callbacks.js';
export type { TypedParameter } from './typed-params.js';
export { loadedLibvirtVersion } from './library-state.js';
export { parseVersion, formatVersion, MINIMUM_LIBVIRT_VERSION } from './version.js';
export { readVariable, hasSymbol } from './variables.js';
export type { FunctionSpec, StructSpec, FunctypeSpec, ArgSpec, ValueType } from './spec.js';
export type { LibraryId } from './native.js';
