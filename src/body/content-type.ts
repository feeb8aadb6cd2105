// Content-Type parsing: media type (lower case) and charset, the two things routing and decoding need.

export interface MediaType {
  readonly type: string;
  readonly charset: string | null;
  /** `charset` given more than once: parsers disagree on which one counts (here the last would win). */
  readonly charsetRepeated: boolean;
}

const cache = new Map<string, MediaType>();

/** Parses `type/subtype; charset=x`. Cached: clients send a handful of distinct values. */
export function parseContentType(header: string | undefined): MediaType | null {
  if (header === undefined) return null;
  const hit = cache.get(header);
  if (hit !== undefined) return hit;
  const semi = header.indexOf(';');
  const type = (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
  let charset: string | null = null;
  let charsetRepeated = false;
  if (semi !== -1) {
    for (const param of header.slice(semi + 1).split(';')) {
      const eq = param.indexOf('=');
      if (eq === -1) continue;
      if (param.slice(0, eq).trim().toLowerCase() === 'charset') {
        if (charset !== null) charsetRepeated = true;
        charset = param
          .slice(eq + 1)
          .trim()
          .replace(/^"|"$/g, '')
          .toLowerCase();
      }
    }
  }
  const mt = Object.freeze({ type, charset, charsetRepeated });
  if (cache.size < 256 && header.length < 200) cache.set(header, mt);
  return mt;
}

/** Bodies are decoded as UTF-8 only; any other declared charset, or two of them, is refused, not guessed. */
export function charsetAcceptable(mt: MediaType): boolean {
  if (mt.charsetRepeated) return false;
  return mt.charset === null || mt.charset === 'utf-8' || mt.charset === 'utf8' || mt.charset === 'us-ascii';
}
