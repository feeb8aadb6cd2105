// A strict, bounds-checked reader of the MaxMind DB data format, used to verify a database before trusting it.
// mmdb-lib decodes lazily and trusts every offset; this one checks every byte it touches.
import { isUtf8 } from 'node:buffer';
// FormatError: thrown for any violation; the verifier adds the file and the section.
import { FormatError } from '../core/errors.js';

const POINTER = 1;
const STRING = 2;
const MAP = 7;
const ARRAY = 11;
const MAX_DEPTH = 64;

/** Fixed or maximum payload sizes of the scalar types (double and float are exact). */
const MAX_SIZE: Readonly<Record<number, number>> = { 3: 8, 5: 2, 6: 4, 8: 4, 9: 8, 10: 16, 15: 4 };
const EXACT = new Set([3, 15]);

export interface Header {
  readonly type: number;
  readonly size: number;
  /** Offset of the payload (after control, extended type and size bytes). */
  readonly payload: number;
  /** For pointers: the target, relative to the data section start. */
  readonly pointer: number;
}

function need(pos: number, n: number, end: number, what: string): void {
  if (pos + n > end) throw new FormatError(`${what} at byte ${pos} runs past the end of its section (${end})`);
}

/** Reads the control byte(s) of the value at pos. */
export function readHeader(buf: Buffer, pos: number, end: number): Header {
  need(pos, 1, end, 'control byte');
  const ctrl = buf[pos]!;
  let type = ctrl >> 5;
  let p = pos + 1;
  if (type === POINTER) {
    const ss = (ctrl >> 3) & 3;
    const vvv = ctrl & 7;
    need(p, ss + 1, end, 'pointer');
    let target: number;
    if (ss === 0) target = (vvv << 8) | buf[p]!;
    else if (ss === 1) target = ((vvv << 16) | buf.readUInt16BE(p)) + 2048;
    else if (ss === 2) target = vvv * 0x1000000 + buf.readUIntBE(p, 3) + 526336;
    else target = buf.readUInt32BE(p);
    return { type, size: 0, payload: p + ss + 1, pointer: target };
  }
  if (type === 0) {
    need(p, 1, end, 'extended type');
    type = buf[p]! + 7;
    p += 1;
    if (type < 8 || type > 15) throw new FormatError(`invalid extended type ${type} at byte ${pos}`);
  }
  let size = ctrl & 31;
  if (size >= 29) {
    const extra = size - 28;
    need(p, extra, end, 'size');
    if (extra === 1) size = 29 + buf[p]!;
    else if (extra === 2) size = 285 + buf.readUInt16BE(p);
    else size = 65821 + buf.readUIntBE(p, 3);
    p += extra;
  }
  return { type, size, payload: p, pointer: -1 };
}

/** Receives every value start and every pointer target met while scanning (offsets in section terms). */
export interface ScanSink {
  start(offset: number): void;
  pointer(target: number, at: number): void;
}

/**
 * Checks the value at pos (and everything nested in it) and returns the offset just past it. Offsets given
 * to the sink are relative to `base`. Pointers are reported, not followed: the caller checks their targets.
 */
