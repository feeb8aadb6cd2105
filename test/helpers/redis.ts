// Test helper: real redis-server processes (standalone and a 3-master Cluster) on free loopback ports.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';

const HOST = '127.0.0.1';

function toolPresent(tool: string): boolean {
  const r = spawnSync(tool, ['--version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

/** redis-server and redis-cli from Debian's redis-server package (scripts/install-test-deps.sh). */
export const HAVE_REDIS = toolPresent('redis-server') && toolPresent('redis-cli');

/**
 * `describe` for suites that need Redis. Under CI=true a missing tool fails the file; locally the suite is
 * skipped with a loud message.
 */
export const describeRedis = ((): typeof describe | typeof describe.skip => {
  if (HAVE_REDIS) return describe;
  if (process.env.CI === 'true') {
    throw new Error('redis-server/redis-cli not found and CI=true: install Debian package redis-server');
  }
  console.warn('\n*** redis-server not found: SKIPPING Redis suites (apt-get install -y redis-server) ***\n');
  return describe.skip;
})();

/** A port nothing listens on right now (the kernel's pick, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Sends one inline command and resolves with the first reply line, or null when nothing answers. */
function ask(port: number, command: string, timeoutMs = 500): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = connect({ host: HOST, port });
    let buf = '';
    const done = (v: string | null) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeoutMs, () => done(null));
    sock.once('error', () => done(null));
    sock.on('connect', () => sock.write(`${command}\r\n`));
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      if (buf.includes('\r\n')) done(buf);
    });
  });
}

async function waitFor(cond: () => Promise<boolean>, limitMs: number, what: string): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const children = new Set<ChildProcess>();
// Servers must not outlive the test process, whatever way it ends.
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** Stops the server (SIGTERM, or SIGKILL with hard=true) and waits for the process to exit. */
  stop(hard?: boolean): Promise<void>;
  /** Runs redis-cli against this server and returns its stdout. */
  cli(...args: string[]): string;
}

async function spawnServer(port: number, extra: string[], dir: string): Promise<RedisServer> {
  const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, ...extra];
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  children.add(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await waitFor(async () => (await ask(port, 'PING'))?.startsWith('+PONG') ?? false, 10_000, `redis on ${port}`);
  let stopped = false;
  return {
    host: HOST,
    port,
    async stop(hard = false) {
      if (stopped) return;
      stopped = true;
      child.kill(hard ? 'SIGKILL' : 'SIGTERM');
      await exited;
      children.delete(child);
    },
    cli(...cmd: string[]) {
      const r = spawnSync('redis-cli', ['-h', HOST, '-p', String(port), ...cmd], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`redis-cli ${cmd.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
  };
}

/** Starts a standalone redis-server (port: a free one unless given, e.g. to restart on the same port). */
export async function startRedis(port?: number): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pc-redis-'));
  const server = await spawnServer(port ?? (await freePort()), [], dir);
  const stop = server.stop.bind(server);
  return {
    ...server,
    async stop(hard) {
      await stop(hard);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RedisCluster {
  readonly nodes: readonly RedisServer[];
  /** host:port seeds for a Cluster client. */
  readonly seeds: readonly { host: string; port: number }[];
  stop(): Promise<void>;
}

/** Starts `masters` cluster-enabled servers, joins them with redis-cli --cluster create, waits for state ok. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'pc-redis-cluster-'));
  const nodes: RedisServer[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      const busPort = await freePort();
      const extra = [
        '--cluster-enabled',
        'yes',
        '--cluster-port',
        String(busPort),
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '2000',
      ];
      nodes.push(await spawnServer(port, extra, dir));
    }
    const addrs = nodes.map((n) => `${HOST}:${n.port}`);
    const r = spawnSync('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (r.status !== 0) throw new Error(`redis-cli --cluster create failed: ${r.stdout}\n${r.stderr}`);
    for (const n of nodes) {
      await waitFor(
        async () => (n.cli('cluster', 'info').match(/cluster_state:ok/) ?? null) !== null,
        20_000,
        `cluster state ok on ${n.port}`,
      );
    }
  } catch (err) {
    for (const n of nodes) await n.stop(true);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    nodes,
    seeds: nodes.map((n) => ({ host: HOST, port: n.port })),
    async stop() {
      for (const n of nodes) await n.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sum of `calls` over every command in INFO commandstats (all commands, not only EVALSHA). */
export function totalCommandCalls(server: RedisServer): number {
  let total = 0;
  for (const m of server.cli('info', 'commandstats').matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) total += Number(m[1]);
  return total;
}

/** Starts a Sentinel (redis-server --sentinel) monitoring the master at masterPort as `name`. */
export async function startRedisSentinel(masterPort: number, name = 'mymaster'): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pc-redis-sentinel-'));
  const port = await freePort();
  const conf = join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file, so it lives in the temp dir.
  writeFileSync(
    conf,
    [
      `port ${port}`,
      `bind ${HOST}`,
      `dir ${dir}`,
      `sentinel monitor ${name} ${HOST} ${masterPort} 1`,
      `sentinel down-after-milliseconds ${name} 5000`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  children.add(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await waitFor(async () => (await ask(port, 'PING'))?.startsWith('+PONG') ?? false, 10_000, `sentinel on ${port}`);
  await waitFor(
    async () => (await ask(port, `SENTINEL get-master-addr-by-name ${name}`))?.startsWith('*2') ?? false,
    10_000,
    'sentinel knows the master',
  );
  let stopped = false;
  return {
    host: HOST,
    port,
    async stop(hard = false) {
      if (stopped) return;
      stopped = true;
      child.kill(hard ? 'SIGKILL' : 'SIGTERM');
      await exited;
      children.delete(child);
      rmSync(dir, { recursive: true, force: true });
    },
    cli(...cmd: string[]) {
      const r = spawnSync('redis-cli', ['-h', HOST, '-p', String(port), ...cmd], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`redis-cli ${cmd.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
  };
}
