/**
 * tsvirt/image: an offline, read-only disk-image inspector. No libvirt needed.
 *
 * Detection (`detectImageFormat`) is separate from reading: every reading call takes the format
 * from the caller, or 'probe' when the caller opts in to detection. Referenced files (backing
 * files) are opened only when `allowBacking` says so.
 */
export * from './errors.js';
export * from './limits.js';
export { ImageFile } from './image-file.js';
export type { ImageFileStat } from './image-file.js';
export { detectFormat, detectFromBytes, IMAGE_FORMATS } from './probe.js';
export type { DetectResult, FormatMatch, ImageFormatName } from './probe.js';
export { openImage, openImageFile, closeImage, READABLE_FORMATS } from './open-image.js';
export type { FormatChoice, OpenedImage } from './open-image.js';
export { openChain, openChainUntilError, closeChain, resolveBackingPath } from './backing-chain.js';
export type { BackingPolicy, ChainLayer, PartialChain } from './backing-chain.js';
export { imageInfo, imageInfoJson } from './info-api.js';
export type { ImageInfoResult, InfoOptions, QemuImageInfo } from './info-api.js';
export { fullBackingFilename, snapshotInfoJson } from './info.js';
export { qemuJsonPretty, qemuJsonString } from './qemu-json.js';
export { formatSnapshotList } from './snapshot-list.js';
export type { SnapshotLayout } from './snapshot-list.js';
export { qemuSizeToStr } from './human-size.js';
export { openQcow2 } from './qcow2/open.js';
export type { Qcow2Image } from './qcow2/open.js';
export type { Qcow2Header, CompressionType } from './qcow2/header.js';
export { parseQcow2Header } from './qcow2/header.js';
export type { Qcow2Extensions, HeaderExtension, BitmapsExtension, CryptoHeaderExtension } from './qcow2/extensions.js';
export type { FeatureBit, FeatureKind, FeatureNameEntry } from './qcow2/features.js';
export type { Qcow2Snapshot } from './qcow2/snapshots.js';
export type { Qcow2Bitmap } from './qcow2/bitmaps.js';
export { openQcowV1, parseQcowV1Header } from './qcow1.js';
export type { QcowV1Header, QcowV1Image } from './qcow1.js';
export type { LuksHeader, LuksSlot } from './luks.js';
export { checkFindings, imageCheck, imageMap, imageMapJson, writeImageMapJson, NO_CHECK_EXIT_CODE } from './check-api.js';
export type { CheckOptions, ImageCheckResult, MapOptions } from './check-api.js';
export { checkQcow2 } from './qcow2/check.js';
export type { Qcow2CheckResult, FragmentationInfo, CheckProgress } from './qcow2/check.js';
export type { Finding, FindingCode, FindingSeverity } from './qcow2/findings.js';
export { blockStatus, walkMap, mapEntryJson } from './map.js';
export type { MapEntry, MapLayout, MapProgress } from './map.js';
export { guestLayerOf } from './guest-layer.js';
export type { GuestLayer, LayerStatus } from './guest-layer.js';
export { GuestReader } from './guest-reader.js';
export type { GuestReaderOptions } from './guest-reader.js';
export { openGuestReader } from './reader-api.js';
export type { OpenedReader, ReaderOptions } from './reader-api.js';
export { registerZstdDecompressor, zstdAvailable } from './decompress.js';
export type { ZstdDecompressor } from './decompress.js';
export { readPartitions, guidString } from './partitions.js';
export type { Partition, PartitionTable } from './partitions.js';
export { imageSnapshots, snapshotsJson, snapshotsText } from './snapshots-api.js';
export type { ImageSnapshots, SnapshotsOptions } from './snapshots-api.js';
export { infoHumanText } from './info-human.js';
export { mapFileNames, writeMapHuman, writeMapJson } from './map.js';
export { formatSnapshotTable } from './snapshot-list.js';
export type { SnapshotRow } from './snapshot-list.js';
export { checkExitCode, checkHumanText, checkJsonText, cFixed2 } from './check-report.js';
