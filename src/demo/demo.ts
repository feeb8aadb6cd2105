// `npm run demo`: a sample compile upstream plus the gateway in front of it, and curl lines to try.
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { startDemoUpstream, FIXTURE_NOTE } from './upstream.js';
import { startGateway } from '../runtime.js';
import { createLogger } from '../telemetry/logger.js';
import { demoLines } from './lines.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main(): Promise<void> {
  const upstream = await startDemoUpstream(Number(process.env.DEMO_UPSTREAM_PORT ?? 0));
  const env = {
    ...process.env,
    UPSTREAM_URL: upstream.url,
    GATEWAY_PORT: process.env.GATEWAY_PORT ?? '8080',
    ADMIN_PORT: process.env.ADMIN_PORT ?? '9091',
  };
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const gw = await startGateway({ configFile: resolve(root, 'gateway.yaml'), env, logger: log });
  const out = (s: string) => process.stdout.write(s + '\n');
  out(`demo upstream: ${upstream.url}  (${FIXTURE_NOTE})`);
  out(`gateway:       ${gw.url}  (admin: ${gw.adminUrl})`);
  out('');
  out('Try these (each prints the status after "->"; security events are printed below as they happen):');
  for (const l of demoLines(gw.url, gw.adminUrl)) out(`${l.command}    # expect ${l.expect}: ${l.what}`);
  out('');
  out('Ctrl-C stops both.');
  const stop = () => {
    void gw
      .close(1000)
      .then(() => upstream.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
