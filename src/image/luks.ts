/**
 * The LUKS1 header (phdr, 592 bytes), read for what `qemu-img info` reports about encryption.
 * Nothing here decrypts: metadata is never encrypted, so inspection needs no key.
 */
import { ImageFormatError } from './errors.js';
import { cStringFromBytes } from './text.js';

const LUKS_MAGIC = 'LUKS\xba\xbe';
const SLOT_ACTIVE = 0x00ac71f3;
const SECTOR_BYTES = 512;

export interface LuksSlot {
  readonly active: boolean;
  readonly iters: number;
  readonly stripes: number;
  /** Byte offset of the key material, relative to the LUKS header. */
  readonly keyOffset: number;
}

export interface LuksHeader {
  readonly version: number;
  readonly cipherName: string;
  readonly cipherMode: string;
  readonly hashSpec: string;
  /** Bytes from the start of the LUKS header to the payload. */
  readonly payloadOffset: number;
  readonly keyBytes: number;
  readonly masterKeyIters: number;
  readonly uuid: string;
  readonly slots: readonly LuksSlot[];
}

/**
 * Layout (big-endian): 0 magic[6], 6 version(2), 8 cipher_name[32], 40 cipher_mode[32],
 * 72 hash_spec[32], 104 payload_offset (sectors), 108 key_bytes, 112 mk_digest[20],
 * 132 mk_digest_salt[32], 164 mk_digest_iter, 168 uuid[40], 208 eight slots of 48 bytes:
 * active, iterations, salt[32], key_material_offset (sectors), stripes.
 */
export function parseLuksHeader(buf: Buffer): LuksHeader {
  if (buf.length < 592 || buf.toString('latin1', 0, 6) !== LUKS_MAGIC) throw new ImageFormatError('Volume is not in LUKS format');
  const slots: LuksSlot[] = [];
  for (let i = 0; i < 8; i++) {
    const at = 208 + i * 48;
    slots.push({
      active: buf.readUInt32BE(at) === SLOT_ACTIVE,
      iters: buf.readUInt32BE(at + 4),
      keyOffset: buf.readUInt32BE(at + 40) * SECTOR_BYTES,
      stripes: buf.readUInt32BE(at + 44),
    });
  }
  return {
    version: buf.readUInt16BE(6),
    cipherName: cStringFromBytes(buf.subarray(8, 40)),
    cipherMode: cStringFromBytes(buf.subarray(40, 72)),
    hashSpec: cStringFromBytes(buf.subarray(72, 104)),
    payloadOffset: buf.readUInt32BE(104) * SECTOR_BYTES,
    keyBytes: buf.readUInt32BE(108),
    masterKeyIters: buf.readUInt32BE(164),
    uuid: cStringFromBytes(buf.subarray(168, 208)),
    slots,
  };
}

/** The QAPI QCryptoBlockInfoLUKS object qemu-img prints, key for key. */
export function luksInfoJson(h: LuksHeader): Record<string, unknown> {
  const [mode = '', ivgen = ''] = h.cipherMode.split('-', 2);
  const [ivgenAlg = '', ivgenHash] = ivgen.split(':', 2);
  // XTS uses two keys of equal size, so the cipher's key is half of key_bytes.
  const cipherKeyBytes = mode === 'xts' ? h.keyBytes / 2 : h.keyBytes;
  const out: Record<string, unknown> = {
    'cipher-alg': h.cipherName === 'cast5' ? 'cast5-128' : `${h.cipherName}-${cipherKeyBytes * 8}`,
    'cipher-mode': mode,
    'ivgen-alg': ivgenAlg,
  };
  if (ivgenHash !== undefined) out['ivgen-hash-alg'] = ivgenHash;
  out['hash-alg'] = h.hashSpec;
  out['payload-offset'] = h.payloadOffset;
  out['master-key-iters'] = h.masterKeyIters;
  out['uuid'] = h.uuid;
  out['slots'] = h.slots.map((s) =>
    s.active ? { active: true, iters: s.iters, stripes: s.stripes, 'key-offset': s.keyOffset } : { active: false, 'key-offset': s.keyOffset },
  );
  return out;
}
