/**
 * Partition tables read through the guest reader, as one lists partitions before mounting an
 * image: MBR (with extended/logical partitions) and GPT (header and entry-array CRCs checked).
 * 512-byte logical sectors. Every count and offset from the disk is bounded.
 */
import { crc32 } from 'node:zlib';
import type { GuestReader } from './guest-reader.js';
import { bound, GPT_MAX_ENTRY_ARRAY_BYTES, GPT_MAX_ENTRY_COUNT } from './limits.js';
import { readU64LE } from './u64.js';

const SECTOR = 512;
const MAX_LOGICAL_PARTITIONS = 128;
const EXTENDED_TYPES = new Set([0x05, 0x0f, 0x85]);

export interface Partition {
  /** 1-based number as Linux names them (sda1...; logical ones from 5 on MBR). */
  readonly number: number;
  readonly start: number;
  readonly size: number;
  /** MBR: hex type byte ("83"); GPT: the type GUID. */
  readonly type: string;
  readonly name?: string;
  readonly uuid?: string;
  readonly bootable?: boolean;
  readonly attributes?: string;
}

export interface PartitionTable {
  readonly scheme: 'mbr' | 'gpt' | 'none';
  readonly partitions: readonly Partition[];
  readonly diskId?: string;
  /** Problems met (bad CRC, loops, entries beyond the disk). */
  readonly problems: readonly string[];
}

export function readPartitions(reader: GuestReader): PartitionTable {
  if (reader.size < SECTOR) return { scheme: 'none', partitions: [], problems: [] };
  const mbr = reader.read(0, SECTOR);
  if (mbr[510] !== 0x55 || mbr[511] !== 0xaa) return { scheme: 'none', partitions: [], problems: [] };
  const entries = [0, 1, 2, 3].map((i) => mbrEntry(mbr, i));
  if (entries.some((e) => e.type === 0xee)) {
    const gpt = readGpt(reader);
    if (gpt) return gpt;
  }
  return readMbr(reader, mbr, entries);
}

interface MbrEntry { status: number; type: number; lba: number; sectors: number }

/** 16-byte entry at 446 + 16i: status, CHS(3), type, CHS(3), LE32 first LBA, LE32 sectors. */
function mbrEntry(sector: Buffer, i: number): MbrEntry {
  const p = 446 + i * 16;
  return { status: sector[p] ?? 0, type: sector[p + 4] ?? 0, lba: sector.readUInt32LE(p + 8), sectors: sector.readUInt32LE(p + 12) };
}

function readMbr(reader: GuestReader, mbr: Buffer, entries: MbrEntry[]): PartitionTable {
  const partitions: Partition[] = [];
  const problems: string[] = [];
  entries.forEach((e, i) => {
    if (e.type === 0 || e.sectors === 0) return;
    partitions.push(mbrPartition(i + 1, e, e.lba, reader.size, problems));
    if (EXTENDED_TYPES.has(e.type)) readLogical(reader, e.lba, partitions, problems);
  });
  return { scheme: 'mbr', partitions, diskId: mbr.readUInt32LE(440).toString(16).padStart(8, '0'), problems };
}

function mbrPartition(number: number, e: MbrEntry, lba: number, diskBytes: number, problems: string[]): Partition {
  if ((lba + e.sectors) * SECTOR > diskBytes) problems.push(`partition ${number} ends beyond the disk`);
  return { number, start: lba * SECTOR, size: e.sectors * SECTOR, type: e.type.toString(16).padStart(2, '0'), bootable: e.status === 0x80 };
}

