// The incident scripts give the same answers in Lua on a real redis-server as their TypeScript twins on the
// memory store: counting to a rule, escalating, resolving when quiet, repeat offenders, notes, network addresses.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeClock } from '../../src/core/clock.js';
import type { Store } from '../../src/store/store.js';
import { runTwins } from './twins.js';
import { ADDRESSES, AMEND, OBSERVE } from '../../src/incidents/scripts.js';
import { parseRecord } from '../../src/incidents/record.js';
import { describeRedis, startRedis, type RedisServer } from '../helpers/redis.js';

const T0 = 1_800_000_000_000;
const WINDOW = 600_000;
const QUIET = 900_000;
const REMEMBER = 86_400_000;
const TTL = WINDOW + QUIET + REMEMBER;
// signature: medium (1) at 5 reports, high (2) at 20; attack: critical (3) at 1
const SIG = '5:1,20:2';
const ATTACK = '1:3';

/** The same sequence on a store: each step's transition and record (id left out: it hashes the prefixed key). */
async function sequence(store: Store, clock: FakeClock): Promise<unknown[]> {
  const out: unknown[] = [];
  const show = (r: { transition: string; record: string }) => {
    const rec = r.record === '' ? null : parseRecord(r.record);
    out.push({ t: r.transition, rec: rec === null ? null : { ...rec, id: rec.id.length } });
    return r.transition;
  };
  const observe = (key: string, kind: string, subject: string, th: string) =>
    store.run(OBSERVE, [key], [WINDOW, REMEMBER, TTL, kind, subject, th, subject === 'ip:10.0.0.2' ? 'req-1' : '']);
  const amend = (key: string, op: string, text = '', actor = 'alice') =>
    store.run(AMEND, [key], [op, QUIET, TTL, actor, text]);

  const sig = 'incident:signature:ip:10.0.0.1';
  const seen: string[] = [];
  for (let i = 0; i < 21; i++) {
    seen.push((await observe(sig, 'signature', 'ip:10.0.0.1', SIG)).transition);
    clock.advance(1_000);
  }
  out.push(seen);
  show(await amend(sig, 'act', 'tighten 1800s'));
  show(await amend(sig, 'auto')); // not quiet yet
  clock.advance(QUIET);
  show(await amend(sig, 'auto'));
  show(await amend(sig, 'auto')); // resolved once only
  // the same subject again within remember_s: one severity higher (medium at 5 becomes high)
  const again: string[] = [];
  for (let i = 0; i < 5; i++) again.push((await observe(sig, 'signature', 'ip:10.0.0.1', SIG)).transition);
  out.push(again);
  show(await observe(sig, 'signature', 'ip:10.0.0.1', SIG));
  show(await amend(sig, 'annotate', 'looked at it', 'bob'));
  show(await amend(sig, 'resolve', 'false positive'));
  show(await amend(sig, 'reopen'));
  show(await amend('incident:none', 'resolve'));
  // a critical attack opens at once; a pending record older than the window starts again
  const atk = 'incident:attack:ip:10.0.0.2';
  show(await observe(atk, 'attack', 'ip:10.0.0.2', ATTACK));
  const slow = 'incident:signature:ip:10.0.0.3';
  for (let i = 0; i < 4; i++) await observe(slow, 'signature', 'ip:10.0.0.3', SIG);
  clock.advance(WINDOW + 1);
  show(await observe(slow, 'signature', 'ip:10.0.0.3', SIG));
  // a transition's steps in one call, a line each
  show(await amend(atk, 'act', 'block_ip 3600s 10.0.0.2\nskipped block_user: no user to block'));
  // distinct addresses of a network
  const net = 'incident-net:10.0.0.0/24';
  for (const a of ['10.0.0.1', '10.0.0.2', '10.0.0.1', '10.0.0.3', '10.0.0.4'])
    out.push(await store.run(ADDRESSES, [net], [TTL, a, 3]));
  return out;
}

describeRedis('incident scripts: Lua and TypeScript agree', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('gives the same transitions and records', async () => {
    const { memory: mem, redis: viaLua } = await runTwins(server, 'incident-test:', T0, sequence);
    expect(viaLua).toEqual(mem);
    // what the sequence means
    const seen = mem[0] as string[];
    expect(seen.indexOf('opened')).toBe(4);
    expect(seen.indexOf('escalated')).toBe(19);
    expect(seen.filter((t) => t !== 'none')).toEqual(['opened', 'escalated']);
    const steps = mem.slice(1) as { t: string; rec: { state: string; sev: number; rep: number } | null }[];
    expect(steps[0]!.rec!.state).toBe('escalated');
    expect(steps[1]!.t).toBe('none');
    expect(steps[2]!.t).toBe('resolved');
    expect(steps[3]!.t).toBe('none');
    expect(mem[5]).toEqual(['none', 'none', 'none', 'none', 'opened']);
    expect(steps[5]!.rec).toMatchObject({ state: 'open', sev: 2, rep: 1, count: 6 });
    expect(steps[7]!.t).toBe('resolved');
    expect(steps[8]!.t).toBe('reopened');
    expect(steps[9]!.t).toBe('missing');
    expect(steps[10]).toMatchObject({ t: 'opened', rec: { kind: 'attack', sev: 3, req: 'req-1' } });
    expect(steps[11]).toMatchObject({ t: 'none', rec: { state: 'pending', count: 1 } });
    expect(steps[12]!.rec).toMatchObject({
      actions: ['block_ip 3600s 10.0.0.2', 'skipped block_user: no user to block'],
    });
    expect(mem.slice(-5)).toEqual([1, 2, 2, 3, 3]);
  });
});
