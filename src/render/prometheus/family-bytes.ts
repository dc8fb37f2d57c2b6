import { appendCrc, deflatePiece, piece, shiftOf, type Piece } from './gzip.js';

export type Format = 'text' | 'openMetrics';

/** One owner's series of one family as the writer reads them (the store's Segment). */
export interface Lines {
  /** Its sample lines, each `\n<sample><labels> <value>`. */
  text(sample: string): string;
  /** Bumped whenever one of its series changes, appears or goes. */
  readonly version: number;
}

/** A family's text as written for one version of it: `bytes`, the start of `room` (allocated
 * with headroom, so that the family's next text, a little longer, fits in it). A scrape's
 * response holds it (`leases`) until sent: a room is written again only when nothing holds it
 * (only the latest text of a room can be held: one written while a text was held gets a room of
 * its own). Where each segment's lines sit in it are columns here, not an object per segment and
 * format (a fleet's statistics are 60,000 segments): the segments in the order written, the
 * version each had and where its lines start (they end where the next one's start). Like its
 * bytes, they are held until the family is written again (an owner gone stays until then). */
export interface Written {
  readonly version: number;
  readonly bytes: Buffer;
  readonly room: Buffer;
  leases: number;
  readonly segments: readonly Lines[];
  readonly versions: readonly number[];
  readonly starts: readonly number[];
  /** Gzip's writer only: the bytes are pieces of one deflate stream (gzip.ts), and these their
   * text's CRC, shift and length, per segment and for the whole family. */
  readonly gzip?: Gzipped;
}

export interface Gzipped {
  /** Deflated in one piece (a small family), not segment by segment: nothing in it is kept. */
  readonly whole: boolean;
  readonly crcs: readonly number[];
  readonly shifts: readonly number[];
  readonly lengths: readonly number[];
  readonly text: Omit<Piece, 'bytes'>;
}

/** A family's header, as text and deflated. */
export interface Head {
  readonly plain: Piece;
  readonly gzip: Piece;
}

/** Gzip's writer: a family whose text was shorter than this is deflated whole, in one zlib call
 * (status families: a line per daemon, every daemon's changing each round); a longer one segment
 * by segment, kept deflated between writes (a fleet's statistics, 66 MB of text). */
export const WHOLE_BELOW = 256 * 1024;

/** Chunks of a body, held until `release()`: until then no room they sit in is written again. */
export interface Lease {
  readonly texts: readonly Written[];
  readonly chunks: Buffer[];
  readonly release: () => void;
}

/** Holds the texts until released (once, however many calls; then `done`). */
export function lease(texts: readonly Written[], done?: () => void): Lease {
  for (const w of texts) w.leases++;
  let released = false;
  return {
    texts,
    chunks: texts.map((w) => w.bytes),
    release: () => {
      if (released) return;
      released = true;
      for (const w of texts) w.leases--;
      done?.();
    },
  };
}

/** Bytes of scratch kept between scrapes (more is dropped by trim()). */
const SCRATCH_KEPT = 1 << 20;

/**
 * Writes families' texts: each segment's lines kept from `old` (the family's text as last written
 * in this format) when they did not change since, written when they did. In old's own room when
 * no response holds it and the text fits (moved within it: no allocation, and no fresh pages for
 * the kernel to zero, per scrape of a fleet's 75 MB of statistics; one room per family), else in
 * a new room they are copied to. Changed lines are built one segment at a time and put in a
 * scratch buffer, so that no more than one segment's text is alive at once (a scrape of a fleet
 * writes thousands). Gzip's writer does the same with each segment's lines deflated on their own
 * (gzip.ts), for a family of WHOLE_BELOW or more; a smaller one it deflates whole.
 */
export class FamilyWriter {
  /** Owners' lines written (tests: what a scrape had to write). */
  linesWritten = 0;
  private scratch: Buffer = Buffer.alloc(0);
  /** Gzip's writer: a segment's text before it is deflated. */
  private plain: Buffer = Buffer.alloc(0);

  /** gzip: families written deflated (headers given as pieces), a segment deflated on its own. */
  constructor(private readonly gzip = false) {}

