// The SSRF guard on vectors (test/vectors/alerts/ssrf.json) with a resolver table, the system resolver for
// localhost, the allow list, and the special-range table itself.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkDestination,
  EMPTY_ALLOW_LIST,
  parseAllowList,
  systemResolve,
  type Resolve,
} from '../../../src/alerts/destination.js';
import { specialRange } from '../../../src/alerts/special-addresses.js';

interface Case {
  url: string;
  code: string | null;
  detail?: string;
  address?: string;
  allow?: string[];
}
const vectors = JSON.parse(readFileSync(new URL('../../vectors/alerts/ssrf.json', import.meta.url), 'utf8')) as {
  hosts: Record<string, string[]>;
  cases: Case[];
};

/** .test names from the table; anything else (localhost) through the system resolver. */
const lookups: string[] = [];
const resolve: Resolve = async (host) => {
  lookups.push(host);
  if (host.endsWith('.test')) {
    const found = vectors.hosts[host];
    if (found === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  }
  return systemResolve(host);
};

function allowOf(entries: string[] | undefined) {
  if (entries === undefined) return EMPTY_ALLOW_LIST;
  const r = parseAllowList(entries);
  if (!r.ok) throw new Error(r.detail);
  return r.allow;
}

describe('checkDestination', () => {
  it.each(vectors.cases.map((c) => [`${c.url}${c.allow ? ` allow ${c.allow.join(',')}` : ''}`, c] as const))(
    '%s',
    async (_name, c) => {
      const r = await checkDestination(c.url, allowOf(c.allow), resolve);
      if (c.code === null) {
        expect(r.ok, JSON.stringify(r)).toBe(true);
        if (r.ok) {
          expect(r.address).toBe(c.address);
          expect(r.family).toBe(c.address!.includes(':') ? 6 : 4);
        }
      } else {
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.code).toBe(c.code);
          if (c.detail !== undefined) expect(r.detail).toContain(c.detail);
        }
      }
    },
  );

  it('takes the URL parser`s reading of odd IPv4 spellings, then refuses the loopback it names', async () => {
    expect(new URL('http://0x7f.0.0.1/').hostname).toBe('127.0.0.1');
    const r = await checkDestination('http://0x7f.0.0.1/', EMPTY_ALLOW_LIST, resolve);
    expect(r).toEqual({ ok: false, code: 'forbidden_address', detail: '127.0.0.1 is loopback (127.0.0.0/8)' });
  });

  it('looks up a host name once and an IP literal never; refuses credentials and schemes before any lookup', async () => {
    lookups.length = 0;
    await checkDestination('http://public.test/', EMPTY_ALLOW_LIST, resolve);
    await checkDestination('http://10.0.0.1/', EMPTY_ALLOW_LIST, resolve);
    await checkDestination('http://[fd00::1]/', EMPTY_ALLOW_LIST, resolve);
    await checkDestination('http://user:pass@private.test/', EMPTY_ALLOW_LIST, resolve);
    await checkDestination('ftp://private.test/', EMPTY_ALLOW_LIST, resolve);
    expect(lookups).toEqual(['public.test']);
  });

  it('keeps the URL whole (port, path, query) and never puts it in a refusal`s detail', async () => {
    const ok = await checkDestination('https://public.test:8443/services/T0/B0/secret?x=1', EMPTY_ALLOW_LIST, resolve);
    expect(ok.ok && ok.url.href).toBe('https://public.test:8443/services/T0/B0/secret?x=1');
    const no = await checkDestination('https://private.test/services/T0/B0/secret', EMPTY_ALLOW_LIST, resolve);
    expect(no.ok).toBe(false);
    expect(JSON.stringify(no)).not.toContain('secret');
  });
});

describe('parseAllowList', () => {
  it('names the first bad entry instead of throwing', () => {
    expect(parseAllowList(['127.0.0.1/32', '10.0.0.0/33', 'x'])).toEqual({
      ok: false,
      index: 1,
      detail: 'not an IP address or CIDR: 10.0.0.0/33',
    });
    expect(parseAllowList(['010.0.0.1']).ok).toBe(false);
    const r = parseAllowList(['127.0.0.1/32', 'fd00::/8']);
    expect(r.ok && r.allow.has('127.0.0.1') && r.allow.has('fd00::1') && !r.allow.has('127.0.0.2')).toBe(true);
  });
});

describe('specialRange', () => {
  it.each([
    ['8.8.8.8', null],
    ['1.1.1.1', null],
    ['172.32.0.1', null],
    ['100.128.0.1', null],
    ['2606:4700::1111', null],
    ['172.31.255.255', 'private'],
    ['100.127.255.255', 'shared address space (CGNAT)'],
    ['198.19.255.255', 'benchmarking'],
    ['239.255.255.250', 'multicast'],
    ['::ffff:10.0.0.1', 'private'],
    ['[::1]', 'loopback'],
    ['fe80::1%eth0', 'link-local'],
    ['fec0::1', 'site-local (deprecated)'],
    ['100::1', 'discard-only'],
    ['64:ff9b:1::1', 'local-use IPv4/IPv6 translation'],
    ['4000::1', 'not global unicast'],
    ['2002:c0a8:101::1', 'private (192.168.1.1) inside 6to4'],
    ['2002:808:808::1', null],
    ['64:ff9b::808:808', null],
    ['not-an-ip', 'not an IP address'],
  ])('%s', (ip, name) => {
    expect(specialRange(ip)?.name ?? null).toBe(name);
  });
});