/** Logical partitions: a chain of EBRs, each relative to the extended partition's start. */
function readLogical(reader: GuestReader, extStart: number, out: Partition[], problems: string[]): void {
  const seen = new Set<number>();
  let ebr = extStart;
  for (let n = 5; n < 5 + MAX_LOGICAL_PARTITIONS; n++) {
    if (seen.has(ebr)) return void problems.push(`EBR chain loops at sector ${ebr}`);
    if ((ebr + 1) * SECTOR > reader.size) return void problems.push(`EBR at sector ${ebr} is beyond the disk`);
    seen.add(ebr);
    const sector = reader.read(ebr * SECTOR, SECTOR);
    if (sector[510] !== 0x55 || sector[511] !== 0xaa) return void problems.push(`EBR at sector ${ebr} has no signature`);
    const first = mbrEntry(sector, 0);
    const next = mbrEntry(sector, 1);
    if (first.type !== 0 && first.sectors !== 0) out.push(mbrPartition(n, first, ebr + first.lba, reader.size, problems));
    if (next.type === 0 || next.sectors === 0) return;
    ebr = extStart + next.lba;
  }
  problems.push(`more than ${MAX_LOGICAL_PARTITIONS} logical partitions`);
}

/** GUIDs are stored mixed-endian: first three fields little-endian. */
export function guidString(b: Buffer, p: number): string {
  const hex = (start: number, end: number, le: boolean): string => {
    const bytes = [...b.subarray(p + start, p + end)];
    return Buffer.from(le ? bytes.reverse() : bytes).toString('hex');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`.toUpperCase();
}

/**
 * GPT header at LBA 1: 0 "EFI PART", 8 revision, 12 header size, 16 header CRC32, 24 current LBA,
 * 32 backup LBA, 40 first usable, 48 last usable, 56 disk GUID, 72 entries LBA, 80 entry count,
 * 84 entry size, 88 entries CRC32. Entry: type GUID, unique GUID, first LBA, last LBA,
 * attributes, UTF-16LE name (72 bytes).
 */
function readGpt(reader: GuestReader): PartitionTable | undefined {
  const hdr = reader.read(SECTOR, SECTOR);
  if (hdr.toString('latin1', 0, 8) !== 'EFI PART') return undefined;
  const problems: string[] = [];
  const headerSize = hdr.readUInt32LE(12);
  if (headerSize < 92 || headerSize > SECTOR) problems.push(`GPT header size ${headerSize} is invalid`);
  else {
    const copy = Buffer.from(hdr.subarray(0, headerSize));
    copy.writeUInt32LE(0, 16);
    if (crc32(copy) !== hdr.readUInt32LE(16)) problems.push('GPT header CRC32 mismatch');
  }
  const entriesLba = readU64LE(hdr, 72, 'GPT entries LBA');
  const count = hdr.readUInt32LE(80);
  const entrySize = hdr.readUInt32LE(84);
  if (entrySize < 128 || entrySize % 8 !== 0) return { scheme: 'gpt', partitions: [], problems: [...problems, `GPT entry size ${entrySize} is invalid`] };
  bound({ what: 'GPT partition entry count', count, limitBytes: GPT_MAX_ENTRY_COUNT });
  const range = bound({ what: 'GPT partition entry array', count, entryBytes: entrySize, limitBytes: GPT_MAX_ENTRY_ARRAY_BYTES, offset: entriesLba * SECTOR, fileSize: reader.size });
  const array = reader.read(range.offset, range.length);
  if (crc32(array) !== hdr.readUInt32LE(88)) problems.push('GPT partition entry array CRC32 mismatch');
  const partitions: Partition[] = [];
  for (let i = 0; i < count; i++) {
    const p = i * entrySize;
    if (array.subarray(p, p + 16).every((x) => x === 0)) continue;
    const first = readU64LE(array, p + 32, 'GPT first LBA');
    const last = readU64LE(array, p + 40, 'GPT last LBA');
    if (last < first) problems.push(`partition ${i + 1} ends before it starts`);
    const nameBytes = array.subarray(p + 56, p + Math.min(entrySize, 128));
    const name = nameBytes.toString('utf16le').replace(/\0.*$/s, '');
    partitions.push({
      number: i + 1, start: first * SECTOR, size: Math.max(0, last - first + 1) * SECTOR, type: guidString(array, p),
      uuid: guidString(array, p + 16), name, attributes: array.readBigUInt64LE(p + 48).toString(16),
    });
  }
  return { scheme: 'gpt', partitions, diskId: guidString(hdr, 56), problems };
}
