// The trust breakdown where operators read it: the security event (every request trust ran for, per
// trust.events), `explain --id` from an events log, `explain --request`, and the score metrics.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { explainEventCommand } from '../../../src/cli/explain-event.js';
import { explainRequestCommand } from '../../../src/cli/explain-request.js';
import { buildTrustCheck } from '../../../src/checks/trust.js';
import type { CompiledRoute } from '../../../src/core/route.js';
import { eventFor } from '../../../src/telemetry/events.js';
import { createMetrics } from '../../../src/telemetry/metrics.js';
import { RequestMetrics } from '../../../src/telemetry/request-metrics.js';
import { config, ctx, deps } from '../checks/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'trust-explain-'));
const route = { name: 'compile', config: { deny_score: 100 } } as unknown as CompiledRoute;

async function judged(trust: Record<string, unknown>, id: string) {
  const check = buildTrustCheck(config({ trust: { mode: 'enforce', ...trust } }), deps())!;
  const c = ctx({ 'user-agent': 'curl/8', accept: '*/*' });
  c.route = route;
  c.id = id;
  await check.run(c);
  return c;
}

function writer() {
  const out: string[] = [];
  const err: string[] = [];
  return { w: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out, err };
}

describe('the trust field of the security event', () => {
  it('an allowed request has an event only with trust.events: all; it carries every term', async () => {
    expect(eventFor(await judged({}, 'a'))).toBeNull();
    const e = eventFor(await judged({ events: 'all' }, 'b'))!;
    expect(e.decision).toBe('allow');
    expect(e.trust).toMatchObject({ score: 70, decision: 'allow', override: '', mode: 'enforce' });
    expect(e.trust!.terms.map((t) => [t.component, t.unscored])).toEqual([
      ['identity', false],
      ['device', true],
      ['network', true],
      ['geography', true],
      ['behaviour', true],
      ['model', true],
      ['content', false],
      ['protocol', false],
      ['history', true],
    ]);
    const id = e.trust!.terms[0]!;
    expect(id).toMatchObject({ code: 'identity:anonymous', value: 0.4, weight: 2, contribution: 0.8 });
  });

  it('a challenged request has its event whatever trust.events says', async () => {
    const c = await judged({ allow_at: 90 }, 'c');
    c.decision = 'challenge';
    expect(eventFor(c)!.trust!.decision).toBe('challenge');
  });
});

describe('explain --id', () => {
  it('prints the decision, the precedence and every term of the request found in the log', async () => {
    const c = await judged({ events: 'all' }, 'req-42');
    const other = await judged({ events: 'all' }, 'req-7');
    const file = join(dir, 'events.log');
    writeFileSync(file, [eventFor(other), eventFor(c)].map((e) => JSON.stringify(e)).join('\n') + '\n{"torn');
    const { w, out } = writer();
    expect(await explainEventCommand({ id: 'req-42', events: file, configFile: 'unused' }, w)).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/^request req-42: GET route compile/m);
    expect(text).toMatch(/^trust: score 70 -> allow \(enforce\)$/m);
    expect(text).toMatch(/precedence: allow list > bypass > thresholds/);
    expect(text).toMatch(/identity +identity:anonymous +value 0\.40 x weight 2 = 0\.80 +\[method=anonymous\]/);
    expect(text).toMatch(/device +device:no_user +unscored \(not counted\)/);
  });

  it('says which list decided for an allow-listed client', async () => {
    const check = buildTrustCheck(config({ trust: { mode: 'enforce', events: 'all' } }), deps())!;
    const c = ctx({});
    c.id = 'listed';
    c.listed = 'allow';
    await check.run(c);
    // an allow-listed request's event is written only with events: all and override set
    const file = join(dir, 'listed.log');
    writeFileSync(
      file,
      JSON.stringify({
        ...eventFor(await judged({ events: 'all' }, 'x')),
        request_id: 'listed',
        trust: { score: 100, decision: 'allow', override: 'allow_list', mode: 'enforce', terms: [] },
      }) + '\n',
    );
    const { w, out } = writer();
    expect(await explainEventCommand({ id: 'listed', events: file, configFile: 'unused' }, w)).toBe(0);
    expect(out.join('\n')).toMatch(/score 100 -> allow \(enforce\) by allow_list[\s\S]*the allow list decided/);
    expect(c.trust!.override).toBe('allow_list');
  });

  it('exit 3 for an unknown id, 2 for a missing log or a config writing events to stdout', async () => {
    const file = join(dir, 'empty.log');
    writeFileSync(file, '');
    const a = writer();
    expect(await explainEventCommand({ id: 'nope', events: file, configFile: 'unused' }, a.w)).toBe(3);
    expect(a.err.join('')).toMatch(/no event of request nope/);
    const b = writer();
    expect(await explainEventCommand({ id: 'x', events: join(dir, 'missing.log'), configFile: 'unused' }, b.w)).toBe(2);
    const yaml = join(dir, 'gw.yaml');
    writeFileSync(yaml, 'upstream:\n  url: http://127.0.0.1:1\n');
    const c = writer();
    expect(await explainEventCommand({ id: 'x', configFile: yaml }, c.w)).toBe(2);
    expect(c.err.join('')).toMatch(/needs --events FILE/);
    const withFile = join(dir, 'gw2.yaml');
    writeFileSync(withFile, `upstream:\n  url: http://127.0.0.1:1\nlogging:\n  events: ${file}\n`);
    expect(await explainEventCommand({ id: 'x', configFile: withFile }, writer().w)).toBe(3);
    expect(await explainEventCommand({ id: 'x', configFile: join(dir, 'none.yaml') }, writer().w)).toBe(1);
  });
});

describe('explain --request with trust on', () => {
  it('prints the breakdown of a first request', async () => {
    const yaml = join(dir, 'trust.yaml');
    writeFileSync(
      yaml,
      'upstream:\n  url: http://127.0.0.1:1\nroutes:\n  - { name: compile, path: /compile, inspect_body: true }\ntrust:\n  mode: enforce\n  allow_at: 90\n  deny_below: 10\n',
    );
    const { w, out } = writer();
    const input = JSON.stringify({ headers: { 'user-agent': 'curl/8', accept: '*/*' }, json: { tikz_code: 'x' } });
    const code = await explainRequestCommand({ configFile: yaml, request: '-', stdin: Readable.from([input]) }, w);
    expect(code).toBe(3);
    const text = out.join('\n');
    expect(text).toMatch(/^decision: CHALLENGE \(401\) by trust/m);
    expect(text).toMatch(/^trust: score 70 -> challenge \(enforce\)$/m);
  });
});

describe('trust metrics', () => {
  it('observes the score by route and decision and counts unscored components', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const rm = new RequestMetrics(m);
    const c = await judged({}, 'm');
    rm.record(c);
    rm.record(c);
    const text = await m.registry.metrics();
    expect(text).toMatch(/portcullis_trust_score_bucket\{le="70",route="compile",decision="allow"\} 2/);
    expect(text).toMatch(/portcullis_trust_unscored_total\{component="behaviour"\} 2/);
    expect(text).not.toMatch(/portcullis_trust_unscored_total\{component="identity"\}/);
  });
});
