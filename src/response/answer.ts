// Reading an upstream answer's framing for the response checks: its media type, charset and content coding.
import { isUtf8 } from 'node:buffer';

/** A header's single value ('' when absent; the first when doubled, which a check refusing on it never trusts). */
export function headerValue(v: string | string[] | undefined): string {
  if (v === undefined) return '';
  return typeof v === 'string' ? v : (v[0] ?? '');
}

/** The media type of a Content-Type value, lower case, without parameters ('' when absent). */
export function mediaType(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** The charset parameter, lower case ('' when none); a charset given twice reads as 'twice' (refused). */
export function charsetOf(contentType: string): string {
  let found = '';
  for (const part of contentType.split(';').slice(1)) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    if (found !== '') return 'twice';
    found = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
  }
  return found;
}

/** Types a browser renders as XML, where SVG-namespace elements are live: inspected as SVG. */
export function isXmlType(media: string): boolean {
  return media === 'image/svg+xml' || media === 'text/xml' || media === 'application/xml' || media.endsWith('+xml');
}

export function isJsonType(media: string): boolean {
  return media === 'application/json' || media.endsWith('+json');
}

/** True when the answer carries a content coding other than identity (its bytes are not the document). */
export function isEncoded(contentEncoding: string | string[] | undefined): boolean {
  const v = headerValue(contentEncoding).trim().toLowerCase();
  return v !== '' && v !== 'identity';
}

/** An answer without a Content-Type whose first non-blank byte is '<': a browser may sniff it as markup. */
export function looksLikeMarkup(body: Buffer): boolean {
  for (let i = 0; i < body.length && i < 1024; i++) {
    const c = body[i]!;
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    return c === 0x3c || c === 0xef || c === 0xfe || c === 0xff; // '<', or a byte-order mark
  }
  return false;
}

/**
 * The body as UTF-8 text; null when it is not valid UTF-8 or starts with a byte-order mark. Checked with
 * buffer.isUtf8, then decoded by Buffer#toString: TextDecoder's strings were ~20x slower for saxes to read.
 */
export function strictUtf8(body: Buffer): string | null {
  if (!isUtf8(body)) return null;
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return null;
  return body.toString('utf8');
}
