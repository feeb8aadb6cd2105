// Issue 13's replay (bench/replay/replay.mjs) through a real gateway, in enforce mode then in monitor mode: every
// attacker is refused or tightened within its bound, well-behaved and brand-new clients are not, and monitor mode
// flags the same clients within ±2 requests. The compile service is the scripted stand-in (outcomes scripted per
// payload, times from the reference service's measured ones): `npm run replay` runs the same mix on real TeX.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { hasPgfManual, loadPgfManual, pgfManualDir } from '../corpus/pgf-manual.js';
import { startTestGateway } from '../helpers/gateway.js';
import {
  ATTACKERS,
  compare,
  configYaml,
  play,
  report,
  scenario,
  scriptedOutcomes,
  startScriptedCompileService,
  summarise,
  incidentsOf,
  incidentsReport,
  type ReplayIncident,
} from '../../bench/replay/replay.mjs';

const read = (rel: string): string => readFileSync(new URL(`../../${rel}`, import.meta.url), 'utf8');

const SELECTED = (
  JSON.parse(read('test/vectors/pgf-compilable-50.json')) as { selected: { id: string; sha256: string }[] }
).selected;
const TIMES = (JSON.parse(read('test/vectors/compile-times-pgf50.json')) as { times: { cpu_ms: number }[] }).times.map(
  (t) => t.cpu_ms,
);

const present = hasPgfManual();
if (!present && process.env.CI !== 'true') {
  console.warn(
    `\n*** PGF manual corpus missing in ${pgfManualDir()}: run scripts/fetch-pgf-manual.sh (skipped locally) ***\n`,
  );
}
const suite = present || process.env.CI === 'true' ? describe : describe.skip;

type Summary = ReturnType<typeof summarise>;

suite('the replay of issue 13 (scripted compile service)', () => {
  let enforce: Summary;
  let monitor: Summary;
  let text = '';
  const incidents: Record<string, ReplayIncident[]> = {};

  beforeAll(async () => {
    expect(present, `PGF manual corpus missing in ${pgfManualDir()} (run scripts/fetch-pgf-manual.sh)`).toBe(true);
    const byId = new Map(loadPgfManual().map((s) => [s.id, s.text]));
    const diagrams = SELECTED.map((s) => byId.get(s.id)!).filter(
      (t, i) => t !== undefined && createHash('sha256').update(t, 'utf8').digest('hex') === SELECTED[i]!.sha256,
    );
    expect(diagrams).toHaveLength(50);
    // a reduced mix: fewer and shorter well-behaved sessions than `npm run replay`, every attacker in full
    const schedule = scenario({
      diagrams,
      exhaust: read('test/vectors/cost/dos/foreach-nested-literal.tex'),
      rotate: read('test/vectors/cost/dos/plot-samples-repeated.tex'),
      anonymous: 5,
      authenticated: 3,
      fresh: 20,
      perUser: 14,
    });
    const svc = await startScriptedCompileService({ outcomes: scriptedOutcomes(schedule), times: TIMES, scale: 0.01 });
    const dir = await mkdtemp(join(tmpdir(), 'replay-'));
    const run = async (mode: 'enforce' | 'monitor'): Promise<Summary> => {
      const clock = new FakeClock();
      const t0 = clock.now();
      const audit = join(dir, `audit-${mode}.log`);
      const gw = await startTestGateway(configYaml(svc.url, mode, audit), { clock });
      try {
        const summary = summarise(await play(gw, clock, t0, schedule, audit));
        // the incidents the run opened, by who opened them, with their time to respond
        incidents[mode] = await incidentsOf(gw.gw, schedule, t0);
        return summary;
      } finally {
        await gw.close();
      }
    };
    try {
      enforce = await run('enforce');
      monitor = await run('monitor');
    } finally {
      await svc.close();
      await rm(dir, { recursive: true, force: true });
    }
    text = report(enforce, monitor, compare(enforce, monitor));
    text += `\n${incidentsReport(incidents.enforce!)}\n`;
    console.log(text);
  }, 90_000);

  it('refuses or tightens every attacker within its bound (enforce)', () => {
    for (const name of ATTACKERS) {
      const a = enforce.attackers[name]!;
      expect(a.flaggedAt, `${name}\n${text}`).not.toBeNull();
      expect(a.met, `${name}: ${a.value} ${a.counts}, bound ${a.bound}\n${text}`).toBe(true);
    }
    // the scripted outcomes really happened before the refusals: failed compiles and time-outs were seen
    expect(enforce.attackers['error-farmer']!.counted['failed compiles']).toBeGreaterThan(0);
    expect(enforce.attackers.exhauster!.counted['time-outs']).toBeGreaterThan(0);
    expect(enforce.attackers['key-guesser']!.counted['failed keys']).toBeGreaterThan(0);
  });

  it('refuses or challenges under 1 % of the well-behaved requests, and no brand-new client', () => {
    const w = enforce.wellBehaved;
    expect(w.requests).toBeGreaterThan(100);
    expect(w.share, text).toBeLessThan(0.01);
    expect(w.newRequests).toBeGreaterThan(0);
    expect(w.newRefused, text).toBe(0);
    expect(w.typos).toBeGreaterThan(0);
    expect(w.notAsScripted, 'every well-behaved diagram compiled, but for the typos').toBe(0);
  });

  it('opens an incident for every attacker and none for the well-behaved clients', () => {
    for (const mode of ['enforce', 'monitor']) {
      const by = new Set(incidents[mode]!.map((i) => i.actor));
      for (const name of ATTACKERS) expect(by.has(name), `${mode}: ${name} opened no incident\n${text}`).toBe(true);
      const stray = incidents[mode]!.filter((i) => !(ATTACKERS as readonly string[]).includes(i.actor));
      expect(stray, `${mode}: incidents of clients that are no attacker\n${text}`).toEqual([]);
    }
    // monitor mode records what enforce would have done, and does none of it
    for (const i of incidents.monitor!) expect(i.actions.every((a) => !/^(block|tighten)/.test(a))).toBe(true);
  });

  it('monitor mode logs every request and flags the same clients within ±2 requests', () => {
    const cmp = compare(enforce, monitor);
    expect(monitor.withoutEvent, text).toBe(0);
    for (const name of ATTACKERS) expect(cmp.attackers[name]!.ok, `${name}\n${text}`).toBe(true);
    expect(cmp.onlyOne, text).toEqual([]);
    // and monitor mode refused nobody on the detectors' behalf
    expect(Object.values(monitor.attackers).every((a) => !a.by.startsWith('trust:deny'))).toBe(true);
  });
});
