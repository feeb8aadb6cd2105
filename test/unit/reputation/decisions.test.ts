// Decisions on a MemoryStore with a fake clock: escalation over three offences and after the memory
// expires, lifting, prefix/user/IPv6 lookups, and two instances kept in step by the change signal.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { Decisions, type AuditWriter } from '../../../src/reputation/decisions.js';
import type { Decision } from '../../../src/reputation/decision.js';
import { createLogger } from '../../../src/telemetry/logger.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const log = createLogger('silent');

function setup(rememberMs = 7 * DAY) {
  const clock = new FakeClock();
  const store = new MemoryStore({ maxKeys: 10_000, clock });
  const audit: Array<Parameters<AuditWriter['write']>[0]> = [];
  const make = () => {
    const d = new Decisions(store, clock, log);
    d.settings = { stepsMs: [5 * MIN, HOUR, DAY], rememberMs, audit: { write: (e) => void audit.push(e) } };
    return d;
  };
  return { clock, store, audit, make };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const ip = (value: string) => ({ scope: 'ip' as const, value });

describe('escalation', () => {
  it('blocks for 5 min, then 1 h, then 24 h, and the last step repeats', async () => {
    const { clock, make, audit } = setup();
    const d = make();
    const a = ip('203.0.113.7');

    const first = await d.offend(a, 'critical signature x');
    expect(first).toMatchObject({ offence: 1, origin: 'rule', actor: 'portcullis' });
    expect(first.expires - first.created).toBe(5 * MIN);
    expect(d.findIp('203.0.113.7')).toEqual(first);
    clock.advance(5 * MIN);
    expect(d.findIp('203.0.113.7')).toBeNull();

    const second = await d.offend(a, 'again');
    expect(second.offence).toBe(2);
    expect(second.expires - second.created).toBe(HOUR);
    clock.advance(HOUR - 1);
    expect(d.findIp('203.0.113.7')).not.toBeNull();
    clock.advance(1);
    expect(d.findIp('203.0.113.7')).toBeNull();

    const third = await d.offend(a, 'and again');
    expect(third.offence).toBe(3);
    expect(third.expires - third.created).toBe(DAY);
    clock.advance(DAY);
    const fourth = await d.offend(a, 'still');
    expect(fourth.expires - fourth.created).toBe(DAY);
    expect(audit.map((e) => [e.action, e.decision.offence])).toEqual([
      ['block', 1],
      ['block', 2],
      ['block', 3],
      ['block', 4],
    ]);
    d.close();
  });

  it('starts again at 5 min once the offence memory has expired', async () => {
    const { clock, make } = setup(2 * DAY);
    const d = make();
    const a = ip('198.51.100.9');
    expect((await d.offend(a, 'x')).offence).toBe(1);
    clock.advance(10 * MIN);
    expect((await d.offend(a, 'x')).offence).toBe(2);
    // the memory counts from the last offence: 2 days later it is forgotten
    clock.advance(2 * DAY);
    const again = await d.offend(a, 'x');
    expect(again.offence).toBe(1);
    expect(again.expires - again.created).toBe(5 * MIN);
    d.close();
  });

  it('an automatic block never shortens a longer one in force', async () => {
    const { clock, make } = setup();
    const d = make();
    const now = clock.now();
    const manual: Decision = {
      scope: 'ip',
      value: '192.0.2.1',
      reason: 'known bad',
      origin: 'manual',
      actor: 'alice',
      created: now,
      expires: now + 7 * DAY,
    };
    await d.add(manual, { action: 'add', actor: 'alice' });
    expect(await d.offend(ip('192.0.2.1'), 'x')).toEqual(manual);
    expect(d.findIp('192.0.2.1')?.origin).toBe('manual');
    d.close();
  });

  it('strikes: every threshold-th strike within the window is one offence', async () => {
    const { clock, make } = setup();
    const d = make();
    const a = ip('192.0.2.50');
    const hits: boolean[] = [];
    for (let i = 0; i < 7; i++) hits.push(await d.strike(a, 3, MIN));
    expect(hits).toEqual([false, false, true, false, false, true, false]);
    clock.advance(MIN); // the window of the 7th strike ends: counting starts over
    expect(await d.strike(a, 3, MIN)).toBe(false);
    expect(await d.strike(a, 3, MIN)).toBe(false);
    expect(await d.strike(a, 3, MIN)).toBe(true);
    d.close();
  });
});

describe('lookups', () => {
  it('prefix, user and IPv6 blocks, with canonical spellings', async () => {
    const { clock, make } = setup();
    const d = make();
    const t = clock.now();
    const base = { reason: 'r', origin: 'manual' as const, actor: 'a', created: t, expires: t + HOUR };
    await d.add({ ...base, scope: 'prefix', value: '10.1.0.0/16' }, { action: 'add', actor: 'a' });
    await d.add({ ...base, scope: 'ip', value: '2001:db8::1' }, { action: 'add', actor: 'a' });
    await d.add({ ...base, scope: 'user', value: 'mallory' }, { action: 'add', actor: 'a' });
    expect(d.findIp('10.1.200.3')?.value).toBe('10.1.0.0/16');
    expect(d.findIp('10.2.0.1')).toBeNull();
    expect(d.findIp('2001:0db8:0:0::1')?.value).toBe('2001:db8::1'); // XFF spelling
    expect(d.findUser('mallory')?.scope).toBe('user');
    expect(d.findUser('alice')).toBeNull();
    expect(await d.lift({ scope: 'prefix', value: '10.1.0.0/16' }, 'bob')).toMatchObject({ value: '10.1.0.0/16' });
    expect(d.findIp('10.1.200.3')).toBeNull();
    expect(await d.lift({ scope: 'prefix', value: '10.1.0.0/16' }, 'bob')).toBeNull();
    d.close();
  });
});

describe('two instances on one store', () => {
  it('a block made on one is enforced by the other, and lifting too', async () => {
    const { make } = setup();
    const a = make();
    const b = make();
    await a.offend(ip('203.0.113.99'), 'x');
    await tick();
    await tick();
    expect(b.findIp('203.0.113.99')?.offence).toBe(1);
    await b.lift(ip('203.0.113.99'), 'ops');
    await tick();
    await tick();
    expect(a.findIp('203.0.113.99')).toBeNull();
    a.close();
    b.close();
  });

  it('a new instance loads the blocks already in the store', async () => {
    const { make } = setup();
    const a = make();
    await a.offend(ip('203.0.113.5'), 'x');
    const late = make();
    expect(late.findIp('203.0.113.5')).toBeNull();
    await late.start(60_000);
    expect(late.findIp('203.0.113.5')).not.toBeNull();
    a.close();
    late.close();
  });
});
