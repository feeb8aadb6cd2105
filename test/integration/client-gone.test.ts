// Clients that leave before their forwarded request starts, or while its answer streams: the upstream work
// is abandoned, no pool connection stays held, and the process survives (nodejs/undici#5360's trigger).
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { baseConfig, COMPILE_ROUTE, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const BODY = '{"tikz_code":"\\\\draw (0,0) -- (1,1);"}';
const COMPILE = `POST /compile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;

/** Opens a connection, writes the bytes, and closes it after `closeAfterMs` (the client gives up). */
function impatient(url: string, bytes: string, closeAfterMs: number): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(port), hostname, () => s.write(bytes));
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    setTimeout(() => {
      s.destroy();
      resolve();
    }, closeAfterMs);
  });
}

/** A compile through fetch with a deadline; the status, or 0 when it did not come in time. */
async function compile(url: string, timeoutMs = 3000): Promise<number> {
  try {
    const r = await fetch(`${url}/compile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: BODY,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await r.arrayBuffer();
    return r.status;
  } catch {
    return 0;
  }
}

// A 200 KB answer after a delay: large enough that writes to a gone client report backpressure.
const BIG = 'x'.repeat(200_000);

describe('clients that go away', () => {
  let up: TestUpstream;
  let g: TestGateway;
  afterEach(async () => {
    await g?.close();
    await up?.close();
  });

  async function setup(delayMs: number, connections: number, close: boolean): Promise<void> {
    up = await startUpstream((_req, res) => {
      setTimeout(() => {
        const h: Record<string, string> = { 'content-type': 'image/svg+xml' };
        if (close) h['connection'] = 'close';
        res.writeHead(200, h);
        res.end(BIG);
      }, delayMs);
    });
    g = await startTestGateway(
      baseConfig(up.url, COMPILE_ROUTE).replace(
        `upstream:\n  url: ${up.url}`,
        `upstream:\n  url: ${up.url}\n  connections: ${connections}\n  timeout_ms: 5000`,
      ),
    );
  }

  it('a request queued for a pool connection whose client left is never sent, and frees nothing it did not take', async () => {
    await setup(300, 1, false);
    const first = compile(g.url); // holds the only connection for 300 ms
    await new Promise((r) => setTimeout(r, 50));
    await Promise.all([1, 2, 3].map(() => impatient(g.url, COMPILE, 30))); // queued, then gone
    expect(await first).toBe(200);
    expect(await compile(g.url)).toBe(200); // the pool is not held by a paused, abandoned answer
    // the three abandoned requests were aborted as soon as undici started them: the upstream saw at most
    // the two compiles that had a client
    expect(up.received.length).toBe(2);
  });

  it('a refusal and a compile pipelined in one write, upstream closing after 150 ms: the gateway lives', async () => {
    await setup(150, 4, true);
    const refused = `POST /compile HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc`;
    for (let i = 0; i < 10; i++) await impatient(g.url, refused + COMPILE, 10);
    await new Promise((r) => setTimeout(r, 400)); // the upstream answers and closes meanwhile
    expect(await compile(g.url)).toBe(200);
    expect(g.gw.inflight).toBe(0);
  });

  it('clients that give up on slow compiles leave the keep-alive pool usable', async () => {
    await setup(400, 4, false);
    await Promise.all(Array.from({ length: 12 }, () => impatient(g.url, COMPILE, 100)));
    await new Promise((r) => setTimeout(r, 1500)); // every abandoned answer has come back by now
    const statuses = await Promise.all([1, 2, 3, 4].map(() => compile(g.url, 3000)));
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(g.gw.inflight).toBe(0);
  });
});
