/**
 * A small builder of QCOW2 images in memory, for parser units: header fields, extensions,
 * snapshot entries and tables are placed where the test says, nothing is validated.
 */

export interface HeaderFields {
  version?: number;
  backingFileOffset?: bigint;
  backingFileSize?: number;
  clusterBits?: number;
  size?: bigint;
  cryptMethod?: number;
  l1Size?: number;
  l1TableOffset?: bigint;
  refcountTableOffset?: bigint;
  refcountTableClusters?: number;
  nbSnapshots?: number;
  snapshotsOffset?: bigint;
  incompatible?: bigint;
  compatible?: bigint;
  autoclear?: bigint;
  refcountOrder?: number;
  headerLength?: number;
}

export class Qcow2Builder {
  readonly buf: Buffer;
  readonly clusterSize: number;

  constructor(clusters: number, clusterBits = 16) {
    this.clusterSize = 2 ** clusterBits;
    this.buf = Buffer.alloc(clusters * this.clusterSize);
    // A valid minimal v3 image: header in cluster 0, refcount table in 1, refblock in 2, L1 in 3.
    this.header({ clusterBits });
    this.buf.writeBigUInt64BE(BigInt(2 * this.clusterSize), this.clusterSize);
    for (let c = 0; c < 4; c++) this.buf.writeUInt16BE(1, 2 * this.clusterSize + c * 2);
  }

  header(f: HeaderFields): this {
    const b = this.buf;
    b.writeUInt32BE(0x514649fb, 0);
    b.writeUInt32BE(f.version ?? 3, 4);
    b.writeBigUInt64BE(f.backingFileOffset ?? 0n, 8);
    b.writeUInt32BE(f.backingFileSize ?? 0, 16);
    b.writeUInt32BE(f.clusterBits ?? 16, 20);
    b.writeBigUInt64BE(f.size ?? 1048576n, 24);
    b.writeUInt32BE(f.cryptMethod ?? 0, 32);
    b.writeUInt32BE(f.l1Size ?? 1, 36);
    b.writeBigUInt64BE(f.l1TableOffset ?? BigInt(3 * this.clusterSize), 40);
    b.writeBigUInt64BE(f.refcountTableOffset ?? BigInt(this.clusterSize), 48);
    b.writeUInt32BE(f.refcountTableClusters ?? 1, 56);
    b.writeUInt32BE(f.nbSnapshots ?? 0, 60);
    b.writeBigUInt64BE(f.snapshotsOffset ?? 0n, 64);
    b.writeBigUInt64BE(f.incompatible ?? 0n, 72);
    b.writeBigUInt64BE(f.compatible ?? 0n, 80);
    b.writeBigUInt64BE(f.autoclear ?? 0n, 88);
    b.writeUInt32BE(f.refcountOrder ?? 4, 96);
    b.writeUInt32BE(f.headerLength ?? 112, 100);
    return this;
  }

  /** Writes header extensions from `at` (default 112), each padded to 8, then an end marker. */
  extensions(list: Array<{ type: number; data: Buffer }>, at = 112): this {
    let p = at;
    for (const e of list) {
      this.buf.writeUInt32BE(e.type, p);
      this.buf.writeUInt32BE(e.data.length, p + 4);
      e.data.copy(this.buf, p + 8);
      p += 8 + Math.ceil(e.data.length / 8) * 8;
    }
    this.buf.writeUInt32BE(0, p);
    this.buf.writeUInt32BE(0, p + 4);
    return this;
  }
}

export interface SnapshotSpec {
  l1Offset?: bigint;
  l1Size?: number;
  id: Buffer | string;
  name: Buffer | string;
  dateSec?: number;
  dateNsec?: number;
  vmClockNsec?: bigint;
  vmStateSize32?: number;
  extra?: Buffer;
}

/** One snapshot table entry, padded to 8 bytes. */
export function snapshotEntry(s: SnapshotSpec): Buffer {
  const id = typeof s.id === 'string' ? Buffer.from(s.id) : s.id;
  const name = typeof s.name === 'string' ? Buffer.from(s.name) : s.name;
  const extra = s.extra ?? Buffer.alloc(0);
  const fixed = Buffer.alloc(40);
  fixed.writeBigUInt64BE(s.l1Offset ?? 0n, 0);
  fixed.writeUInt32BE(s.l1Size ?? 0, 8);
  fixed.writeUInt16BE(id.length, 12);
  fixed.writeUInt16BE(name.length, 14);
  fixed.writeUInt32BE(s.dateSec ?? 0, 16);
  fixed.writeUInt32BE(s.dateNsec ?? 0, 20);
  fixed.writeBigUInt64BE(s.vmClockNsec ?? 0n, 24);
  fixed.writeUInt32BE(s.vmStateSize32 ?? 0, 32);
  fixed.writeUInt32BE(extra.length, 36);
  const body = Buffer.concat([fixed, extra, id, name]);
  return Buffer.concat([body, Buffer.alloc((8 - (body.length % 8)) % 8)]);
}

export function extraData(vmStateLarge: bigint, diskSize: bigint, icount?: bigint, unknown?: Buffer): Buffer {
  const b = Buffer.alloc(icount === undefined ? 16 : 24);
  b.writeBigUInt64BE(vmStateLarge, 0);
  b.writeBigUInt64BE(diskSize, 8);
  if (icount !== undefined) b.writeBigUInt64BE(BigInt.asUintN(64, icount), 16);
  return unknown ? Buffer.concat([b, unknown]) : b;
}
