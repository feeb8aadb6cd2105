// UTF-8 bytes of a text for RE2 (node-re2 converts a string anew on every call; a Buffer it reads as is).
// An ASCII text, the usual case, is written into one reusable buffer: no allocation, a plain copy.

const SCRATCH_MAX = 1 << 20;
let scratch = Buffer.allocUnsafe(0);

/**
 * The bytes of `s`. When they are in the shared scratch buffer they stay valid only until the next call:
 * use them at once (the engine is synchronous) and keep nothing.
 */
export function utf8(s: string): Buffer {
  const n = s.length;
  if (n > SCRATCH_MAX || Buffer.byteLength(s) !== n) return Buffer.from(s);
  if (scratch.length < n) scratch = Buffer.allocUnsafe(Math.max(n, 2 * scratch.length, 4096));
  scratch.write(s, 0, 'latin1');
  return scratch.subarray(0, n);
}
