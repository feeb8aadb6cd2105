// Path canonicalisation before routing: one spelling per resource, or a 400 for ambiguous forms.

export type CanonicalPath = { ok: true; path: string; query: string } | { ok: false; code: string };

// Fast path: segments of plain pchar except ';', none empty, none starting with '.', no trailing slash.
const PLAIN = /^(?:\/[A-Za-z0-9\-_~!$&'()*+,=:@][A-Za-z0-9\-_.~!$&'()*+,=:@]*)+$/;
const HEX = /^[0-9A-Fa-f]{2}$/;
const KEEP = /[A-Za-z0-9\-_.~!$&'()*+,;=:@]/;

/**
 * Decodes percent-escapes once, refuses encoded '/', '\\', controls, ';' and invalid UTF-8, removes dot
 * segments (refusing any that climb above the root), collapses repeated slashes and drops a trailing
 * slash. The result is what is routed and what is forwarded (re-encoded), so upstream and gateway agree.
 */
export function canonicalise(url: string): CanonicalPath {
  if (url.length === 0 || url.charCodeAt(0) !== 47 /* / */) return { ok: false, code: 'path_not_origin_form' };
  if (url.indexOf('#') !== -1) return { ok: false, code: 'path_fragment' };
  const q = url.indexOf('?');
  const raw = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  if (raw === '/' || PLAIN.test(raw)) return { ok: true, path: raw, query };
  if (raw.indexOf('\\') !== -1) return { ok: false, code: 'path_backslash' };

  let decoded: string;
  if (raw.indexOf('%') !== -1) {
    const bytes: number[] = [];
    for (let i = 0; i < raw.length; i++) {
      const c = raw.charCodeAt(i);
      if (c === 37 /* % */) {
        const hex = raw.slice(i + 1, i + 3);
        if (!HEX.test(hex)) return { ok: false, code: 'path_bad_escape' };
        const b = parseInt(hex, 16);
        if (b === 47 || b === 92) return { ok: false, code: 'path_encoded_separator' };
        bytes.push(b);
        i += 2;
      } else if (c > 127) {
        return { ok: false, code: 'path_non_ascii' };
      } else bytes.push(c);
    }
    try {
      decoded = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
    } catch {
      return { ok: false, code: 'path_bad_utf8' };
    }
  } else decoded = raw;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(decoded)) return { ok: false, code: 'path_control_char' };
  // Path parameters: Tomcat and Spring strip `;...` from each segment before routing (`/x/..;/compile` is
  // `/compile` to them, `/compile;x` too), so a `;`, literal or from %3B, could dodge the route's policy.
  if (decoded.indexOf(';') !== -1) return { ok: false, code: 'path_parameter' };

  const out: string[] = [];
  for (const seg of decoded.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return { ok: false, code: 'path_above_root' };
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return { ok: true, path: '/' + out.join('/'), query };
}

/** Re-encodes a canonical path for the upstream request line. */
export function encodePath(path: string): string {
  if (path === '/' || PLAIN.test(path)) return path;
  let s = '';
  for (const ch of path) {
    if (ch === '/' || KEEP.test(ch)) s += ch;
    else for (const b of Buffer.from(ch, 'utf8')) s += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return s;
}
