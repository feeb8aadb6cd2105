// Verifies a whole MaxMind DB before use: metadata, every search-tree record, the separator, and every
// value and pointer of the data section. A database that fails is refused; the caller keeps its old one.
import { FormatError, InvalidDatabase } from '../core/errors.js';
import { decodePlain, readHeader, scanValue, type Plain } from './mmdb-format.js';

const MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'); // \xAB\xCD\xEF MaxMind.com
const MAX_METADATA = 128 * 1024;
const SEPARATOR = 16;

export interface DatabaseInfo {
  readonly databaseType: string;
  readonly ipVersion: 4 | 6;
  readonly nodeCount: number;
  readonly recordSize: number;
  readonly buildEpoch: number;
  /** Distinct data records the tree points to. */
  readonly records: number;
}

// Why a database was refused; the class lives in core/errors.ts, re-exported for the geo loader and tests.
export { InvalidDatabase };

function metadataOf(buf: Buffer): { meta: Record<string, Plain>; start: number } {
  const from = Math.max(0, buf.length - MAX_METADATA);
  const at = buf.lastIndexOf(MARKER);
  if (at < from || at === -1) throw new InvalidDatabase('no metadata marker (not a MaxMind DB file?)');
  const start = at + MARKER.length;
  const [meta] = decodePlain(buf, start, start, buf.length);
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta) || Buffer.isBuffer(meta)) {
    throw new InvalidDatabase('metadata is not a map');
  }
  return { meta: meta as Record<string, Plain>, start: at };
}

function uint(meta: Record<string, Plain>, key: string): number {
  const v = meta[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new InvalidDatabase(`metadata ${key} missing or not an integer`);
  return v;
}

function recordReader(buf: Buffer, size: number): (node: number, right: 0 | 1) => number {
  const nodeBytes = size / 4;
  if (size === 24) return (n, r) => buf.readUIntBE(n * nodeBytes + r * 3, 3);
  if (size === 32) return (n, r) => buf.readUInt32BE(n * nodeBytes + r * 4);
  return (n, r) => {
    const o = n * nodeBytes;
    const mid = buf[o + 3]!;
    return r === 0 ? ((mid & 0xf0) << 20) | buf.readUIntBE(o, 3) : ((mid & 0x0f) << 24) | buf.readUIntBE(o + 4, 3);
  };
}

/** Scans the data section value by value; returns a bitmap of value starts and the pointers met. */
function scanData(buf: Buffer, base: number, end: number): { starts: Uint8Array; pointers: number[] } {
  const starts = new Uint8Array(end - base);
  const pointers: number[] = [];
  const sink = {
    start: (o: number) => void (starts[o] = 1),
    pointer: (target: number, at: number) => void pointers.push(target, at),
  };
  let pos = base;
  while (pos < end) {
    try {
      pos = scanValue(buf, pos, base, end, sink);
    } catch (err) {
      if (err instanceof FormatError) throw new InvalidDatabase(`data section: ${err.message}`);
      throw err;
    }
  }
  for (let i = 0; i < pointers.length; i += 2) {
    const target = pointers[i]!;
    const at = pointers[i + 1]!;
    if (target >= starts.length || starts[target] !== 1) {
      throw new InvalidDatabase(`data section: pointer at offset ${at} targets ${target}, not the start of a value`);
    }
    if (readHeader(buf, base + target, end).type === 1) {
      throw new InvalidDatabase(`data section: pointer at offset ${at} targets another pointer`);
    }
  }
  return { starts, pointers };
}

/**
 * Walks the search tree from the root, depth first, visiting each node once. A record is a node, the
 * "no data" value (node count) or a data pointer that must land on a value start. The longest path must
 * fit the address width: that also proves the tree has no cycles.
 */
function walkTree(
  rec: (n: number, r: 0 | 1) => number,
  nodeCount: number,
  maxDepth: number,
  dataStarts: Uint8Array,
): number {
  const height = new Uint8Array(nodeCount); // 0: unvisited; else 1 + height of the subtree
  const onPath = new Uint8Array(nodeCount);
  const seenData = new Uint8Array(dataStarts.length);
  let records = 0;
  const stack: number[] = [0];
  onPath[0] = 1;
  while (stack.length !== 0) {
    const n = stack[stack.length - 1]!;
    let pushed = false;
    let h = 1;
    for (const side of [0, 1] as const) {
      const r = rec(n, side);
      if (r < nodeCount) {
        if (onPath[r] === 1) throw new InvalidDatabase(`search tree: node ${n} points back to node ${r} (a cycle)`);
        if (height[r] === 0) {
          stack.push(r);
          onPath[r] = 1;
          pushed = true;
          break;
        }
        h = Math.max(h, height[r]! + 1);
      } else if (r > nodeCount) {
        const off = r - nodeCount - SEPARATOR;
        if (off < 0 || off >= dataStarts.length || dataStarts[off] !== 1) {
          const side1 = side === 0 ? 'left' : 'right';
          throw new InvalidDatabase(
            `search tree: node ${n} ${side1} record ${r} points to data offset ${off}, ` +
              `outside the data section (${dataStarts.length} bytes) or not at the start of a value`,
          );
        }
        if (seenData[off] === 0) {
          seenData[off] = 1;
          records++;
        }
      }
    }
    if (pushed) continue;
    if (h > maxDepth) throw new InvalidDatabase(`search tree deeper than ${maxDepth} bits at node ${n}`);
    height[n] = h;
    onPath[n] = 0;
    stack.pop();
  }
  return records;
}

/** Verifies the database bytes; throws InvalidDatabase with a precise reason. */
export function verifyDatabase(buf: Buffer): DatabaseInfo {
  let parsed: { meta: Record<string, Plain>; start: number };
  try {
    parsed = metadataOf(buf);
  } catch (err) {
    if (err instanceof FormatError) throw new InvalidDatabase(`metadata: ${err.message}`);
    throw err;
  }
  const { meta, start: metaStart } = parsed;
  if (meta.binary_format_major_version !== 2) throw new InvalidDatabase('binary format major version is not 2');
  const nodeCount = uint(meta, 'node_count');
  const recordSize = uint(meta, 'record_size');
  if (recordSize !== 24 && recordSize !== 28 && recordSize !== 32) {
    throw new InvalidDatabase(`unsupported record size ${recordSize}`);
  }
  const ipVersion = uint(meta, 'ip_version');
  if (ipVersion !== 4 && ipVersion !== 6) throw new InvalidDatabase(`ip_version ${ipVersion} is neither 4 nor 6`);
  if (typeof meta.database_type !== 'string') throw new InvalidDatabase('metadata database_type missing');
  if (nodeCount === 0) throw new InvalidDatabase('empty search tree (node_count 0)');
  const treeSize = (nodeCount * recordSize) / 4;
  const dataStart = treeSize + SEPARATOR;
  if (dataStart > metaStart) {
    throw new InvalidDatabase(`search tree (${treeSize} bytes) and separator run past the metadata at ${metaStart}`);
  }
  for (let i = treeSize; i < dataStart; i++) {
    if (buf[i] !== 0) throw new InvalidDatabase(`data section separator is not 16 zero bytes (byte ${i})`);
  }
  const { starts } = scanData(buf, dataStart, metaStart);
  const records = walkTree(recordReader(buf, recordSize), nodeCount, ipVersion === 4 ? 32 : 128, starts);
  return Object.freeze({
    databaseType: meta.database_type,
    ipVersion,
    nodeCount,
    recordSize,
    buildEpoch: typeof meta.build_epoch === 'number' ? meta.build_epoch : 0,
    records,
  });
}
