// `npm run demo`: a compile backend (real TeX when installed, else a fixture) with the gateway in front of it,
// and curl lines to try. Binds 127.0.0.1 unless DEMO_HOST says otherwise, and prints what it bound.
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { startGateway } from '../runtime.js';
import { GatewayError } from '../core/errors.js';
import { createLogger } from '../telemetry/logger.js';
import { demoLines } from './lines.js';
import { startBackend, type Backend } from './backend.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A port that is taken: which setting it was and how to choose another, instead of a bare EADDRINUSE. */
function listenHint(e: GatewayError, host: string): string {
  const admin = e.message.includes('(admin.listen)');
  const variable = admin ? 'ADMIN_PORT' : 'GATEWAY_PORT';
  const port = admin ? (process.env.ADMIN_PORT ?? '9091') : (process.env.GATEWAY_PORT ?? '8080');
  const other = String(Number(port) + 1);
  return (
    `demo: ${e.message}\n` +
    `The demo's ${admin ? 'admin' : 'gateway'} port ${host}:${port} is taken (another demo, or a portcullis already ` +
    `running?). Choose another with ${variable}, e.g.:\n  ${variable}=${other} npm run demo\n` +
    '(GATEWAY_PORT, ADMIN_PORT and DEMO_UPSTREAM_PORT set the three ports; 0 lets the system pick.)'
  );
}

async function main(): Promise<number> {
  const host = process.env.DEMO_HOST ?? '127.0.0.1';
  const backend: Backend = await startBackend(root, process.env, Number(process.env.DEMO_UPSTREAM_PORT ?? 0));
  const env = {
    ...process.env,
    UPSTREAM_URL: backend.url,
    UPSTREAM_HEALTH_PATH: backend.healthPath,
    GATEWAY_HOST: host,
    GATEWAY_PORT: process.env.GATEWAY_PORT ?? '8080',
    ADMIN_PORT: process.env.ADMIN_PORT ?? '9091',
  };
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  let gw;
  try {
    gw = await startGateway({ configFile: resolve(root, 'gateway.yaml'), env, logger: log });
  } catch (e) {
    await backend.close();
    if (e instanceof GatewayError && e.code === 'GW_ERR_LISTEN') {
      process.stderr.write(`${listenHint(e, host)}\n`);
      return 1;
    }
    throw e;
  }
  const out = (s: string) => process.stdout.write(s + '\n');
  const open =
    host === '0.0.0.0' || host === '::' ? 'every interface: reachable from other machines' : 'this address only';
  out(`compile backend: ${backend.url}  ${backend.describe}`);
  out(`gateway:         listening on ${host}:${gw.port} (${open}); try it at ${gw.url}`);
  out(`admin:           ${gw.adminUrl}  (/metrics, /readyz)`);
  out('');
  out('Try these (each prints the status after "->"; security events are printed below as they happen):');
  for (const l of demoLines(gw.url, gw.adminUrl, backend.kind)) out(`${l.command}    # expect ${l.expect}: ${l.what}`);
  out('');
  out('Ctrl-C stops both.');
  const stop = () => {
    void gw
      .close(1000)
      .then(() => backend.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`demo: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
