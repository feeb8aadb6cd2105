// The event file reopened by path (SIGHUP after logrotate): a path that cannot be opened is reported and the
// sink keeps writing to the file it had (no unhandled 'error' event ending the process); once the path can
// be opened again, the next reopen moves to the new file. The audit sink survives the same failure.
import { mkdtempSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createEventSink, type SecurityEvent } from '../../../src/telemetry/events.js';
import { createAuditSink } from '../../../src/admin/audit.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const lines = (f: string) =>
  readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
const tick = (ms = 100) => new Promise((r) => setTimeout(r, ms));
const ev = (id: string) => ({ request_id: id }) as unknown as SecurityEvent;

it('reports a reopen that cannot open the path, keeps writing to the old file, and recovers', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pc-reopen-'));
  dirs.push(root);
  const dir = join(root, 'log');
  mkdirSync(dir);
  const file = join(dir, 'events.log');
  const errors: string[] = [];
  const sink = createEventSink(file, (err) => errors.push((err as NodeJS.ErrnoException).code ?? err.message));
  sink.write(ev('a'));
  await tick();

  // the directory is moved away and a plain file takes its name: the path cannot be opened
  renameSync(dir, join(root, 'moved'));
  writeFileSync(dir, 'not a directory');
  sink.reopen();
  await tick();
  expect(errors.length).toBeGreaterThan(0);
  sink.write(ev('b'));
  await tick();
  expect(lines(join(root, 'moved', 'events.log')).map((l) => JSON.parse(l).request_id)).toEqual(['a', 'b']);

  // fixed: the next reopen opens the path again
  rmSync(dir);
  sink.reopen();
  await tick();
  sink.write(ev('c'));
  await tick();
  expect(existsSync(file)).toBe(true);
  expect(lines(file).map((l) => JSON.parse(l).request_id)).toEqual(['c']);
  sink.flush();
});

it('the audit sink throws a failed reopen to its caller and does not end the process afterwards', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pc-reopen-'));
  dirs.push(root);
  const dir = join(root, 'log');
  mkdirSync(dir);
  const audit = createAuditSink(join(dir, 'audit.log'));
  renameSync(dir, join(root, 'moved'));
  writeFileSync(dir, 'not a directory');
  expect(() => audit.reopen!()).toThrow();
  await tick(); // the same error, emitted afterwards, finds a listener
  audit.close();
});
