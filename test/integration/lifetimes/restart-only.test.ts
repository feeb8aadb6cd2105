// A reload that changes a restart-only key applies the rest, keeps the key's running value, warns and counts
// it (portcullis_config_restart_required_total{key}) instead of logging "configuration reloaded".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createLogger } from '../../../src/telemetry/logger.js';
import { baseConfig, COMPILE_ROUTE, metric, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { freePort } from '../../helpers/redis.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';

interface Line {
  readonly level: number;
  readonly msg: string;
  readonly restart_required?: string[];
}

describe('restart-only keys', () => {
  let up: TestUpstream;
  let t: TestGateway;
  const lines: Line[] = [];
  const logger = createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s) as Line) });

  beforeAll(async () => {
    up = await startUpstream();
    t = await startTestGateway(baseConfig(up.url, COMPILE_ROUTE), { logger });
  });
  afterAll(async () => {
    await t.close();
    await up.close();
  });

  const restartRequired = (key: string) => metric(t.adminUrl, 'portcullis_config_restart_required_total', { key });

  it('a plain reload says "configuration reloaded"', async () => {
    await t.write(baseConfig(up.url, COMPILE_ROUTE + '  - name: one\n    methods: [GET]\n    path: /one\n'));
    expect((await t.gw.reload()).ok).toBe(true);
    expect(lines.at(-1)).toMatchObject({ msg: 'configuration reloaded' });
  });

  it('a new listen port and store warn, count and wait for the restart; the rest applies', async () => {
    const port = t.gw.port;
    const elsewhere = await freePort();
    const yaml = baseConfig(up.url, COMPILE_ROUTE + '  - name: two\n    methods: [GET]\n    path: /two\n')
      .replace('listen: { host: 127.0.0.1, port: 0 }', `listen: { host: 127.0.0.1, port: ${elsewhere} }`)
      .concat('store:\n  type: memory\n  memory: { max_keys: 5000 }\n');
    await t.write(yaml);
    const outcome = await t.gw.reload();
    expect(outcome.ok).toBe(true);

    const last = lines.at(-1)!;
    expect(last.level).toBe(40); // warn
    expect(last.msg).toMatch(/^restart required: server\.listen, store /);
    expect(last.restart_required).toEqual(['server.listen', 'store']);
    expect(lines.filter((l) => l.msg === 'configuration reloaded')).toHaveLength(1);
    expect(await restartRequired('server.listen')).toBe(1);
    expect(await restartRequired('store')).toBe(1);
    expect(await restartRequired('admin.listen')).toBe(0);

    // not applied: the gateway listens where it did, and the snapshot says so
    expect(t.gw.port).toBe(port);
    expect(t.gw.snapshot.config.server.listen.port).toBe(0);
    expect(t.gw.snapshot.config.store).not.toHaveProperty('memory.max_keys', 5000);
    // applied: the new route
    const res = await request(`${t.url}/two`);
    await res.body.dump();
    expect(res.statusCode).toBe(200);
  });

  it('the change keeps warning on every reload until a restart', async () => {
    await t.write((await import('node:fs')).readFileSync(t.file, 'utf8') + '\n');
    expect((await t.gw.reload()).ok).toBe(true);
    expect(lines.at(-1)!.restart_required).toEqual(['server.listen', 'store']);
    expect(await restartRequired('server.listen')).toBe(2);
  });
});
