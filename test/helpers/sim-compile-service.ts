// Test helper: a simulated compile service on 127.0.0.1:0. Each compile takes a time drawn from a seeded
// distribution or from measured times (a diagram marked `% heavy` from the heavy range), answers with the reference service's outcome
// headers (examples/compile-service: X-Compile-Outcome, -Wall-Ms, -Cpu-Ms), runs `capacity` at once and, like
// the reference service, refuses 503 at once when full. It records the most it ever had in flight.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SimOptions {
  /** Compiles at once; beyond it, 503 busy (counted). */
  readonly capacity?: number;
  /** A compile that would take longer is cut at this many ms: outcome timeout, status 504. */
  readonly timeoutMs?: number;
  /** Seed of the generator (the run is repeatable as far as the scheduler lets it be). */
  readonly seed?: number;
  /** Median and log-spread (sigma) of an ordinary compile's time, in ms (when no measured `times` are given). */
  readonly medianMs?: number;
  readonly sigma?: number;
  /** Measured compile times (CPU ms) an ordinary compile's time is drawn from, uniformly. */
  readonly times?: readonly number[];
  /** Range of a heavy compile's time (uniform), in ms. */
  readonly heavyMs?: readonly [number, number];
}

export interface SimCompileService {
  readonly url: string;
  /** The most compiles ever in flight at once. */
  readonly peak: number;
  /** Compiles in flight now. */
  readonly active: number;
  /** Requests refused because every slot was taken (the gateway's cap should keep this at 0). */
  readonly busy: number;
  /** Compiles run, by the client address the gateway forwarded (X-Forwarded-For), and heavy ones among them. */
  readonly byClient: ReadonlyMap<string, { all: number; heavy: number }>;
  close(): Promise<void>;
}

/** mulberry32: a small seeded generator (the test's figures are repeatable from its seed). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export async function startSimCompileService(opts: SimOptions = {}): Promise<SimCompileService> {
  const capacity = opts.capacity ?? 5;
  const timeoutMs = opts.timeoutMs ?? 3_000;
  const median = opts.medianMs ?? 120;
  const sigma = opts.sigma ?? 0.6;
  const [heavyLo, heavyHi] = opts.heavyMs ?? [2_000, 2_600];
  const random = rng(opts.seed ?? 42);
  // Box-Muller: a log-normal time, the usual shape of compile times (most small, a long tail).
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const state = { active: 0, peak: 0, busy: 0 };
  const byClient = new Map<string, { all: number; heavy: number }>();
  const sockets = new Set<import('node:net').Socket>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (state.active >= capacity) {
        state.busy++;
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end('{"error":"busy"}');
        return;
      }
      state.active++;
      state.peak = Math.max(state.peak, state.active);
      const heavy = Buffer.concat(chunks).toString('utf8').includes('% heavy');
      const client = String(req.headers['x-forwarded-for'] ?? '')
        .split(',')[0]!
        .trim();
      const seen = byClient.get(client) ?? { all: 0, heavy: 0 };
      seen.all++;
      if (heavy) seen.heavy++;
      byClient.set(client, seen);
      const times = opts.times;
      const want = heavy
        ? heavyLo + random() * (heavyHi - heavyLo)
        : times !== undefined && times.length > 0
          ? times[Math.floor(random() * times.length)]!
          : median * Math.exp(sigma * normal());
      const ms = Math.min(Math.round(want), timeoutMs);
      const started = performance.now();
      const timer = setTimeout(() => {
        state.active--;
        const wall = Math.round(performance.now() - started);
        // TeX is CPU-bound: the CPU figure is the sampled time, the wall one what the wait really took.
        const headers = {
          'x-compile-outcome': ms >= timeoutMs ? 'timeout' : 'ok',
          'x-compile-wall-ms': String(wall),
          'x-compile-cpu-ms': String(ms),
        };
        if (ms >= timeoutMs) {
          res.writeHead(504, { 'content-type': 'application/json', ...headers });
          res.end('{"error":"timeout"}');
          return;
        }
        const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><rect width="1" height="1"/></svg>';
        res.writeHead(200, { 'content-type': 'image/svg+xml', 'content-length': Buffer.byteLength(svg), ...headers });
        res.end(svg);
      }, ms);
      res.on('close', () => {
        if (!res.writableFinished) {
          clearTimeout(timer);
          state.active--;
        }
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get peak() {
      return state.peak;
    },
    get active() {
      return state.active;
    },
    get busy() {
      return state.busy;
    },
    byClient,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
