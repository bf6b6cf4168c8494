/**
 * `qemu-img info --output=json` (QEMU 7.2): the ImageInfo object with the same keys and values.
 * Keys are inserted in QAPI field order, which qemu-json.ts turns into qemu's printed order.
 */
import type { Qcow2Image } from './qcow2/open.js';
import { CRYPT_AES, CRYPT_LUKS } from './qcow2/open.js';
import { listedText } from './qcow2/snapshots.js';
import type { Qcow2Snapshot } from './qcow2/snapshots.js';
import type { QcowV1Image } from './qcow1.js';
import { luksInfoJson } from './luks.js';
import type { QemuJsonValue } from './qemu-json.js';
import { AUTOCLEAR_DATA_FILE_RAW, COMPAT_LAZY_REFCOUNTS, INCOMPAT_CORRUPT, INCOMPAT_DIRTY } from './qcow2/features.js';
import type { ImageFile } from './image-file.js';

export type JsonObject = { [key: string]: QemuJsonValue | undefined };

const SECTOR = 512;

/** qemu's SnapshotInfo; id and name as qemu lists them (cut to its char[128] and char[256]). */
export function snapshotInfoJson(sn: Qcow2Snapshot): JsonObject {
  return {
    id: listedText(sn.idBytes, 'id').text,
    name: listedText(sn.nameBytes, 'name').text,
    // An int in qemu's QAPI: a size of 2^63 or more prints negative there, and so here.
    'vm-state-size': exactJsonInt(BigInt.asIntN(64, sn.vmStateSizeRaw)),
    'date-sec': sn.dateSec,
    'date-nsec': sn.dateNsec,
    'vm-clock-sec': sn.vmClockNsec / 1_000_000_000n,
    'vm-clock-nsec': sn.vmClockNsec % 1_000_000_000n,
    // Also an int in qemu's QAPI: 2^63 and above print negative.
    icount: sn.icount === undefined ? undefined : BigInt.asIntN(64, sn.icount),
  };
}

/** A number while it is exact, else the bigint (qemu-json prints both as integers). */
export function exactJsonInt(value: bigint): number | bigint {
  return value >= -(2n ** 53n) && value < 2n ** 53n ? Number(value) : value;
}

/**
 * bdrv_get_full_backing_filename: a relative name is taken relative to the directory of the
 * image's name as given; absolute names, and names qemu would take for a protocol ("x:..." with
 * the colon before any slash), are printed as they are. This only affects what is printed:
 * opening always treats the name as a plain path (backing-chain.ts).
 */
export function fullBackingFilename(imageName: string, backing: string): string {
  if (backing.startsWith('/') || /^[^/]*:/.test(backing)) return backing;
  const slash = imageName.lastIndexOf('/');
  return slash < 0 ? backing : imageName.slice(0, slash + 1) + backing;
}

function qcow2FormatSpecific(img: Qcow2Image): JsonObject {
  const h = img.header;
  if (h.version === 2) {
    return { compat: '0.10', 'refcount-bits': h.refcountBits, encrypt: undefined, 'compression-type': 'zlib' };
  }
  const data: JsonObject = {
    compat: '1.1',
    'data-file': img.extensions.dataFile,
    'data-file-raw': img.hasDataFile ? (h.autoclearFeatures & AUTOCLEAR_DATA_FILE_RAW) !== 0n : undefined,
    'extended-l2': h.extendedL2,
    'lazy-refcounts': (h.compatibleFeatures & COMPAT_LAZY_REFCOUNTS) !== 0n,
    corrupt: (h.incompatibleFeatures & INCOMPAT_CORRUPT) !== 0n,
    'refcount-bits': h.refcountBits,
    encrypt: undefined,
    bitmaps: img.bitmaps?.map((b) => ({ name: b.name, granularity: b.granularity, flags: b.flagNames })),
    'compression-type': h.compressionType ?? 'zlib',
  };
  return data;
}

function encryptJson(img: Qcow2Image): JsonObject | undefined {
  if (img.header.cryptMethod === CRYPT_AES) return { format: 'aes' };
  if (img.header.cryptMethod === CRYPT_LUKS && img.luks) return { format: 'luks', ...luksInfoJson(img.luks) } as JsonObject;
  return undefined;
}

export function qcow2InfoJson(img: Qcow2Image, displayName: string): JsonObject {
  const h = img.header;
  const data = qcow2FormatSpecific(img);
  const encrypt = encryptJson(img);
  data['encrypt'] = encrypt;
  // qemu lists no snapshots for images with an external data file (-ENOTSUP).
  const snapshots = img.hasDataFile || img.snapshots.length === 0 ? undefined : img.snapshots.map(snapshotInfoJson);
  return {
    filename: displayName,
    format: 'qcow2',
    'dirty-flag': (h.incompatibleFeatures & INCOMPAT_DIRTY) !== 0n,
    'actual-size': img.file.stat.allocatedBytes,
    'virtual-size': Math.floor(h.virtualSize / SECTOR) * SECTOR,
    'cluster-size': h.clusterSize,
    encrypted: h.cryptMethod !== 0 ? true : undefined,
    'backing-filename': img.backingFile,
    'full-backing-filename': img.backingFile === undefined ? undefined : fullBackingFilename(displayName, img.backingFile),
    'backing-filename-format': img.backingFile === undefined ? undefined : img.extensions.backingFormat || undefined,
    snapshots,
    'format-specific': { type: 'qcow2', data },
  };
}

export function qcowV1InfoJson(img: QcowV1Image, displayName: string): JsonObject {
  return {
    filename: displayName,
    format: 'qcow',
    'dirty-flag': false,
    'actual-size': img.file.stat.allocatedBytes,
    'virtual-size': Math.floor(img.header.virtualSize / SECTOR) * SECTOR,
    'cluster-size': img.header.clusterSize,
    encrypted: img.header.cryptMethod !== 0 ? true : undefined,
    'backing-filename': img.backingFile,
    'full-backing-filename': img.backingFile === undefined ? undefined : fullBackingFilename(displayName, img.backingFile),
  };
}

/** raw: the file itself; qemu rounds the size up to whole sectors. */
export function rawInfoJson(file: ImageFile, displayName: string): JsonObject {
  return {
    filename: displayName,
    format: 'raw',
    'dirty-flag': false,
    'actual-size': file.stat.allocatedBytes,
    'virtual-size': Math.ceil(file.size / SECTOR) * SECTOR,
  };
}
