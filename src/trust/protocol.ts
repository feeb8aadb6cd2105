// The protocol-sanity component: missing or odd headers, automation User-Agents, HTTP/1.0.
import type { RequestContext } from '../core/context.js';
import type { TrustTerm } from '../core/trust.js';
import { scored, type Weighting } from './term.js';

/** Each finding with its cost; the term's code is the costliest one present. Order: costliest first. */
const FINDINGS = [
  { flag: 1, code: 'protocol:no_user_agent', cost: 0.5 },
  { flag: 2, code: 'protocol:automation_ua', cost: 0.3 },
  { flag: 4, code: 'protocol:http10', cost: 0.3 },
  { flag: 8, code: 'protocol:browser_without_language', cost: 0.2 },
  { flag: 16, code: 'protocol:no_accept', cost: 0.1 },
] as const;

/** Tools and drivers, not people: fine for an API client, a little less trusted than a browser. */
const AUTOMATION =
  /^(curl|wget|python-|go-http-client|java\/|okhttp|libwww|scrapy|httpie|axios|node-fetch|undici|aiohttp|httpx|masscan|zgrab|nikto|sqlmap|nuclei)|headless|phantomjs|selenium|puppeteer|playwright|crawler|spider/i;

export function protocolFlags(ctx: RequestContext): number {
  const h = ctx.headers;
  const ua = h['user-agent'];
  let flags = 0;
  if (ua === undefined || ua === '') flags |= 1;
  else {
    if (AUTOMATION.test(ua)) flags |= 2;
    else if (ua.startsWith('Mozilla/') && h['accept-language'] === undefined) flags |= 8;
  }
  if (ctx.http10) flags |= 4;
  if (h.accept === undefined) flags |= 16;
  return flags;
}

export function protocolComponent(w: Weighting): (ctx: RequestContext) => TrustTerm {
  // Every combination of findings made once: a request costs the flag computation and an array read.
  const terms: TrustTerm[] = [];
  for (let flags = 0; flags < 32; flags++) {
    let value = 1;
    let code = 'protocol:ok';
    const found: string[] = [];
    for (const f of FINDINGS) {
      if ((flags & f.flag) === 0) continue;
      if (found.length === 0) code = f.code;
      value -= f.cost;
      found.push(f.code.slice('protocol:'.length));
    }
    terms.push(scored(w, code, value, Object.freeze({ findings: found.join(',') })));
  }
  return (ctx) => terms[protocolFlags(ctx)]!;
}
