// Hot reload under load: a good file swaps atomically, a bad file is refused and counted while the old
// config serves; no request is dropped either way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, Agent } from 'undici';
import { baseConfig, COMPILE_ROUTE, metric, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

describe('hot reload', () => {
  let up: TestUpstream;
  let t: TestGateway;
  const agent = new Agent({ connections: 8 });
  beforeAll(async () => {
    up = await startUpstream();
    t = await startTestGateway(baseConfig(up.url, COMPILE_ROUTE), { watch: true });
  });
  afterAll(async () => {
    await agent.close();
    await t.close();
    await up.close();
  });

  /** Sends `n` requests, 8 at a time, bounded; returns the status counts. */
  async function load(n: number, path: string): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < n) {
        next++;
        const res = await request(`${t.url}${path}`, { dispatcher: agent });
        await res.body.dump();
        counts.set(res.statusCode, (counts.get(res.statusCode) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return counts;
  }

  it('applies a good file (by file watch) with no request dropped; stores outlive the swap', async () => {
    const store = t.gw.store;
    await store.set('survives', 'yes');
    const snapBefore = t.gw.snapshot;
    const before = await metric(t.adminUrl, 'portcullis_config_reloads_total', { result: 'success' });
    const running = load(400, '/health');
    // the new config forbids a header the load never sends, and adds a route: observable, harmless
    await t.write(baseConfig(up.url, COMPILE_ROUTE + '  - name: extra\n    methods: [GET]\n    path: /extra\n'));
    const counts = await running;
    expect([...counts.keys()]).toEqual([200]);
    for (
      let i = 0;
      i < 200 && (await metric(t.adminUrl, 'portcullis_config_reloads_total', { result: 'success' })) === before;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await metric(t.adminUrl, 'portcullis_config_reloads_total', { result: 'success' })).toBe(before + 1);
    const res = await request(`${t.url}/extra`);
    await res.body.dump();
    expect(res.statusCode).toBe(200); // the route exists now (forwarded; the upstream answers)
    expect(t.gw.snapshot).not.toBe(snapBefore);
    expect(t.gw.store).toBe(store);
    expect(await t.gw.store.get('survives')).toBe('yes');
  });

  it('refuses a bad file, counts it, and keeps serving the old config', async () => {
    const before = await metric(t.adminUrl, 'portcullis_config_reloads_total', { result: 'failure' });
    const running = load(300, '/extra');
    await t.write(baseConfig(up.url, COMPILE_ROUTE + 'unknown_key: 1\n'));
    const direct = await t.gw.reload(); // SIGHUP's path: an explicit reload
    expect(direct.ok).toBe(false);
    const counts = await running;
    expect([...counts.keys()]).toEqual([200]);
    expect(await metric(t.adminUrl, 'portcullis_config_reloads_total', { result: 'failure' })).toBeGreaterThan(before);
    expect(String((direct as { error: Error }).error.message)).toMatch(/gateway\.yaml:\d+:\d+ unknown_key/);
    const still = await request(`${t.url}/extra`);
    await still.body.dump();
    expect(still.statusCode).toBe(200);
  });
});
