// `url` transform: percent-decoding (%XX as UTF-8, IIS-style %uXXXX, '+' as space), repeated at most 3 rounds.
// Never grows the text: every decoded sequence is shorter than what it replaces.

const MAX_ROUNDS = 3;
const PLUS = /\+/g;

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** True when the text holds something a round of decoding would change. */
export function hasPercentEscape(s: string): boolean {
  for (let i = s.indexOf('%'); i !== -1 && i < s.length - 2; i = s.indexOf('%', i + 1)) {
    if (hex(s.charCodeAt(i + 1)) >= 0 && hex(s.charCodeAt(i + 2)) >= 0) return true;
    if ((s.charCodeAt(i + 1) | 32) === 117 && i + 5 < s.length) return true;
  }
  return false;
}

/** One decoding round; returns the input itself when nothing changed. */
function decodeOnce(s: string): string {
  const pct = s.indexOf('%');
  const plus = s.indexOf('+');
  if (pct === -1 && plus === -1) return s;
  if (pct === -1) return s.replace(PLUS, ' ');
  let out = '';
  let run = 0;
  let bytes: number[] | null = null;
  const flush = () => {
    if (bytes !== null) {
      out += Buffer.from(bytes).toString('utf8');
      bytes = null;
    }
  };
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 37 /* % */ && i + 2 < n) {
      const h = hex(s.charCodeAt(i + 1));
      const l = hex(s.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        out += s.slice(run, i);
        (bytes ??= []).push(h * 16 + l);
        i += 3;
        run = i;
        continue;
      }
      if ((s.charCodeAt(i + 1) | 32) === 117 && i + 5 < n) {
        const a = hex(s.charCodeAt(i + 2));
        const b = hex(s.charCodeAt(i + 3));
        const d = hex(s.charCodeAt(i + 4));
        const e = hex(s.charCodeAt(i + 5));
        if (a >= 0 && b >= 0 && d >= 0 && e >= 0) {
          out += s.slice(run, i);
          flush();
          out += String.fromCharCode(((a * 16 + b) * 16 + d) * 16 + e);
          i += 6;
          run = i;
          continue;
        }
      }
    }
    if (bytes !== null) flush();
    if (c === 43 /* + */) {
      out += s.slice(run, i) + ' ';
      run = i + 1;
    }
    i++;
  }
  out += s.slice(run, n);
  flush();
  return out;
}

export function urlDecode(s: string): string {
  let cur = s;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = decodeOnce(cur);
    if (next === cur) return cur;
    // Only '+' changed (same length): no escape left to peel.
    if (next.length === cur.length) return next;
    cur = next;
  }
  return cur;
}
