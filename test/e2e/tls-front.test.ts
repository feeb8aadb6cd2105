// TLS terminated in front of Portcullis with the shipped samples (deploy/tls/): nginx and HAProxy check the
// files (nginx -t, haproxy -c), then real HTTPS requests go through each to a real gateway: forwarded, refused,
// and the client's own X-Forwarded-For and X-Request-ID do not pass as the proxy's.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, COMPILE_ROUTE, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { ROOT } from '../helpers/process.js';

const sh = promisify(execFile);

async function has(tool: string): Promise<boolean> {
  try {
    await sh('sh', ['-c', `command -v ${tool}`]);
    return true;
  } catch {
    return false;
  }
}
const tools = { nginx: await has('nginx'), haproxy: await has('haproxy'), openssl: await has('openssl') };
const missing = Object.entries(tools)
  .filter(([, ok]) => !ok)
  .map(([t]) => t);
if (missing.length > 0 && process.env.CI === 'true')
  throw new Error(`missing ${missing.join(', ')}: run scripts/install-test-deps.sh`);
if (missing.length > 0) console.warn(`skipping TLS front tests: missing ${missing.join(', ')}`);

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} never opened: ${log()}`);
}

let dir = '';
let ca = '';
let up: TestUpstream;
let g: TestGateway;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (missing.length > 0) return;
  dir = await mkdtemp(join(tmpdir(), 'portcullis-tls-'));
  await sh('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ]); // prettier-ignore
  ca = await readFile(join(dir, 'cert.pem'), 'utf8');
  await writeFile(join(dir, 'haproxy.pem'), ca + (await readFile(join(dir, 'key.pem'), 'utf8')));
  up = await startUpstream();
  g = await startTestGateway(
    baseConfig(up.url, `refusals: { disclose: codes }\n${COMPILE_ROUTE}`, '  trusted_proxies: [127.0.0.1]'),
  );
}, 60_000);
afterAll(async () => {
  for (const c of children) c.kill('SIGTERM');
  await g?.close();
  await up?.close();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

function gatewayPort(): string {
  return new URL(g.url).port;
}

/** HTTPS request through the proxy on `port`, trusting the test's own certificate. */
function send(port: number, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: body === undefined ? 'GET' : 'POST',
        headers,
        ca,
        servername: 'localhost',
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function throughProxy(port: number): Promise<void> {
  const ok = await send(
    port,
    '/compile',
    { 'content-type': 'application/json' },
    JSON.stringify({ tikz_code: '\\draw (0,0) -- (1,1);' }),
  );
  expect(ok.status).toBe(200);
  expect(up.received.at(-1)!.headers['x-forwarded-proto']).toBe('https');
  const before = g.events.length;
  const spoof = await send(
    port,
    '/compile',
    { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9', 'x-request-id': 'chosen-by-client' },
    '{"tikz_code":"a","tikz_code":"b"}',
  );
  expect(spoof.status).toBe(400);
  expect(JSON.parse(spoof.body).reasons).toEqual(['request:json_duplicate_key']);
  for (let i = 0; i < 50 && g.events.length === before; i++) await new Promise((r) => setTimeout(r, 10));
  const ev = g.events[before]!;
  expect(ev.client_ip).toBe('127.0.0.1'); // the real client, not the address it claimed
  expect(ev.request_id).not.toBe('chosen-by-client');
  expect(spoof.headers['x-request-id']).toBe(ev.request_id);
}

describe.skipIf(missing.length > 0)('TLS in front (deploy/tls)', () => {
  it('nginx: the sample passes nginx -t and serves the gateway over HTTPS', async () => {
    const port = await freePort();
    const site = (await readFile(join(ROOT, 'deploy/tls/nginx-portcullis.conf'), 'utf8'))
      .replace('listen 443 ssl http2;', `listen 127.0.0.1:${port} ssl http2;`)
      .replace('/etc/ssl/portcullis/fullchain.pem', join(dir, 'cert.pem'))
      .replace('/etc/ssl/portcullis/privkey.pem', join(dir, 'key.pem'))
      .replace('server 127.0.0.1:8080;', `server 127.0.0.1:${gatewayPort()};`);
    expect(site).toContain(`127.0.0.1:${port}`);
    await writeFile(join(dir, 'site.conf'), site);
    await writeFile(
      join(dir, 'nginx.conf'),
      `worker_processes 1;\npid ${dir}/nginx.pid;\nerror_log stderr;\nevents {}\n` +
        `http {\n  access_log off;\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n` +
        `  include ${dir}/site.conf;\n}\n`,
    );
    await sh('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')]);
    const nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;']);
    children.push(nginx);
    let log = '';
    nginx.stderr.on('data', (d: Buffer) => (log += d.toString()));
    await waitForPort(port, nginx, () => log);
    await throughProxy(port);
  }, 60_000);

  it('HAProxy: the sample passes haproxy -c and serves the gateway over HTTPS', async () => {
    const port = await freePort();
    const sample = (await readFile(join(ROOT, 'deploy/tls/haproxy-portcullis.cfg'), 'utf8'))
      .replace('bind :443 ssl crt /etc/ssl/portcullis/haproxy.pem', `bind 127.0.0.1:${port} ssl crt ${dir}/haproxy.pem`)
      .replace('server gateway 127.0.0.1:8080', `server gateway 127.0.0.1:${gatewayPort()}`);
    expect(sample).toContain(`127.0.0.1:${port}`);
    const file = join(dir, 'haproxy.cfg');
    await writeFile(file, `global\n    log stderr format raw local0\n\ndefaults\n    mode http\n\n${sample}`);
    await sh('haproxy', ['-c', '-f', file]);
    const haproxy = spawn('haproxy', ['-db', '-f', file]);
    children.push(haproxy);
    let log = '';
    haproxy.stderr.on('data', (d: Buffer) => (log += d.toString()));
    await waitForPort(port, haproxy, () => log);
    await throughProxy(port);
  }, 60_000);
});
