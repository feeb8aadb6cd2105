// TeX caret notation, decoded the way TeX's input reader does: `^^xx` (two lower-case hex digits), `^^c`
// (c ± 64 for c < 128), and XeTeX/LuaTeX's `^^^^xxxx` / `^^^^^^xxxxxx`. A decoded character is put back in
// the input and read again, so `^^5e^^5e69` style nesting decodes fully. Every decode consumes at least two
// characters net, so the work is linear in the input length.

export interface CaretDecoded {
  readonly text: string;
  /** 1 where the character of `text` came out of a caret sequence; null when nothing was decoded. */
  readonly marks: Uint8Array | null;
}

function lowerHex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

function hexRun(buf: Uint32Array, at: number, count: number, end: number): number {
  if (at + count > end) return -1;
  let v = 0;
  for (let k = 0; k < count; k++) {
    const h = lowerHex(buf[at + k]!);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/** Counts loop steps so tests can check the linear bound; pass an object to have it filled. */
export interface StepCounter {
  steps: number;
}

export function decodeCarets(input: string, counter?: StepCounter): CaretDecoded {
  if (input.indexOf('^^') === -1) return { text: input, marks: null };
  // Code points, so a decoded astral character takes one slot like any other.
  const buf = Uint32Array.from(input, (ch) => ch.codePointAt(0)!);
  const n = buf.length;
  const fromCaret = new Uint8Array(n);
  const out: number[] = [];
  const outMarks: number[] = [];
  let steps = 0;
  let i = 0;
  while (i < n) {
    steps++;
    const c = buf[i]!;
    if (c === 94 && i + 2 < n && buf[i + 1] === 94) {
      let consumed = 0;
      let code = -1;
      // Longest form first: ^^^^^^xxxxxx, ^^^^xxxx, ^^xx, ^^c.
      if (i + 5 < n && buf[i + 2] === 94 && buf[i + 3] === 94 && buf[i + 4] === 94 && buf[i + 5] === 94) {
        code = hexRun(buf, i + 6, 6, n);
        if (code >= 0 && code <= 0x10ffff) consumed = 12;
        else code = -1;
      }
      if (code < 0 && i + 3 < n && buf[i + 2] === 94 && buf[i + 3] === 94) {
        code = hexRun(buf, i + 4, 4, n);
        if (code >= 0) consumed = 8;
      }
      if (code < 0) {
        code = hexRun(buf, i + 2, 2, n);
        if (code >= 0) consumed = 4;
      }
      if (code < 0 && buf[i + 2]! < 128) {
        const k = buf[i + 2]!;
        code = k < 64 ? k + 64 : k - 64;
        consumed = 3;
      }
      if (code >= 0) {
        // Put the decoded character back where the sequence ended and read on from there.
        const at = i + consumed - 1;
        buf[at] = code;
        fromCaret[at] = 1;
        i = at;
        continue;
      }
    }
    out.push(c);
    outMarks.push(fromCaret[i]!);
    i++;
  }
  if (counter) counter.steps += steps;
  if (out.length === n) return { text: input, marks: null };
  let text = '';
  for (let k = 0; k < out.length; k += 4096) text += String.fromCodePoint(...out.slice(k, k + 4096));
  // Marks are per UTF-16 unit of `text`: astral characters take two units.
  const marks = new Uint8Array(text.length);
  let u = 0;
  for (let k = 0; k < out.length; k++) {
    marks[u] = outMarks[k]!;
    u += out[k]! > 0xffff ? 2 : 1;
    if (out[k]! > 0xffff) marks[u - 1] = outMarks[k]!;
  }
  return { text, marks };
}
