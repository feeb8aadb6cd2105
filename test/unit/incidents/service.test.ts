// Incidents on a MemoryStore with a fake clock and real blocks: severity by rule and confidence, the severity's
// actions (network blocks only from 3 addresses), dry runs and monitor mode, notices on transitions only, the
// quiet sweep, an operator's resolve/reopen, and two instances on one store opening one incident.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { Decisions } from '../../../src/reputation/decisions.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { incidentsSchema } from '../../../src/incidents/config.js';
import { Incidents, networkOf, settingsOf, type IncidentNotice } from '../../../src/incidents/service.js';
import type { Signal } from '../../../src/incidents/signals.js';

const log = createLogger('silent');

function setup(config: Record<string, unknown> = {}, exempt: (ip: string) => boolean = () => false) {
  const clock = new FakeClock(1_800_000_000_000);
  const store = new MemoryStore({ maxKeys: 10_000, clock });
  const blocks = new Decisions(store, clock, log);
  const make = () => {
    const i = new Incidents(store, clock, log, blocks);
    i.settings = settingsOf(incidentsSchema.parse(config), exempt);
    const notices: IncidentNotice[] = [];
    i.subscribe({ notify: (n) => void notices.push(n) });
    return { i, notices };
  };
  return { clock, store, blocks, make };
}

const attack = (ip: string, user: string | null = null): Signal => ({
  kind: 'attack',
  subject: `ip:${ip}`,
  ip,
  user,
  detail: 'latex.shell.write18',
  requestId: `req-${ip}`,
});
const sig = (ip: string): Signal => ({
  kind: 'signature',
  subject: `ip:${ip}`,
  ip,
  user: null,
  detail: 'sig:x',
  requestId: '',
});

