/**
 * Builds MBR and GPT partition tables into a raw disk buffer, for the partitions tests.
 */
import { crc32 } from 'node:zlib';

export interface MbrSpec { type: number; startLba: number; sectors: number; bootable?: boolean }

export function writeMbrEntry(disk: Buffer, sectorLba: number, index: number, e: MbrSpec): void {
  const p = sectorLba * 512 + 446 + index * 16;
  disk[p] = e.bootable ? 0x80 : 0;
  disk[p + 4] = e.type;
  disk.writeUInt32LE(e.startLba, p + 8);
  disk.writeUInt32LE(e.sectors, p + 12);
  disk[sectorLba * 512 + 510] = 0x55;
  disk[sectorLba * 512 + 511] = 0xaa;
}

export interface GptSpec { typeGuid: string; uniqueGuid: string; firstLba: number; lastLba: number; name: string }

function guidBytes(guid: string): Buffer {
  const h = guid.replace(/-/g, '');
  const b = Buffer.from(h, 'hex');
  // First three fields are little-endian on disk.
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
}

export function writeGpt(disk: Buffer, parts: GptSpec[], diskGuid: string, entryCount = 128): void {
  writeMbrEntry(disk, 0, 0, { type: 0xee, startLba: 1, sectors: Math.min(0xffffffff, disk.length / 512 - 1) });
  const entries = Buffer.alloc(entryCount * 128);
  parts.forEach((p, i) => {
    const o = i * 128;
    guidBytes(p.typeGuid).copy(entries, o);
    guidBytes(p.uniqueGuid).copy(entries, o + 16);
    entries.writeBigUInt64LE(BigInt(p.firstLba), o + 32);
    entries.writeBigUInt64LE(BigInt(p.lastLba), o + 40);
    Buffer.from(p.name, 'utf16le').copy(entries, o + 56);
  });
  entries.copy(disk, 2 * 512);
  const hdr = Buffer.alloc(92);
  hdr.write('EFI PART', 0, 'latin1');
  hdr.writeUInt32LE(0x00010000, 8);
  hdr.writeUInt32LE(92, 12);
  hdr.writeBigUInt64LE(1n, 24);
  hdr.writeBigUInt64LE(BigInt(disk.length / 512 - 1), 32);
  hdr.writeBigUInt64LE(34n, 40);
  hdr.writeBigUInt64LE(BigInt(disk.length / 512 - 34), 48);
  guidBytes(diskGuid).copy(hdr, 56);
  hdr.writeBigUInt64LE(2n, 72);
  hdr.writeUInt32LE(entryCount, 80);
  hdr.writeUInt32LE(128, 84);
  hdr.writeUInt32LE(crc32(entries), 88);
  hdr.writeUInt32LE(crc32(hdr), 16);
  hdr.copy(disk, 512);
}
