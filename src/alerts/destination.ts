// The SSRF guard: an alert URL is sent to only if every address its host resolves to is an ordinary public
// one or lies in the allow list; the answer names the one address to connect to (pinned, see pinned-client.ts).
import { promises as dns } from 'node:dns';
import { buildCidrSet, parseCidr, type CidrSet } from '../net/cidr.js';
import { normaliseIp } from '../net/ip.js';
import { specialRange } from './special-addresses.js';

/** dns: the lookup failed (may pass later, retried); the others fail the same way every time. */
export type DestinationCode = 'bad_url' | 'scheme' | 'credentials' | 'dns' | 'forbidden_address';

export interface Destination {
  readonly ok: true;
  readonly url: URL;
  /** The checked address the request must connect to, in normal text form (no brackets). */
  readonly address: string;
  readonly family: 4 | 6;
}

export interface DestinationRefusal {
  readonly ok: false;
  readonly code: DestinationCode;
  /** Names the host, never the whole URL: a Slack webhook URL's path is its credential. */
  readonly detail: string;
}

export type DestinationResult = Destination | DestinationRefusal;

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Every address of a host name, as the system resolver answers (hosts file included). */
export type Resolve = (host: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolve: Resolve = (host) => dns.lookup(host, { all: true, verbatim: true });

export type AllowListResult =
  | { readonly ok: true; readonly allow: CidrSet }
  | { readonly ok: false; readonly index: number; readonly detail: string };

/** The explicitly allowed private targets (addresses or CIDRs); a bad entry is a value, for the config layer. */
export function parseAllowList(entries: readonly string[]): AllowListResult {
  for (let i = 0; i < entries.length; i++) {
    if (parseCidr(entries[i]!, false) === null) {
      return { ok: false, index: i, detail: `not an IP address or CIDR: ${entries[i]!}` };
    }
  }
  return { ok: true, allow: buildCidrSet(entries) };
}

export const EMPTY_ALLOW_LIST: CidrSet = buildCidrSet([]);

const refuse = (code: DestinationCode, detail: string): DestinationRefusal => ({ ok: false, code, detail });

/** Why an address may not be a target, or null when it may be. */
function forbidden(address: string, allow: CidrSet): string | null {
  if (allow.has(address)) return null;
  const r = specialRange(address);
  return r === null ? null : `${address} is ${r.name}${r.cidr === '' ? '' : ` (${r.cidr})`}`;
}

/**
 * Checks an alert URL. Only http: and https:, no user:password, and not one resolved address special unless
 * allowed: checking only the first would let a name answering [public, 10.0.0.1] through to a connector that
 * picks the second. An IP literal (the URL parser has already turned `0x7f.0.0.1` into `127.0.0.1`) is not
 * looked up.
 */
export async function checkDestination(
  text: string,
  allow: CidrSet,
  resolve: Resolve = systemResolve,
): Promise<DestinationResult> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse('bad_url', 'not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return refuse('scheme', `${url.protocol} is not http: or https:`);
  }
  if (url.username !== '' || url.password !== '') return refuse('credentials', 'the URL carries a user or password');
  const host = url.hostname;
  const literal = normaliseIp(host);
  let addresses: string[];
  if (literal !== '') addresses = [literal];
  else {
    if (host.startsWith('[')) return refuse('bad_url', `host ${host} is not an address`);
    let found: readonly ResolvedAddress[];
    try {
      found = await resolve(host);
    } catch (err) {
      return refuse('dns', `${host}: ${(err as { code?: string }).code ?? 'lookup failed'}`);
    }
    addresses = found.map((a) => normaliseIp(a.address));
    if (addresses.length === 0) return refuse('dns', `${host}: no address`);
  }
  for (const a of addresses) {
    if (a === '') return refuse('forbidden_address', `${host} resolved to something that is not an address`);
    const why = forbidden(a, allow);
    if (why !== null) return refuse('forbidden_address', literal === '' ? `${host}: ${why}` : why);
  }
  const address = addresses[0]!;
  return { ok: true, url, address, family: address.includes(':') ? 6 : 4 };
}