describe('incidents', () => {
  it('opens a critical incident on one attack-confidence hit and blocks the address and the user', async () => {
    const { blocks, make } = setup();
    const { i, notices } = make();
    expect(await i.observe(attack('203.0.113.7', 'mallory'))).toBe('opened');
    expect(blocks.findIp('203.0.113.7')).toMatchObject({ origin: 'incident', scope: 'ip' });
    expect(blocks.findUser('mallory')).toMatchObject({ origin: 'incident' });
    // one address is not a network attack
    expect(blocks.findIp('203.0.113.8')).toBeNull();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      transition: 'opened',
      incident: { severity: 'critical', kind: 'attack', last_request_id: 'req-203.0.113.7' },
    });
    expect(notices[0]!.incident.actions).toEqual([
      'block_ip 3600s 203.0.113.7',
      'block_user 3600s mallory',
      'skipped block_network 3600s 203.0.113.0/24: 1 of 3 addresses',
    ]);
    // further hits of the same incident notify nothing more (transitions only)
    expect(await i.observe(attack('203.0.113.7'))).toBe('none');
    expect(notices).toHaveLength(1);
  });

  it('blocks the /24 once a third distinct address of it attacks', async () => {
    const { blocks, make } = setup();
    const { i } = make();
    await i.observe(attack('198.51.100.1'));
    await i.observe(attack('198.51.100.1'));
    await i.observe(attack('198.51.100.2'));
    expect(blocks.findIp('198.51.100.77')).toBeNull();
    await i.observe(attack('198.51.100.3'));
    expect(blocks.findIp('198.51.100.77')).toMatchObject({ scope: 'prefix', value: '198.51.100.0/24' });
  });

  it('needs repetition for lower-confidence refusals: medium at 5 (tighten), high at 20 (block)', async () => {
    const { blocks, make } = setup();
    const { i, notices } = make();
    const tightened: number[] = [];
    const tighten = async (ttlMs: number) => void tightened.push(ttlMs);
    for (let n = 1; n <= 4; n++) expect(await i.observe(sig('192.0.2.5'), tighten)).toBe('none');
    expect(await i.observe(sig('192.0.2.5'), tighten)).toBe('opened');
    expect(tightened).toEqual([1_800_000]);
    expect(blocks.findIp('192.0.2.5')).toBeNull();
    for (let n = 6; n <= 19; n++) await i.observe(sig('192.0.2.5'), tighten);
    expect(await i.observe(sig('192.0.2.5'), tighten)).toBe('escalated');
    expect(blocks.findIp('192.0.2.5')).toMatchObject({ origin: 'incident' });
    expect(notices.map((n) => `${n.transition}:${n.incident.severity}`)).toEqual(['opened:medium', 'escalated:high']);
  });

  it('keeps a pending record for its window only (one-off refusals from many addresses leave nothing)', async () => {
    const { clock, store, make } = setup();
    const { i } = make();
    await i.observe(sig('192.0.2.77'));
    expect(await store.get('incident:signature:ip:192.0.2.77')).not.toBeNull();
    clock.advance(600_001);
    expect(await store.get('incident:signature:ip:192.0.2.77')).toBeNull();
    // an open one is kept past it (quiet time and memory of repeat offenders)
    await i.observe(attack('192.0.2.78'));
    clock.advance(600_001);
    expect(await store.get('incident:attack:ip:192.0.2.78')).not.toBeNull();
  });

  it("opens and tells an exempt address's incident, and neither blocks nor tightens it (a user still is)", async () => {
    const { blocks, make } = setup({}, (ip) => ip.startsWith('127.'));
    const { i, notices } = make();
    expect(await i.observe(attack('127.0.0.1', 'mallory'))).toBe('opened');
    expect(blocks.findIp('127.0.0.1')).toBeNull();
    expect(blocks.findUser('mallory')).toMatchObject({ origin: 'incident' });
    expect(notices[0]!.incident.actions).toEqual([
      'skipped block_ip 3600s: 127.0.0.1 is exempt (decisions.auto.exempt)',
      'block_user 3600s mallory',
      'skipped block_network 3600s: 127.0.0.1 is exempt (decisions.auto.exempt)',
    ]);
  });

  it('records dry-run steps and monitor mode without acting', async () => {
    const dry = setup({ actions: { critical: [{ action: 'block_ip', ttl_s: 60, dry_run: true }] } });
    const a = dry.make();
    await a.i.observe(attack('203.0.113.9'));
    expect(dry.blocks.findIp('203.0.113.9')).toBeNull();
    expect(a.notices[0]!.incident.actions).toEqual(['dry-run block_ip 60s 203.0.113.9']);

    const mon = setup({ mode: 'monitor' });
    const b = mon.make();
    await b.i.observe(attack('203.0.113.10', 'eve'));
    expect(mon.blocks.findIp('203.0.113.10')).toBeNull();
    expect(mon.blocks.findUser('eve')).toBeNull();
    expect(b.notices[0]!.incident.actions.every((x) => x.startsWith('dry-run') || x.startsWith('skipped'))).toBe(true);
  });

  it('resolves quiet incidents once (two instances sweeping), and a repeat offender starts higher', async () => {
    const { clock, make } = setup();
    const one = make();
    const two = make();
    await one.i.observe(sig('192.0.2.9'));
    for (let n = 2; n <= 5; n++) await two.i.observe(sig('192.0.2.9'));
    // one incident for both instances; the instance that counted the fifth report saw it open
    expect(one.notices).toHaveLength(0);
    expect(two.notices.map((n) => n.transition)).toEqual(['opened']);
    expect(await one.i.list()).toHaveLength(1);
    clock.advance(899_000);
    expect(await one.i.sweep()).toBe(0);
    clock.advance(1_000);
    expect((await one.i.sweep()) + (await two.i.sweep())).toBe(1);
    expect([...one.notices, ...two.notices].filter((n) => n.transition === 'resolved')).toHaveLength(1);
    // back within remember_s: five reports now open it as high, not medium
    for (let n = 1; n <= 5; n++) await one.i.observe(sig('192.0.2.9'));
    expect(one.notices.at(-1)).toMatchObject({ transition: 'opened', incident: { severity: 'high', repeat: 1 } });
  });

  it("takes an operator's resolve, reopen and note, and refuses an unknown id", async () => {
    const { make } = setup();
    const { i, notices } = make();
    await i.observe(attack('203.0.113.20'));
    const id = notices[0]!.incident.id;
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect((await i.amend(id, 'annotate', 'alice', 'looking'))?.transition).toBe('none');
    expect((await i.amend(id, 'resolve', 'alice', 'done'))?.transition).toBe('resolved');
    expect((await i.amend(id, 'reopen', 'bob', ''))?.transition).toBe('reopened');
    expect(notices.map((n) => n.transition)).toEqual(['opened', 'resolved', 'reopened']);
    const [rec] = await i.list();
    expect(rec!.notes.map((n) => `${n.actor} ${n.text}`)).toEqual([
      'alice annotate: looking',
      'alice resolve: done',
      'bob reopen',
    ]);
    expect(await i.amend('0123456789abcdef', 'resolve', 'alice', '')).toBeNull();
  });

  it('opens a high incident on a third compile time-out, unless the compile service itself is failing', async () => {
    const timeout = (ip: string): Signal => ({
      kind: 'timeout',
      subject: `ip:${ip}`,
      ip,
      user: null,
      detail: 'compile:timeout',
      requestId: '',
    });
    const upstream: Signal = {
      kind: 'upstream',
      subject: 'service',
      ip: '192.0.2.1',
      user: null,
      detail: 'upstream:timeout',
      requestId: '',
    };
    const { blocks, make } = setup();
    const { i, notices } = make();
    expect(await i.observe(timeout('192.0.2.30'))).toBe('none');
    expect(await i.observe(timeout('192.0.2.30'))).toBe('none');
    expect(await i.observe(timeout('192.0.2.30'))).toBe('opened');
    expect(blocks.findIp('192.0.2.30')).toMatchObject({ origin: 'incident' });
    // one client seeing the service fail is not the service failing (it would inhibit its own time-outs)
    for (let n = 1; n <= 12; n++) expect(await i.observe(upstream)).toBe('none');
    // three clients see it: the service's incident opens (its count so far is past the rule's 10)
    await i.observe({ ...upstream, ip: '192.0.2.2' });
    expect(await i.observe({ ...upstream, ip: '192.0.2.3' })).toBe('opened');
    expect(notices.at(-1)).toMatchObject({ incident: { kind: 'upstream', subject: 'service', severity: 'high' } });
    expect(notices.at(-1)!.incident.actions).toEqual(['skipped block_ip 3600s: no ip to block']);
    // while it is live, a client's time-outs are inhibited
    for (let n = 1; n <= 3; n++) expect(await i.observe(timeout('192.0.2.31'))).toBe('inhibited');
    expect(blocks.findIp('192.0.2.31')).toBeNull();
  });

  it('names the network of an address: /24 for IPv4, /48 for IPv6', () => {
    expect(networkOf('203.0.113.7')).toBe('203.0.113.0/24');
    expect(networkOf('2001:db8:1:2::5')).toBe('2001:db8:1::/48');
    expect(networkOf('not an address')).toBeNull();
  });
});

describe('incidents config', () => {
  it('refuses a block without ttl_s and a log with one, with the path of each', () => {
    const r = incidentsSchema.safeParse({
      actions: { high: [{ action: 'block_ip' }], low: [{ action: 'log', ttl_s: 5 }] },
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((x) => x.path.join('.')).sort();
    expect(paths).toEqual(['actions.high.0.ttl_s', 'actions.low.0.ttl_s']);
  });
});
