// UTF-8 bytes of a text for RE2 (node-re2 converts a string anew on every call; a Buffer it reads as is).
// An ASCII text, the usual case, is written into one reusable buffer: no allocation, one pass.

const SCRATCH_MAX = 1 << 20;
/** UTF-8 takes at most 3 bytes per UTF-16 unit: a scratch of 3n bytes always holds the whole text. */
const MAX_BYTES_PER_UNIT = 3;
let scratch = Buffer.allocUnsafe(0);

/**
 * The bytes of `s`. When they are in the shared scratch buffer they stay valid only until the next call:
 * use them at once (the engine is synchronous) and keep nothing.
 */
export function utf8(s: string): Buffer {
  const n = s.length;
  if (n > SCRATCH_MAX) return Buffer.from(s);
  const need = MAX_BYTES_PER_UNIT * n;
  if (scratch.length < need) scratch = Buffer.allocUnsafe(Math.max(need, 2 * scratch.length, 4096));
  // The whole text fits, so it wrote n bytes exactly when every unit was ASCII (any other takes 2 or more).
  if (scratch.write(s, 0, 'utf8') !== n) return Buffer.from(s);
  return scratch.subarray(0, n);
}
