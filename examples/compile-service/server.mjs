// @ts-check
// Reference compile service (a test and demo backend, not part of the gateway): POST /compile turns TikZ into SVG
// with latex + dvisvgm under limits, and says in X-Compile-* headers what happened. Library and CLI.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compileTikz } from './compile.mjs';
import { networkIsolation } from './run.mjs';

/**
 * @typedef {object} CompileServiceOptions
 * @property {string} [host]         default 127.0.0.1
 * @property {number} [port]         default 0 (the kernel picks)
 * @property {boolean} [weakened]    TESTS ONLY: openin_any=a, restricted shell escape, all dvisvgm specials, canary
 * @property {number} [timeoutMs]    wall clock per compile, both steps; default 45000
 * @property {number} [memoryMb]     RLIMIT_AS of latex and of dvisvgm; default 300
 * @property {number} [cpuSeconds]   RLIMIT_CPU of latex and of dvisvgm; default 30
 * @property {number} [maxSvgBytes]  the largest SVG answered; default 5 MiB
 * @property {number} [maxJobBytes]  the most a job's directory may hold (TeX's files, the SVG); default 64 MiB
 * @property {number} [concurrency]  compiles at once; more get 503 at once; default 5
 */

/**
 * @typedef {object} CompileService
 * @property {string} url                                  e.g. http://127.0.0.1:40123
 * @property {number} port
 * @property {{ path: string; marker: string }} [canary]  weakened mode: a file beside the job directories
 * @property {string} workDir                              the directory that holds every job's directory
 * @property {() => Promise<void>} close                   stops listening, kills compiles, removes workDir
 */

export const DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  weakened: false,
  timeoutMs: 45_000,
  memoryMb: 300,
  cpuSeconds: 30,
  maxSvgBytes: 5 * 1024 * 1024,
  maxJobBytes: 64 * 1024 * 1024,
  concurrency: 5,
});

/** The request body cap (the gateway caps bodies well below this). */
const MAX_BODY_BYTES = 1024 * 1024;

/** @typedef {import('./compile.mjs').Outcome} Outcome */

/** Each outcome has its own status, so a gateway that does not trust the headers can still tell them apart. */
/** @type {Readonly<Record<Outcome, number>>} */
export const OUTCOME_STATUS = Object.freeze({
  ok: 200,
  tex_error: 422,
  timeout: 504,
  memory: 507,
  too_large: 502,
});

/**
 * @param {string} name
 * @param {unknown} v
 * @param {number} min
 * @param {number} max
 * @returns {number}
 */
