// Test helper: counts the commands a Redis server executes, all of them (INFO commandstats) and the
// ones clients sent themselves (MONITOR, which marks commands issued from inside Lua scripts as "lua").
import { Redis } from 'ioredis';
import { totalCommandCalls, type RedisServer } from './redis.js';

export interface CommandCount {
  /** Every command executed, script-internal ones included (INFO commandstats delta, INFO itself excluded). */
  readonly all: number;
  /** Commands sent by clients, i.e. round trips (MONITOR lines whose source is not lua). */
  readonly sent: number;
  /** Sent commands by name, e.g. { evalsha: 100 }. */
  readonly byName: Readonly<Record<string, number>>;
}

/** Runs fn and counts what the server executed meanwhile. Only this test's clients must be active. */
export async function countCommands(server: RedisServer, fn: () => Promise<void>): Promise<CommandCount> {
  const monitorClient = new Redis({ host: server.host, port: server.port, lazyConnect: true });
  await monitorClient.connect();
  const monitor = await monitorClient.monitor();
  const byName: Record<string, number> = {};
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source === 'lua') return;
    const name = (args[0] ?? '').toLowerCase();
    byName[name] = (byName[name] ?? 0) + 1;
  });
  // MONITOR is live once its OK came back; a marker command proves the feed is flowing before fn runs.
  const marker = new Redis({ host: server.host, port: server.port });
  const seen = () => (byName.echo ?? 0) > 0;
  for (let i = 0; i < 100 && !seen(); i++) {
    await marker.echo('count-start');
    await new Promise((r) => setTimeout(r, 10));
  }
  const before = totalCommandCalls(server);
  const startNames = { ...byName };
  await fn();
  const after = totalCommandCalls(server);
  // Let the monitor feed catch up: a final marker must be seen.
  const echoes = byName.echo ?? 0;
  await marker.echo('count-end');
  for (let i = 0; i < 200 && (byName.echo ?? 0) <= echoes; i++) await new Promise((r) => setTimeout(r, 10));
  monitor.disconnect();
  marker.disconnect();
  // The helper's own traffic is not the test's: the end marker and the two INFO reads.
  const own: Record<string, number> = { echo: 1, info: 2 };
  const names: Record<string, number> = {};
  for (const [k, v] of Object.entries(byName)) {
    const d = v - (startNames[k] ?? 0) - (own[k] ?? 0);
    if (d > 0) names[k] = d;
  }
  // `after` includes the first INFO call (made by the `before` read itself counts in `after`).
  const sentByTest = Object.values(names).reduce((a, b) => a + b, 0);
  return { all: after - before - 1, sent: sentByTest, byName: names };
}
