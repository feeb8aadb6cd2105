// Test helper: a real gateway from YAML text (temp file), with an in-memory event sink and quiet logs.
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type Gateway, type StartOptions } from '../../src/runtime.js';
import { createMemorySink } from '../../src/telemetry/events.js';
import { createLogger } from '../../src/telemetry/logger.js';

export interface TestGateway {
  readonly gw: Gateway;
  readonly url: string;
  readonly adminUrl: string;
  readonly events: ReturnType<typeof createMemorySink>['events'];
  readonly file: string;
  /** Rewrites the config file (the gateway may pick it up by itself when watch is on). */
  write(yaml: string): Promise<void>;
  close(): Promise<void>;
}

/** Minimal YAML around a body: listens on port 0 (data and admin) and points at the upstream. */
export function baseConfig(upstreamUrl: string, extra = '', serverExtra = ''): string {
  return `server:
  listen: { host: 127.0.0.1, port: 0 }
${serverExtra}
upstream:
  url: ${upstreamUrl}
admin:
  listen: { host: 127.0.0.1, port: 0 }
logging:
  level: silent
${extra}`;
}

export const COMPILE_ROUTE = `routes:
  - name: compile
    methods: [POST]
    path: /compile
    inspect_body: true
    max_body_bytes: 4096
    content_types: [application/json, application/x-www-form-urlencoded]
    code_fields: [tikz_code]
    max_code_field_bytes: 2048
    max_field_chars: 100
    max_batch_items: 3
  - name: stream
    methods: [POST, PUT]
    path: /upload
    max_body_bytes: 4096
  - name: health
    methods: [GET, HEAD]
    path: /health
`;

export async function startTestGateway(yaml: string, opts: Partial<StartOptions> = {}): Promise<TestGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-test-'));
  const file = join(dir, 'gateway.yaml');
  await writeFile(file, yaml);
  const sink = createMemorySink();
  const gw = await startGateway({
    configFile: file,
    env: {},
    logger: createLogger('silent'),
    events: sink,
    watch: false,
    defaultMetrics: false,
    // no background /health probes: tests count what their upstream saw (a test that needs them passes true)
    probeUpstream: false,
    ...opts,
  });
  return {
    gw,
    url: gw.url,
    adminUrl: gw.adminUrl,
    events: sink.events,
    file,
    write: (y) => writeFile(file, y),
    async close() {
      await gw.close(1000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Reads one metric sample's value from the admin /metrics text ('' labels: the unlabelled series). */
export async function metric(adminUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_:]+)(\{[^}]*\})?\s+([0-9.e+-]+|NaN)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const lbl = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => lbl.includes(`${k}="${v}"`))) total += Number(m[3]);
  }
  return total;
}

/** POSTs a JSON body to the gateway's /compile (a query appended): the status, and a refusal's reasons. */
export async function postCompile(
  url: string,
  body: unknown,
  query = '',
): Promise<{ status: number; reasons: string[] }> {
  const res = await fetch(`${url}/compile${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const reasons = res.status >= 400 ? ((JSON.parse(text) as { reasons?: string[] }).reasons ?? []) : [];
  return { status: res.status, reasons };
}
