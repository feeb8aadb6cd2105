// The commented geo/reputation/decisions examples in the shipped gateway.yaml are valid when uncommented.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../../src/config/load.js';

const SHIPPED = readFileSync(fileURLToPath(new URL('../../../gateway.yaml', import.meta.url)), 'utf8');

/** The commented block that starts with `# <section>:`, uncommented. */
function example(section: string): string {
  const lines = SHIPPED.split('\n');
  const start = lines.indexOf(`# ${section}:`);
  expect(start, `# ${section}: in gateway.yaml`).toBeGreaterThan(-1);
  const out: string[] = [];
  for (let i = start; i < lines.length && lines[i]!.startsWith('#'); i++) out.push(lines[i]!.replace(/^# ?/, ''));
  return out.join('\n') + '\n';
}

describe('gateway.yaml examples', () => {
  it('geo, reputation and decisions examples load', () => {
    const text = `upstream: { url: "http://127.0.0.1:3000" }\n${example('geo')}${example('reputation')}${example('decisions')}`;
    const c = loadConfigText(text, 'examples.yaml', {});
    expect(c.geo.deny_countries).toEqual(['KP']);
    expect(c.geo.anonymous_risk.tor).toBe(40);
    expect(c.reputation.feeds.map((f) => [f.name, f.format, f.action])).toEqual([
      ['spamhaus-drop', 'spamhaus', 'deny'],
      ['firehol-l2', 'auto', 'score'],
    ]);
    expect(c.decisions.escalation.steps_s).toEqual([300, 3600, 86400]);
  });

  it('the shipped file (examples commented) keeps geo and reputation off, blocks on', () => {
    const c = loadConfigText(SHIPPED, 'gateway.yaml', {});
    expect(c.geo.deny_countries).toEqual([]);
    expect(c.reputation.feeds).toEqual([]);
    expect(c.decisions.mode).toBe('enforce');
  });
});
