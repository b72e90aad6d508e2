// Reads the zip container of a torch.save file, validating every offset and checksum before trusting it.
import {inflateSync} from 'fflate';

/**
 * One archive member. `size` is the declared (checked) uncompressed size; `data` is inflated
 * and checksum-verified on first access only, so members nobody reads are never inflated.
 */
export interface ZipEntry { readonly name: string; readonly size: number; readonly data: Uint8Array; }

const EOCD_SIG = 0x06054b50, EOCD64_LOC_SIG = 0x07064b50, EOCD64_SIG = 0x06064b50;
const CDH_SIG = 0x02014b50, LFH_SIG = 0x04034b50;

const MAX_INFLATED = 2 ** 31;

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE), the checksum zip stores per member; fflate does not verify it when unzipping. */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function corrupt(what: string): never {
  throw new Error(`torch checkpoint: corrupt or truncated zip archive (${what})`);
}

/**
 * Lists and extracts the members of a zip archive. fflate's own unzipSync trusts the
 * directory blindly (a truncated file yields short slices, not an error), so the
 * directory walk and all bounds checks live here; fflate only inflates deflated members.
 */
export function readZip(bytes: Uint8Array): ZipEntry[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  const u16 = (o: number) => (o + 2 <= len ? dv.getUint16(o, true) : corrupt(`read past the end at ${o}`));
  const u32 = (o: number) => (o + 4 <= len ? dv.getUint32(o, true) : corrupt(`read past the end at ${o}`));
  const u64 = (o: number) => {
    if (o < 0 || o + 8 > len) corrupt(`read past the end at ${o}`);
    const v = dv.getBigUint64(o, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) corrupt(`64-bit field at ${o} too large`);
    return Number(v);
  };

  if (len < 22) corrupt(`${len} bytes is smaller than an empty zip`);
  let eocd = -1;
  for (let p = len - 22; p >= Math.max(0, len - 22 - 0xffff); p--) {
    if (dv.getUint32(p, true) === EOCD_SIG) { eocd = p; break; }
  }
  if (eocd < 0) corrupt('no end-of-central-directory record; the file is truncated or not a zip');

  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  // torch writes zip64 records once the archive passes 4 GB or 65535 members.
  if (eocd >= 20 && dv.getUint32(eocd - 20, true) === EOCD64_LOC_SIG) {
    const z = u64(eocd - 12);
    if (z + 56 > len || dv.getUint32(z, true) !== EOCD64_SIG) corrupt('bad zip64 end record');
    count = u64(z + 32);
    cdSize = u64(z + 40);
    cdOffset = u64(z + 48);
  }
  if (cdOffset + cdSize > len) corrupt(`central directory [${cdOffset}, ${cdOffset + cdSize}) beyond the ${len}-byte file`);

  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (u32(p) !== CDH_SIG) corrupt(`central directory entry ${i} has a bad signature`);
    const method = u16(p + 10), crc = u32(p + 16);
    let csize = u32(p + 20), usize = u32(p + 24);
    const nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32);
    let local = u32(p + 42);
    if (p + 46 + nameLen + extraLen > len) corrupt(`central directory entry ${i} runs past the end`);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extra field: the 0xffffffff sentinels are replaced in this order.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; e += 4 + u16(e + 2)) {
      if (u16(e) !== 1) continue;
      let q = e + 4;
      if (usize === 0xffffffff) { usize = u64(q); q += 8; }
      if (csize === 0xffffffff) { csize = u64(q); q += 8; }
      if (local === 0xffffffff) { local = u64(q); q += 8; }
    }
    p += 46 + nameLen + extraLen + commentLen;

    if (local + 30 > len || dv.getUint32(local, true) !== LFH_SIG) corrupt(`local header of '${name}' missing`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    if (start + csize > len) corrupt(`member '${name}' needs bytes up to ${start + csize}, file has ${len}`);
    const raw = bytes.subarray(start, start + csize);
    if (method === 0) {
      if (csize !== usize) corrupt(`stored member '${name}' has sizes ${csize} != ${usize}`);
    } else if (method === 8) {
      // torch never compresses, but a re-zipped file may; the declared size is capped so a bomb cannot allocate it.
      if (usize > MAX_INFLATED) corrupt(`member '${name}' claims to inflate to ${usize} bytes (limit ${MAX_INFLATED})`);
      // Deflate cannot expand more than 1032:1, so a larger claim is a lie told before any allocation.
      if (usize > csize * 1032 + 64) corrupt(`member '${name}' claims ${usize} bytes from ${csize} compressed, beyond deflate's 1032:1 limit`);
    } else {
      throw new Error(`torch checkpoint: member '${name}' uses zip compression method ${method}; only stored (0) and deflate (8) are supported`);
    }
    entries.push(lazyEntry(name, method, raw, usize, crc));
  }
  return entries;
}

/** A member whose bytes are inflated (into exactly `usize` bytes, never more) and verified when first read. */
function lazyEntry(name: string, method: number, raw: Uint8Array, usize: number, crc: number): ZipEntry {
  let data: Uint8Array | undefined;
  return {
    name,
    size: usize,
    get data(): Uint8Array {
      if (data) return data;
      let out: Uint8Array;
      if (method === 0) out = raw;
      else {
        try {
          // fflate writes into the given buffer and fails rather than grow it: the output is bounded by usize.
          out = inflateSync(raw, {out: new Uint8Array(usize)});
        } catch (e) {
          corrupt(`member '${name}' does not inflate: ${(e as Error).message}`);
        }
        if (out.length !== usize) corrupt(`member '${name}' inflates to ${out.length} bytes, expected ${usize}`);
      }
      if (crc32(out) !== crc) corrupt(`CRC-32 mismatch in member '${name}'`);
      return (data = out);
    },
  };
}
