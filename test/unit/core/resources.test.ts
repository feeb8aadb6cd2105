// Resources outlive reloads; what the configuration in service no longer names is closed after the grace
// time, unless it was pinned (asked for outside a build) or named again meanwhile.
import { describe, expect, it } from 'vitest';
import { Resources } from '../../../src/core/resources.js';

function item(log: string[], name: string) {
  return { name, close: () => void log.push(name) };
}

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('Resources', () => {
  it('reuses by key and records what a build asked for', () => {
    const r = new Resources();
    const log: string[] = [];
    const { value, keys } = r.record(() => r.get('a', () => item(log, 'a')));
    expect(r.record(() => r.get('a', () => item(log, 'other'))).value).toBe(value);
    expect([...keys]).toEqual(['a']);
  });

  it('closes what the config in service does not name, after the grace time', async () => {
    const r = new Resources();
    const log: string[] = [];
    r.get('store', () => item(log, 'store')); // outside a build: pinned
    const old = r.record(() => {
      r.get('geo:old', () => item(log, 'geo:old'));
      r.get('audit', () => item(log, 'audit'));
    });
    expect([...old.keys]).toEqual(['geo:old', 'audit']);
    const next = r.record(() => void r.get('audit', () => item(log, 'audit-2')));
    r.release(next.keys, 10);
    expect(log).toEqual([]); // requests of the old config still have their time
    await settle();
    expect(log).toEqual(['geo:old']);
    expect(r.has('geo:old')).toBe(false);
    expect(r.has('store')).toBe(true);
    expect(r.has('audit')).toBe(true);
  });

  it('keeps a resource named again before the grace time ended', async () => {
    const r = new Resources();
    const log: string[] = [];
    const a = r.record(() => void r.get('geo', () => item(log, 'geo')));
    r.release(new Set(), 10); // a config without it went into service...
    r.release(r.record(() => void r.get('geo', () => item(log, 'geo-2'))).keys, 10); // ...and back
    await settle();
    expect(log).toEqual([]);
    expect([...a.keys]).toEqual(['geo']);
  });

  it('closeAll closes everything and cancels pending releases', async () => {
    const r = new Resources();
    const log: string[] = [];
    r.record(() => void r.get('x', () => item(log, 'x')));
    r.release(new Set(), 10);
    await r.closeAll();
    await settle();
    expect(log).toEqual(['x']);
  });
});