  write(head: Head, sample: string, segments: Iterable<Lines>, old: Written | undefined, version: number): Written {
    const { gzip } = this;
    if (gzip && (old === undefined || old.gzip!.text.length < WHOLE_BELOW)) return this.writeWhole(head.plain, sample, segments, old, version);
    // A text deflated whole has no segments to keep, nor a header where a room starts.
    if (old?.gzip?.whole) old = undefined;
    const header = gzip ? head.gzip : head.plain;
    // Unchanged segments: [start, end) in old, and their new start; changed ones: in the scratch.
    const kept: number[] = [];
    const fresh: number[] = [];
    const written: Lines[] = [];
    const versions: number[] = [];
    const starts: number[] = [];
    const crcs: number[] = [];
    const shifts: number[] = [];
    const lengths: number[] = [];
    let crc = header.crc;
    let plain = header.length;
    let used = 0;
    let length = header.bytes.length;
    // Segments come in the order last written but for owners that came or went: each is looked
    // for at the next place, and by a map only after one that was not there.
    let next = 0;
    let byLines: Map<Lines, number> | undefined;
    for (const segment of segments) {
      let at = -1;
      if (old) {
        if (old.segments[next] === segment) at = next;
        else at = (byLines ??= indexOf(old.segments)).get(segment) ?? -1;
        if (at >= 0) next = at + 1;
      }
      let size: number;
      if (at >= 0 && old!.versions[at] === segment.version) {
        const start = old!.starts[at]!;
        const end = old!.starts[at + 1] ?? old!.bytes.length;
        size = end - start;
        kept.push(start, end, length);
        if (gzip) this.account(crcs, shifts, lengths, old!.gzip!.crcs[at]!, old!.gzip!.shifts[at]!, old!.gzip!.lengths[at]!);
      } else {
        const text = segment.text(sample);
        if (gzip) {
          this.plain = reserve(this.plain, 0, text.length * 3);
          const p = piece(this.plain.subarray(0, this.plain.write(text, 0)));
          this.account(crcs, shifts, lengths, p.crc, p.shift, p.length);
          this.scratch = reserve(this.scratch, used, p.bytes.length);
          size = p.bytes.copy(this.scratch, used);
        } else {
          this.scratch = reserve(this.scratch, used, text.length * 3);
          size = this.scratch.write(text, used);
        }
        fresh.push(used, (used += size), length);
        this.linesWritten++;
      }
      if (gzip) {
        crc = appendCrc(crc, crcs[crcs.length - 1]!, shifts[shifts.length - 1]!);
        plain += lengths[lengths.length - 1]!;
      }
      written.push(segment);
      versions.push(segment.version);
      starts.push(length);
      length += size;
    }
    let room: Buffer;
    if (old && old.leases === 0 && old.room.length >= length && old.room.length <= 2 * length) {
      room = old.room;
      // Within one room: those moving left in order, then those moving right in reverse order,
      // so that none is written over before it moved (changed ones are not read).
      for (let i = 0; i < kept.length; i += 3) if (kept[i + 2]! < kept[i]!) room.copyWithin(kept[i + 2]!, kept[i]!, kept[i + 1]);
      for (let i = kept.length - 3; i >= 0; i -= 3) if (kept[i + 2]! > kept[i]!) room.copyWithin(kept[i + 2]!, kept[i]!, kept[i + 1]);
    } else {
      room = Buffer.allocUnsafeSlow(length + (length >> 3));
      header.bytes.copy(room, 0);
      for (let i = 0; i < kept.length; i += 3) old!.bytes.copy(room, kept[i + 2], kept[i], kept[i + 1]);
    }
    for (let i = 0; i < fresh.length; i += 3) this.scratch.copy(room, fresh[i + 2], fresh[i], fresh[i + 1]);
    const out = { version, bytes: room.subarray(0, length), room, leases: 0, segments: written, versions, starts };
    return gzip ? { ...out, gzip: { whole: false, crcs, shifts, lengths, text: { crc, length: plain, shift: shiftOf(plain) } } } : out;
  }

  /** A small family's text written afresh and deflated in one piece (into old's room when free). */
  private writeWhole(header: Piece, sample: string, segments: Iterable<Lines>, old: Written | undefined, version: number): Written {
    this.plain = reserve(this.plain, 0, header.length);
    let used = header.bytes.copy(this.plain, 0);
    for (const segment of segments) {
      const text = segment.text(sample);
      this.plain = reserve(this.plain, used, text.length * 3);
      used += this.plain.write(text, used);
      this.linesWritten++;
    }
    const { bytes, ...text } = deflatePiece(this.plain.subarray(0, used));
    const length = bytes.length;
    const room =
      old && old.leases === 0 && old.room.length >= length && old.room.length <= 2 * length ? old.room : Buffer.allocUnsafeSlow(length + (length >> 3));
    bytes.copy(room, 0);
    const none: never[] = [];
    return {
      version,
      bytes: room.subarray(0, length),
      room,
      leases: 0,
      segments: none,
      versions: none,
      starts: none,
      gzip: { whole: true, crcs: none, shifts: none, lengths: none, text },
    };
  }

  /** After a scrape: a scratch grown by a first poll of thousands of subnets is not kept. */
  trim(): void {
    if (this.scratch.length > SCRATCH_KEPT) this.scratch = Buffer.alloc(0);
    if (this.plain.length > SCRATCH_KEPT) this.plain = Buffer.alloc(0);
  }

  private account(crcs: number[], shifts: number[], lengths: number[], crc: number, shift: number, length: number): void {
    crcs.push(crc);
    shifts.push(shift);
    lengths.push(length);
  }
}

/** `buffer`, or a larger copy of its first `used` bytes, with room for `more` after them. */
function reserve(buffer: Buffer, used: number, more: number): Buffer {
  if (used + more <= buffer.length) return buffer;
  const grown = Buffer.allocUnsafeSlow(Math.max(2 * buffer.length, used + more, 64 * 1024));
  buffer.copy(grown, 0, 0, used);
  return grown;
}

function indexOf(segments: readonly Lines[]): Map<Lines, number> {
  const at = new Map<Lines, number>();
  for (let i = 0; i < segments.length; i++) at.set(segments[i]!, i);
  return at;
}