function bounded(name, v, min, max) {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`compile service: ${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {Record<string, unknown>} body
 * @param {Record<string, string>} [headers]
 */
function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

/**
 * Reads the body up to the cap; null when it is over (the connection is then closed).
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<Buffer | null>}
 */
function readBody(req) {
  return new Promise((resolveBody, reject) => {
    /** @type {Buffer[]} */
    const parts = [];
    let size = 0;
    let over = false;
    req.on('data', (/** @type {Buffer} */ d) => {
      size += d.length;
      if (size > MAX_BODY_BYTES) over = true;
      else parts.push(d);
    });
    req.on('end', () => resolveBody(over ? null : Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/**
 * The TikZ code of a request, or why it is malformed.
 * @param {string | undefined} contentType
 * @param {Buffer} body
 * @returns {{ code: string } | { status: number; error: string }}
 */
export function parseCompileRequest(contentType, body) {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return { status: 400, error: 'the body is not UTF-8' };
  }
  /** @type {unknown} */
  let code;
  if (type === 'application/json') {
    /** @type {unknown} */
    let doc;
    try {
      doc = JSON.parse(text);
    } catch {
      return { status: 400, error: 'the body is not JSON' };
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      return { status: 400, error: 'the body must be a JSON object' };
    }
    code = /** @type {Record<string, unknown>} */ (doc).tikz_code;
  } else if (type === 'application/x-www-form-urlencoded') {
    const values = new URLSearchParams(text).getAll('tikz_code');
    if (values.length > 1) return { status: 400, error: 'tikz_code given more than once' };
    code = values[0];
  } else {
    return { status: 415, error: 'send application/json or application/x-www-form-urlencoded' };
  }
  if (typeof code !== 'string') return { status: 400, error: 'tikz_code (a string) is missing' };
  if (code.trim() === '') return { status: 400, error: 'tikz_code is empty' };
  return { code };
}

/**
 * Starts the service. Rejects when an option is out of range or the port cannot be bound.
 * @param {CompileServiceOptions} [opts]
 * @returns {Promise<CompileService>}
 */
export async function startCompileService(opts = {}) {
  const host = opts.host ?? DEFAULTS.host;
  const port = bounded('port', opts.port ?? DEFAULTS.port, 0, 65535);
  const weakened = opts.weakened ?? DEFAULTS.weakened;
  const settings = Object.freeze({
    weakened,
    timeoutMs: bounded('timeoutMs', opts.timeoutMs ?? DEFAULTS.timeoutMs, 100, 600_000),
    memoryMb: bounded('memoryMb', opts.memoryMb ?? DEFAULTS.memoryMb, 16, 65_536),
    cpuSeconds: bounded('cpuSeconds', opts.cpuSeconds ?? DEFAULTS.cpuSeconds, 1, 3600),
    maxSvgBytes: bounded('maxSvgBytes', opts.maxSvgBytes ?? DEFAULTS.maxSvgBytes, 1024, 1024 * 1024 * 1024),
    maxJobBytes: bounded('maxJobBytes', opts.maxJobBytes ?? DEFAULTS.maxJobBytes, 64 * 1024, 16 * 1024 * 1024 * 1024),
  });
  const concurrency = bounded('concurrency', opts.concurrency ?? DEFAULTS.concurrency, 1, 1000);
  const network = networkIsolation();

  const workDir = mkdtempSync(join(tmpdir(), 'portcullis-compile-'));
  /** @type {{ path: string; marker: string } | undefined} */
  let canary;
  if (weakened) {
    // Beside the job directories: `\input{../canary.txt}` from a job reaches it when openin_any=a.
    canary = { path: join(workDir, 'canary.txt'), marker: `PORTCULLIS-CANARY-${randomBytes(12).toString('hex')}` };
    writeFileSync(canary.path, `${canary.marker}\n`);
  }
  const compileSettings = Object.freeze({ ...settings, workDir });

  let active = 0;
  const closing = new AbortController();

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
        return;
      }
      sendJson(res, 200, { status: 'ok', active, concurrency, weakened, network: network.describe });
      return;
    }
    if (path !== '/compile') {
      sendJson(res, 404, { error: 'not found' });
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'method not allowed' }, { allow: 'POST' });
      return;
    }
    void handleCompile(req, res);
  });

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function handleCompile(req, res) {
    let body;
    try {
      body = await readBody(req);
    } catch {
      res.destroy();
      return;
    }
    if (body === null) {
      sendJson(res, 413, { error: `the body is over ${MAX_BODY_BYTES} bytes` }, { connection: 'close' });
      return;
    }
    const parsed = parseCompileRequest(req.headers['content-type'], body);
    if (!('code' in parsed)) {
      sendJson(res, parsed.status, { error: parsed.error });
      return;
    }
    // Full: refuse at once rather than queue (a queue hides overload and holds the gateway's connections).
    if (active >= concurrency) {
      sendJson(res, 503, { error: 'busy: all compile slots are in use' }, { 'retry-after': '1' });
      return;
    }
    active++;
    // A client that goes away stops its compile, and so does close().
    const gone = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) gone.abort();
    };
    res.on('close', onClose);
    const signal = AbortSignal.any([gone.signal, closing.signal]);
    try {
      const r = await compileTikz(parsed.code, compileSettings, { signal });
      if (res.destroyed) return;
      const headers = {
        'x-compile-outcome': r.outcome,
        'x-compile-wall-ms': String(r.wallMs),
        'x-compile-cpu-ms': String(r.cpuMs),
      };
      if (r.outcome === 'ok' && r.svg) {
        res.writeHead(200, {
          'content-type': 'image/svg+xml',
          'content-length': r.svg.length,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          ...headers,
        });
        res.end(r.svg);
        return;
      }
      sendJson(
        res,
        OUTCOME_STATUS[r.outcome],
        { outcome: r.outcome, error: r.message ?? r.outcome, ...(r.line !== undefined ? { line: r.line } : {}) },
        headers,
      );
    } catch (err) {
      // A fault of this service (e.g. the temp directory is not writable), not an outcome of the code.
      if (!res.headersSent) sendJson(res, 500, { error: 'compile service fault' });
      console.error('compile service fault:', err);
    } finally {
      active--;
      res.off('close', onClose);
    }
  }

  await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen(undefined);
    });
  });
  const addr = server.address();
  const boundPort = typeof addr === 'object' && addr !== null ? addr.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${boundPort}`,
    port: boundPort,
    ...(canary ? { canary } : {}),
    workDir,
    async close() {
      closing.abort();
      await new Promise((r) => {
        server.close(() => r(undefined));
        server.closeAllConnections();
      });
      while (active > 0) await new Promise((r) => setTimeout(r, 10));
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** CLI: node examples/compile-service/server.mjs --port 8081 [--host 127.0.0.1] [--weakened] [limits] */
async function main() {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      weakened: { type: 'boolean' },
      'timeout-ms': { type: 'string' },
      'memory-mb': { type: 'string' },
      'cpu-seconds': { type: 'string' },
      'max-svg-bytes': { type: 'string' },
      'max-job-bytes': { type: 'string' },
      concurrency: { type: 'string' },
    },
    strict: true,
  });
  /** @param {string | undefined} v */
  const num = (v) => (v === undefined ? undefined : Number(v));
  const svc = await startCompileService({
    ...(values.host !== undefined ? { host: values.host } : {}),
    port: num(values.port) ?? 8081,
    weakened: values.weakened === true,
    ...(values['timeout-ms'] !== undefined ? { timeoutMs: num(values['timeout-ms']) } : {}),
    ...(values['memory-mb'] !== undefined ? { memoryMb: num(values['memory-mb']) } : {}),
    ...(values['cpu-seconds'] !== undefined ? { cpuSeconds: num(values['cpu-seconds']) } : {}),
    ...(values['max-svg-bytes'] !== undefined ? { maxSvgBytes: num(values['max-svg-bytes']) } : {}),
    ...(values['max-job-bytes'] !== undefined ? { maxJobBytes: num(values['max-job-bytes']) } : {}),
    ...(values.concurrency !== undefined ? { concurrency: num(values.concurrency) } : {}),
  });
  console.log(`compile service listening on ${svc.url} (network: ${networkIsolation().describe})`);
  if (svc.canary) {
    console.log(`WEAKENED MODE (tests only): canary ${svc.canary.path} holds ${svc.canary.marker}`);
  }
  const stop = () => {
    void svc.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