export function scanValue(buf: Buffer, pos: number, base: number, end: number, sink: ScanSink, depth = 0): number {
  if (depth > MAX_DEPTH) throw new FormatError(`values nested deeper than ${MAX_DEPTH} at byte ${pos}`);
  sink.start(pos - base);
  const h = readHeader(buf, pos, end);
  switch (h.type) {
    case POINTER:
      sink.pointer(h.pointer, pos - base);
      return h.payload;
    case STRING:
      need(h.payload, h.size, end, 'string');
      if (!isUtf8(buf.subarray(h.payload, h.payload + h.size))) {
        throw new FormatError(`invalid UTF-8 string at byte ${pos}`);
      }
      return h.payload + h.size;
    case 4: // bytes
      need(h.payload, h.size, end, 'bytes');
      return h.payload + h.size;
    case MAP: {
      let p = h.payload;
      for (let i = 0; i < h.size; i++) {
        const key = readHeader(buf, p, end);
        if (key.type !== STRING && key.type !== POINTER) {
          throw new FormatError(`map key of type ${key.type} at byte ${p} (keys are strings)`);
        }
        p = scanValue(buf, p, base, end, sink, depth + 1);
        p = scanValue(buf, p, base, end, sink, depth + 1);
      }
      return p;
    }
    case ARRAY: {
      let p = h.payload;
      for (let i = 0; i < h.size; i++) p = scanValue(buf, p, base, end, sink, depth + 1);
      return p;
    }
    case 14: // boolean: the size is the value
      if (h.size > 1) throw new FormatError(`boolean with value ${h.size} at byte ${pos}`);
      return h.payload;
    case 12:
    case 13:
      throw new FormatError(`type ${h.type === 12 ? 'data cache container' : 'end marker'} in data at byte ${pos}`);
    default: {
      const max = MAX_SIZE[h.type];
      if (max === undefined) throw new FormatError(`unknown type ${h.type} at byte ${pos}`);
      if (h.size > max || (EXACT.has(h.type) && h.size !== max)) {
        throw new FormatError(`type ${h.type} with size ${h.size} at byte ${pos}`);
      }
      need(h.payload, h.size, end, 'number');
      return h.payload + h.size;
    }
  }
}

export type Plain = string | number | boolean | bigint | Buffer | Plain[] | { [k: string]: Plain };

/**
 * Decodes a value (for the metadata), bounds-checked. Pointers are relative to `base` and must land inside
 * [base, end) on a value that is not itself a pointer.
 */
export function decodePlain(buf: Buffer, pos: number, base: number, end: number, depth = 0): [Plain, number] {
  if (depth > MAX_DEPTH) throw new FormatError(`values nested deeper than ${MAX_DEPTH} at byte ${pos}`);
  const h = readHeader(buf, pos, end);
  const p = h.payload;
  switch (h.type) {
    case POINTER: {
      const at = base + h.pointer;
      if (at >= end) throw new FormatError(`pointer at byte ${pos} targets ${h.pointer}, past the section end`);
      if (readHeader(buf, at, end).type === POINTER) throw new FormatError(`pointer to a pointer at byte ${pos}`);
      return [decodePlain(buf, at, base, end, depth + 1)[0], p];
    }
    case STRING:
      need(p, h.size, end, 'string');
      return [buf.toString('utf8', p, p + h.size), p + h.size];
    case 4:
      need(p, h.size, end, 'bytes');
      return [buf.subarray(p, p + h.size), p + h.size];
    case MAP: {
      const out: { [k: string]: Plain } = {};
      let q = p;
      for (let i = 0; i < h.size; i++) {
        const [k, afterKey] = decodePlain(buf, q, base, end, depth + 1);
        if (typeof k !== 'string') throw new FormatError(`map key that is not a string at byte ${q}`);
        const [v, afterValue] = decodePlain(buf, afterKey, base, end, depth + 1);
        out[k] = v;
        q = afterValue;
      }
      return [out, q];
    }
    case ARRAY: {
      const out: Plain[] = [];
      let q = p;
      for (let i = 0; i < h.size; i++) {
        const [v, next] = decodePlain(buf, q, base, end, depth + 1);
        out.push(v);
        q = next;
      }
      return [out, q];
    }
    case 14:
      return [h.size === 1, p];
    case 3:
      need(p, 8, end, 'double');
      return [buf.readDoubleBE(p), p + 8];
    case 15:
      need(p, 4, end, 'float');
      return [buf.readFloatBE(p), p + 4];
    default: {
      scanValue(buf, pos, 0, end, { start: () => undefined, pointer: () => undefined }, depth);
      let n = 0n;
      for (let i = 0; i < h.size; i++) n = (n << 8n) | BigInt(buf[p + i]!);
      const signed = h.type === 8 && h.size === 4 ? BigInt.asIntN(32, n) : n;
      return [signed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(signed) : signed, p + h.size];
    }
  }
}
