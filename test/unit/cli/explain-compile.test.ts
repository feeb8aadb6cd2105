// What `portcullis explain` says about compile budgets and admission for a route and tier (offline: policy only).
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { compilePolicyLines } from '../../../src/cli/explain-compile.js';
import { explainRequestCommand } from '../../../src/cli/explain-request.js';
import { configSchema } from '../../../src/config/schema.js';
import { ROOT } from '../../helpers/process.js';

const ROUTES = [
  { name: 'compile', path: '/compile', compile: {} },
  { name: 'health', path: '/health' },
];
const config = (checks: Record<string, unknown>) =>
  configSchema.parse({ upstream: { url: 'http://127.0.0.1:1' }, routes: ROUTES, checks });

describe('explain: compile budgets and admission', () => {
  it('names the tier budgets and the admission policy of a compile route', () => {
    const c = config({
      budgets: { tiers: { anonymous: { per_hour_s: 60, per_day_s: 300 } } },
      admission: { capacity: 5, priority: ['premium', 'anonymous'], max_share: { anonymous: 0.6 } },
    });
    expect(compilePolicyLines(c, 'compile', 'anonymous')).toEqual([
      'budget (enforce): tier anonymous: compile-hour 60 s, compile-day 300 s; a timeout is charged 45 s (what the client has spent is in the store, not read here)',
      'admission (enforce): 5 compile slots per instance (slow lane 1); tier anonymous ranks 2 of 2, may hold 3; queue 50, wait up to 10000 ms',
    ]);
    // An unknown tier is the default tier; a tier without a budget or priority says so.
    expect(compilePolicyLines(c, 'compile', 'nonesuch')[0]).toContain('tier anonymous');
    expect(compilePolicyLines(c, 'compile', 'premium')[0]).toBe('budget (enforce): none for tier premium');
    expect(compilePolicyLines(config({ admission: { shared: true, priority: [] } }), 'compile', 'premium')).toEqual([
      'admission (enforce): 5 compile slots shared by every instance (slow lane 1); tier premium ranks last (not in priority), may hold 5; queue 50, wait up to 10000 ms',
    ]);
    expect(compilePolicyLines(c, 'health', 'anonymous')).toEqual([]);
    expect(compilePolicyLines(c, null, 'anonymous')).toEqual([]);
    expect(compilePolicyLines(config({}), 'compile', 'anonymous')).toEqual([]);
  });

  it('the explain command prints them for an allowed request under the shipped gateway.yaml', async () => {
    const out: string[] = [];
    const code = await explainRequestCommand(
      {
        configFile: join(ROOT, 'gateway.yaml'),
        request: '-',
        stdin: Readable.from([Buffer.from(JSON.stringify({ json: { tikz_code: '\\draw (0,0) -- (1,1);' } }))]),
      },
      { out: (s) => out.push(s), err: () => undefined },
    );
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/^budget \(enforce\): tier anonymous: compile-hour 60 s, compile-day 300 s/m);
    expect(out.join('\n')).toMatch(/^admission \(enforce\): 5 compile slots per instance/m);
  });
});
