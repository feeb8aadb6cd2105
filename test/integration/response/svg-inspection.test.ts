// SVG inspection through a real gateway: a test upstream answers the vectors of test/vectors/svg, and each route's
// settings decide: refuse (502 with the reason), strip (the cleaned body), monitor (passes, counted), canaries
// (refused whatever the type), the JSON field, the CSP and nosniff of SVG answers, and streaming where nothing inspects.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, metric, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';

const VECTORS = join(import.meta.dirname, '../../vectors/svg');
const read = (rel: string) => readFileSync(join(VECTORS, rel));
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";
const CANARY = 'root:x:0:0:root:/root:/bin/bash';

// The YAML another engineer's end-to-end tests can copy (docs/configuration.md, "Response phase").
const ROUTES = `refusals:
  disclose: codes
routes:
  - name: refuse
    path: /refuse/*
    svg:
      mode: enforce
      action: refuse
    canaries:
      strings: ["${CANARY}"]
  - name: strip
    path: /strip/*
    svg:
      action: strip
      json_field: svg
  - name: monitor
    path: /monitor/*
    svg:
      mode: monitor
      action: strip
  - name: plain
    path: /plain/*
`;

let up: TestUpstream;
let t: TestGateway;

beforeAll(async () => {
  // GET /<route>/<dir>/<file>: answers that vector; a .json suffix wraps it as {"svg": ...}; /<route>/passwd
  // answers a line of /etc/passwd as text; /<route>/slow sends its first bytes, then the rest 1.5 s later.
  up = await startUpstream((req, res) => {
    const path = req.url!.split('/').slice(2).join('/');
    if (path === 'passwd') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n${CANARY}\n`);
      return;
    }
    if (path === 'slow') {
      res.writeHead(200, { 'content-type': 'image/svg+xml' });
      res.write('<svg xmlns="http://www.w3.org/2000/svg">');
      setTimeout(() => res.end('<rect width="1" height="1"/></svg>'), 1500);
      return;
    }
    if (!path.endsWith('.svg') && !path.endsWith('.json')) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    const json = path.endsWith('.json');
    const svg = read(json ? path.slice(0, -5) : path);
    const body = json ? Buffer.from(JSON.stringify({ svg: svg.toString('utf8'), id: 42 })) : svg;
    res.writeHead(200, {
      'content-type': json ? 'application/json' : 'image/svg+xml',
      'content-length': body.length,
      // a weaker policy from the upstream: SVG answers get the gateway's instead
      'content-security-policy': "default-src *; script-src 'unsafe-inline'",
    });
    res.end(body);
  });
  t = await startTestGateway(baseConfig(up.url, ROUTES));
});

afterAll(async () => {
  await t?.close();
  await up?.close();
});

async function get(path: string) {
  const res = await request(`${t.url}${path}`);
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body, text: body.toString('utf8') };
}

describe('SVG inspection through the gateway', () => {
  it('a real dvisvgm SVG passes byte for byte, with the SVG CSP replacing the upstream one, and nosniff', async () => {
    for (const f of ['good/mindmap-nofonts.svg', 'good/plot-svgfonts.svg', 'good/shapes-woff2.svg']) {
      const r = await get(`/refuse/${f}`);
      expect(r.status).toBe(200);
      expect(r.body.equals(read(f))).toBe(true);
      expect(r.headers['content-length']).toBe(String(read(f).length));
      expect(r.headers['content-security-policy']).toBe(CSP);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    }
    expect(await metric(t.adminUrl, 'portcullis_response_inspections_total', { route: 'refuse', action: 'pass' })).toBe(
      6, // three answers, each judged by the canary check and the SVG check
    );
  });

  it('refuse: 502 with the reason code, nothing of the document, an event naming element and attribute', async () => {
    const before = t.events.length;
    const r = await get('/refuse/attack/dvisvgm-raw-script.svg');
    expect(r.status).toBe(502);
    expect(JSON.parse(r.text).reasons).toEqual(['svg:script', 'svg:event_handler']);
    expect(r.text).not.toContain('alert');
    const ev = t.events.slice(before).find((e) => e.route === 'refuse')!;
    expect(ev).toMatchObject({ decision: 'deny', status: 502, module: 'svg', mode: 'enforce' });
    expect(ev.matches.map((m) => m.field)).toEqual(['script', 'g@onmouseover']);
    expect(JSON.stringify(ev)).not.toContain('alert');
    expect(ev.response).toEqual([
      { check: 'svg', kind: 'svg', action: 'refuse', reasons: ['svg:script', 'svg:event_handler'], stripped: 0 },
    ]);
    expect(
      await metric(t.adminUrl, 'portcullis_response_findings_total', {
        route: 'refuse',
        reason: 'svg:script',
        action: 'refuse',
      }),
    ).toBe(1);
    expect(
      await metric(t.adminUrl, 'portcullis_refusals_total', { route: 'refuse', reason: 'svg:event_handler' }),
    ).toBe(1);
  });

  it('refuse: the namespace, entity and encoding tricks each get their reason', async () => {
    const cases: Array<[string, string]> = [
      ['script-prefixed.svg', 'svg:script'],
      ['use-javascript-tab.svg', 'svg:script'],
      ['doctype-entities.svg', 'svg:doctype'],
      ['encoding-latin1.svg', 'svg:encoding'],
      ['bom-utf8.svg', 'svg:encoding'],
      ['canvas-5m.svg', 'svg:canvas'],
      ['dvisvgm-img-url.svg', 'svg:image'],
    ];
    for (const [file, reason] of cases) {
      const r = await get(`/refuse/attack/${file}`);
      expect([file, r.status, JSON.parse(r.text).reasons]).toEqual([file, 502, [reason]]);
    }
  });

  it('strip: the cleaned SVG, with its own length and the CSP; counted, and reported in an event', async () => {
    const before = t.events.length;
    const r = await get('/strip/attack/dvisvgm-raw-script.svg');
    expect(r.status).toBe(200);
    expect(r.text).toBe(read('attack/dvisvgm-raw-script.stripped.svg').toString('utf8'));
    expect(r.headers['content-length']).toBe(String(r.body.length));
    expect(r.headers['content-security-policy']).toBe(CSP);
    expect(await metric(t.adminUrl, 'portcullis_svg_stripped_total', { route: 'strip' })).toBe(2);
    expect(
      await metric(t.adminUrl, 'portcullis_response_findings_total', {
        route: 'strip',
        reason: 'svg:script',
        action: 'strip',
      }),
    ).toBe(1);
    const ev = t.events.slice(before).find((e) => e.route === 'strip')!;
    expect(ev).toMatchObject({ decision: 'allow', status: 200 });
    expect(ev.response?.[0]).toMatchObject({ action: 'strip', stripped: 2 });
  });

  it('strip: a document that cannot be stripped is refused', async () => {
    const r = await get('/strip/attack/doctype-system.svg');
    expect(r.status).toBe(502);
    expect(JSON.parse(r.text).reasons).toEqual(['svg:doctype']);
  });

  it('strip: SVG in the JSON field is replaced by the cleaned one, the rest of the JSON kept', async () => {
    const r = await get('/strip/attack/dvisvgm-raw-script.svg.json');
    expect(r.status).toBe(200);
    const doc = JSON.parse(r.text) as { svg: string; id: number };
    expect(doc.id).toBe(42);
    expect(doc.svg).toBe(read('attack/dvisvgm-raw-script.stripped.svg').toString('utf8'));
    const clean = await get('/strip/good/tree-woff2.svg.json');
    expect(JSON.parse(clean.text).svg).toBe(read('good/tree-woff2.svg').toString('utf8'));
  });

  it('monitor: the answer passes unchanged, with the CSP; the finding is a monitor hit', async () => {
    const before = t.events.length;
    const r = await get('/monitor/attack/script-element.svg');
    expect(r.status).toBe(200);
    expect(r.body.equals(read('attack/script-element.svg'))).toBe(true);
    expect(r.headers['content-security-policy']).toBe(CSP);
    expect(await metric(t.adminUrl, 'portcullis_monitor_hits_total', { route: 'monitor', reason: 'svg:script' })).toBe(
      1,
    );
    const ev = t.events.slice(before).find((e) => e.route === 'monitor')!;
    expect(ev).toMatchObject({ mode: 'monitor', reasons: ['svg:script'] });
  });

  it('canary: any answer of the route that carries one is refused, text included', async () => {
    const r = await get('/refuse/passwd');
    expect(r.status).toBe(502);
    expect(JSON.parse(r.text).reasons).toEqual(['response:canary']);
    expect(r.text).not.toContain('root:x');
    expect(
      await metric(t.adminUrl, 'portcullis_response_findings_total', { route: 'refuse', reason: 'response:canary' }),
    ).toBe(1);
    // a route without canaries lets the same answer through
    expect((await get('/plain/passwd')).status).toBe(200);
  });

  it('an inspected route asks the upstream for uncompressed answers; others pass Accept-Encoding on', async () => {
    const ask = async (path: string) => {
      const res = await request(`${t.url}${path}`, { headers: { 'accept-encoding': 'gzip, br' } });
      await res.body.arrayBuffer();
      return up.received.at(-1)!.headers['accept-encoding'];
    };
    expect(await ask('/refuse/good/tree-nofonts.svg')).toBe('identity');
    expect(await ask('/plain/good/tree-nofonts.svg')).toBe('gzip, br');
  });

  it('a route without response checks streams its answer; one with them holds it until judged', async () => {
    const firstBytes = async (path: string) => {
      const start = performance.now();
      const res = await request(`${t.url}${path}`);
      const headersAt = performance.now() - start;
      await res.body.text();
      return headersAt;
    };
    expect(await firstBytes('/plain/slow')).toBeLessThan(1200);
    expect(await firstBytes('/refuse/slow')).toBeGreaterThanOrEqual(1450);
    // and the plain route's SVG is not given the SVG headers (nothing inspected it)
    const plain = await get('/plain/good/tree-nofonts.svg');
    expect(plain.headers['content-security-policy']).toBe("default-src *; script-src 'unsafe-inline'");
  });
});
