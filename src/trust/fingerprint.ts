// A device fingerprint from what a client sends the same way every time: User-Agent, Accept-*, client hints and
// header order. A hash, never the header text; and whether the headers contradict each other (an impossible device).
import type { IncomingHttpHeaders } from 'node:http';

/** Headers that vary per request (or carry credentials), left out of the header order. */
const VOLATILE = new Set([
  'content-length',
  'content-type',
  'cookie',
  'authorization',
  'proxy-authorization',
  'x-request-id',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'forwarded',
  'x-real-ip',
  'if-none-match',
  'if-modified-since',
  'x-api-key',
]);

const VALUES = [
  'user-agent',
  'accept',
  'accept-language',
  'accept-encoding',
  'sec-ch-ua',
  'sec-ch-ua-platform',
  'sec-ch-ua-mobile',
] as const;

/** FNV-1a over one string, continuing from `h`. */
function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

/** 8 hex digits; the same headers in the same order always give the same fingerprint. */
export function fingerprint(h: IncomingHttpHeaders): string {
  let x = 0x811c9dc5;
  for (const name of VALUES) {
    const v = h[name];
    x = fnv(x, typeof v === 'string' ? v : '');
    x = fnv(x, '\n');
  }
  // Node keeps the arrival order of header names in its parsed object.
  for (const name in h) {
    if (VOLATILE.has(name)) continue;
    x = fnv(x, name);
    x = fnv(x, ',');
  }
  return (x >>> 0).toString(16).padStart(8, '0');
}

const PLATFORM_IN_UA: Readonly<Record<string, RegExp>> = Object.freeze({
  '"Windows"': /Windows/,
  '"macOS"': /Mac OS X|Macintosh/,
  '"Android"': /Android/,
  '"Linux"': /Linux|X11/,
  '"Chrome OS"': /CrOS/,
  '"iOS"': /iPhone|iPad|iPod/,
});

/**
 * Why the headers cannot come from one real device, or '' when they can: client hints are sent by Chromium
 * browsers only, and the platform they name must be the one the User-Agent names.
 */
export function impossibleDevice(h: IncomingHttpHeaders): string {
  const hints = h['sec-ch-ua'];
  const platform = h['sec-ch-ua-platform'];
  if (hints === undefined && platform === undefined) return '';
  const ua = h['user-agent'] ?? '';
  if (hints !== undefined && !/Chrome|Chromium|Edg|OPR/.test(ua)) return 'hints_without_chromium';
  if (typeof platform === 'string') {
    const re = PLATFORM_IN_UA[platform];
    if (re !== undefined && !re.test(ua)) return 'platform_mismatch';
    if (h['sec-ch-ua-mobile'] === '?1' && (platform === '"Windows"' || platform === '"macOS"')) return 'mobile_desktop';
  }
  return '';
}
