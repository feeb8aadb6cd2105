// Content-Type parsing: media type (lower case) and charset, the two things routing and decoding need.

export interface MediaType {
  readonly type: string;
  readonly charset: string | null;
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
  if (semi !== -1) {
    for (const param of header.slice(semi + 1).split(';')) {
      const eq = param.indexOf('=');
      if (eq === -1) continue;
      if (param.slice(0, eq).trim().toLowerCase() === 'charset') {
        charset = param
          .slice(eq + 1)
          .trim()
          .replace(/^"|"$/g, '')
          .toLowerCase();
      }
    }
  }
  const mt = Object.freeze({ type, charset });
  if (cache.size < 256 && header.length < 200) cache.set(header, mt);
  return mt;
}

/** Bodies are decoded as UTF-8 only; any other declared charset is refused rather than guessed. */
export function charsetAcceptable(mt: MediaType): boolean {
  return mt.charset === null || mt.charset === 'utf-8' || mt.charset === 'utf8' || mt.charset === 'us-ascii';
}
