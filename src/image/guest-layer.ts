/**
 * One layer of a backing chain as the block layer sees it: its size, and for a guest range
 * whether this layer has data, reads as zeros, or leaves it to the layer below. The rules are
 * qemu's (qcow2_co_block_status, raw's passthrough, io.c bdrv_co_block_status).
 */
import type { OpenedImage } from './open-image.js';
import { Qcow2GuestMap } from './qcow2/guest-map.js';
import type { HostRun } from './qcow2/guest-map.js';
import { SubclusterType } from './qcow2/table-entries.js';
import { QcowV1GuestMap } from './qcow1-map.js';
import { detectMetadataPreallocation, ZeroRangeProbe } from './qcow2/preallocation.js';

export interface LayerStatus {
  readonly bytes: number;
  readonly data: boolean;
  readonly zero: boolean;
  readonly compressed: boolean;
  /** Host offset (in the image file or its external data file), when qemu reports one. */
  readonly offset: number | undefined;
  /** The qcow2 run behind this status, for readers. */
  readonly run: HostRun | undefined;
}

export interface GuestLayer {
  readonly image: OpenedImage;
  readonly size: number;
  status(offset: number, maxBytes: number): LayerStatus;
}

class Qcow2Layer implements GuestLayer {
  readonly size: number;
  private readonly map: Qcow2GuestMap;
  private readonly encrypted: boolean;

  constructor(readonly image: OpenedImage & { kind: 'qcow2' }) {
    this.map = new Qcow2GuestMap(image.qcow2);
    this.size = this.map.size;
    this.encrypted = image.qcow2.header.cryptMethod !== 0;
  }

  status(offset: number, maxBytes: number): LayerStatus {
    const run = this.map.lookup(offset, maxBytes);
    const t = run.type;
    const offsetValid = !this.encrypted && (t === SubclusterType.Normal || t === SubclusterType.ZeroAlloc || t === SubclusterType.UnallocatedAlloc);
    const zero = t === SubclusterType.ZeroPlain || t === SubclusterType.ZeroAlloc;
    const data = !zero && t !== SubclusterType.UnallocatedPlain && t !== SubclusterType.UnallocatedAlloc;
    const host = offsetValid ? run.hostOffset : undefined;
    if (data && host !== undefined && !this.image.qcow2.hasDataFile && this.metadataPreallocated()) {
      const probed = this.holeProbe.probe(host, run.bytes);
      return { bytes: probed.bytes, data, zero: probed.zero, compressed: false, offset: host, run: { ...run, bytes: probed.bytes } };
    }
    return { bytes: run.bytes, data, zero, compressed: t === SubclusterType.Compressed, offset: host, run };
  }

  private preallocated: boolean | undefined;
  private holeProbeInstance: ZeroRangeProbe | undefined;

  private get holeProbe(): ZeroRangeProbe {
    this.holeProbeInstance ??= new ZeroRangeProbe(this.image.file, this.image.file.stat.blockSize);
    return this.holeProbeInstance;
  }

  /** qemu qcow2_detect_metadata_preallocation, decided once per layer. */
  private metadataPreallocated(): boolean {
    this.preallocated ??= detectMetadataPreallocation(this.image.qcow2);
    return this.preallocated;
  }
}

/**
 * raw: the file itself, at the same offsets. qemu reports the file system's holes as zeros
 * (data: false) and the rest as data; holes are found here by content, a whole file-system
 * block of zeros counting as a hole (see qcow2/preallocation.ts for why).
 */
class RawLayer implements GuestLayer {
  readonly size: number;
  private readonly probe: ZeroRangeProbe;

  constructor(readonly image: OpenedImage) {
    this.size = Math.ceil(image.file.size / 512) * 512;
    this.probe = new ZeroRangeProbe(image.file, image.file.stat.blockSize);
  }

  status(offset: number, maxBytes: number): LayerStatus {
    const p = this.probe.probe(offset, maxBytes);
    return { bytes: p.bytes, data: !p.zero, zero: p.zero, compressed: false, offset, run: undefined };
  }
}

/** QCOW v1: data clusters have an offset unless the image is encrypted; compressed ones do not. */
class QcowV1Layer implements GuestLayer {
  readonly size: number;
  private readonly map: QcowV1GuestMap;
  private readonly encrypted: boolean;

  constructor(readonly image: OpenedImage & { kind: 'qcow' }) {
    this.map = new QcowV1GuestMap(image.qcow);
    this.size = this.map.size;
    this.encrypted = image.qcow.header.cryptMethod !== 0;
  }

  status(offset: number, maxBytes: number): LayerStatus {
    const r = this.map.lookup(offset, maxBytes);
    const data = r.kind !== 'unallocated';
    const compressed = r.kind === 'compressed' || (data && this.encrypted);
    const type = r.kind === 'unallocated' ? SubclusterType.UnallocatedPlain : r.kind === 'compressed' ? SubclusterType.Compressed : SubclusterType.Normal;
    return {
      bytes: r.bytes, data, zero: false, compressed, offset: compressed ? undefined : r.hostOffset,
      run: { bytes: r.bytes, type, hostOffset: r.hostOffset, compressed: r.compressed },
    };
  }
}

export function guestLayerOf(image: OpenedImage): GuestLayer {
  if (image.kind === 'qcow2') return new Qcow2Layer(image);
  if (image.kind === 'qcow') return new QcowV1Layer(image);
  return new RawLayer(image);
}
