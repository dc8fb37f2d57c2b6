import zlib from 'node:zlib';

/**
 * A gzip body made of pieces deflated once and kept (a family's header, each owner's lines):
 * each piece is raw deflate ending in a full flush, or a stored block, so it starts on a byte,
 * needs nothing that came before it, and any run of them is one valid deflate stream (RFC 1951). Only the trailer
 * depends on the whole: the CRC-32 of the text, combined from the pieces' own CRCs, and its
 * length. Node's zlib has no crc32_combine, so it is here (zlib's method: multiplication of
 * polynomials over GF(2) modulo the CRC's).
 */
export interface Piece {
  /** The text as deflate blocks, ending on a byte. */
  readonly bytes: Buffer;
  /** CRC-32 (zlib.crc32) of the text. */
  readonly crc: number;
  /** The text's length in bytes. */
  readonly length: number;
  /** x^(8·length) modulo the CRC's polynomial: what appending the text does to a CRC before it. */
  readonly shift: number;
}

/** The empty text. */
export const EMPTY = { crc: 0, length: 0, shift: 1 << 31 } as const;

/** A small window suffices: lines repeat their labels within a few hundred bytes; a piece is
 * deflated on its own, and the allocation of a larger state cost more than compressing it. Output
 * comes in 2 KB chunks, from Buffer's pool: zlib's default of 16 KB was a malloc per segment, and
 * at a fleet's 60,000 segments CPU went up by half and glibc's heap grew by 50 MB. */
const OPTIONS: zlib.ZlibOptions = { level: 1, windowBits: 10, memLevel: 2, chunkSize: 2048, finishFlush: zlib.constants.Z_FULL_FLUSH };

export function deflatePiece(text: Uint8Array): Piece {
  return pieceOf(zlib.deflateRawSync(text, OPTIONS), text);
}

/** `bytes` as the piece of `text`: its CRC, length and shift. */
function pieceOf(bytes: Buffer, text: Uint8Array): Piece {
  return { bytes, crc: zlib.crc32(text) | 0, length: text.length, shift: shiftOf(text.length) };
}

/** Below this, a piece is stored, not deflated: a zlib call (its state allocated and freed) for
 * a line or two costs more than it saves. */
export const STORED_BELOW = 256;

/** The text as a stored block (RFC 1951 3.2.4: a byte of header bits, as the stream is on a byte
 * here, then LEN and its complement, then the bytes), or deflated from STORED_BELOW on. */
export function piece(text: Uint8Array): Piece {
  if (text.length >= STORED_BELOW) return deflatePiece(text);
  const bytes = Buffer.allocUnsafe(5 + text.length);
  bytes[0] = 0;
  bytes.writeUInt16LE(text.length, 1);
  bytes.writeUInt16LE(~text.length & 0xffff, 3);
  bytes.set(text, 5);
  return pieceOf(bytes, text);
}

/** The text as it is, with its CRC and shift (a family's header and separators, in either body). */
export function textPiece(text: string): Piece {
  const bytes = Buffer.from(text);
  return pieceOf(bytes, bytes);
}

/** A gzip member's header: deflate, no name, no time, unknown OS (RFC 1952). */
export const GZIP_HEADER: Buffer = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

/** The end of the member: an empty final block (fixed codes: 3 bits and a 7-bit end code), then
 * the CRC-32 and the length modulo 2^32 of the whole text, little-endian. */
export function gzipTrailer(crc: number, length: number): Buffer {
  const b = Buffer.from([3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  b.writeUInt32LE(crc >>> 0, 2);
  b.writeUInt32LE(length % 2 ** 32, 6);
  return b;
}

/** The CRC's polynomial, reflected. */
const POLY = 0xedb88320;

/** a(x)·b(x) modulo the polynomial (reflected: bit 31 is x^0). */
function multiply(a: number, b: number): number {
  let m = 1 << 31;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p;
}

/** x^(2^k) modulo the polynomial, k = 0..31 (the powers repeat from there on, as zlib's table). */
const X2N: number[] = [];
for (let k = 0, p = 1 << 30; k < 32; k++, p = multiply(p, p)) X2N.push(p);

/** x^(8·n) modulo the polynomial. */
export function shiftOf(n: number): number {
  let op = 1 << 31;
  for (let k = 3; n > 0; n = Math.floor(n / 2), k++) if (n % 2) op = multiply(X2N[k & 31]!, op);
  return op;
}

/** The CRC-32 of A followed by B, from crc(A), crc(B) and B's shift (one multiplication:
 * crc(A·B) = crc(A)·x^(8·len B) ⊕ crc(B)). */
export function appendCrc(crcA: number, crcB: number, shiftB: number): number {
  return multiply(shiftB, crcA) ^ crcB;
}
