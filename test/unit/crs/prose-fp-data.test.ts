// The CRS false-positive figures on the PGF manual's prose (test/vectors/crs/prose-fp.json, written by
// scripts/crs-prose-fp.mjs, which CI does not re-run: the manual is kept out of git) are whole and consistent,
// and the README's claims hold on them: the documented exclusion for free-text fields brings PL1 under 0.5 %.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

interface Level {
  refused: number;
  rate: number;
  by_rule: Record<string, number>;
  refused_requests: { rules: string[]; fields: string[] }[];
}
type Pass = { requests: number } & Record<'PL1' | 'PL2', Level>;
const data = JSON.parse(readFileSync(join(import.meta.dirname, '../../vectors/crs/prose-fp.json'), 'utf8')) as {
  command: string;
  crs: string;
  prose: Pass;
  prose_with_rce_exclusion: Pass;
  options: Pass;
};

it('names the command that regenerates it and the CRS release it measured', () => {
  expect(data.command).toMatch(/node scripts\/crs-prose-fp\.mjs/);
  expect(data.crs).toBe('OWASP_CRS/4.28.0');
});

it.each(['prose', 'prose_with_rce_exclusion', 'options'] as const)('%s: counts, rates and rules agree', (name) => {
  const pass = data[name];
  expect(pass.requests).toBeGreaterThanOrEqual(300);
  for (const l of [pass.PL1, pass.PL2]) {
    expect(l.refused_requests).toHaveLength(l.refused);
    expect(l.rate).toBeCloseTo((100 * l.refused) / pass.requests, 2);
    for (const r of l.refused_requests) {
      expect(r.rules.length).toBeGreaterThan(0);
      for (const id of r.rules) expect(id).toMatch(/^crs:9\d{5}$/);
    }
    const counted: Record<string, number> = {};
    for (const r of l.refused_requests) for (const id of r.rules) counted[id] = (counted[id] ?? 0) + 1;
    expect(counted).toEqual(l.by_rule);
  }
  // PL2 runs every PL1 rule and more.
  expect(pass.PL2.refused).toBeGreaterThanOrEqual(pass.PL1.refused);
});

it('the exclusion removes only remote-command-execution findings, and PL1 falls under 0.5 %', () => {
  const rce = (id: string): boolean => /^crs:932\d{3}$/.test(id);
  expect(Object.keys(data.prose_with_rce_exclusion.PL1.by_rule).some(rce)).toBe(false);
  for (const [id, n] of Object.entries(data.prose_with_rce_exclusion.PL1.by_rule)) {
    expect(data.prose.PL1.by_rule[id]).toBe(n);
  }
  expect(data.prose_with_rce_exclusion.PL1.rate).toBeLessThan(0.5);
  expect(data.prose.PL1.rate).toBeGreaterThan(data.prose_with_rce_exclusion.PL1.rate);
});
