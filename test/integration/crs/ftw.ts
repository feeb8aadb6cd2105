// Reads CRS's go-ftw regression tests (YAML) and sends each request as written over a raw socket: method, URI,
// version, headers in their order, body. go-ftw's autocompleted headers are added the same way (Content-Length
// for a body, Connection: close), so one request is one connection.
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface FtwStage {
  readonly raw: Buffer;
  readonly expectIds: readonly number[];
  readonly noExpectIds: readonly number[];
  readonly status: readonly number[];
}

export interface FtwTest {
  /** `942100-3`: the rule the file is about and the test id. */
  readonly name: string;
  /** `REQUEST-942-APPLICATION-ATTACK-SQLI`. */
  readonly file: string;
  readonly ruleId: number;
  readonly stages: readonly FtwStage[];
}

interface YamlInput {
  method?: string;
  uri?: string;
  version?: string;
  headers?: Record<string, string | number>;
  data?: string;
  encoded_request?: string;
  autocomplete_headers?: boolean;
}

interface YamlOutput {
  log?: { expect_ids?: number[]; no_expect_ids?: number[] };
  status?: number | number[];
}

interface YamlFile {
  rule_id: number;
  tests: { test_id: number; stages: { input: YamlInput; output: YamlOutput }[] }[];
}

function rawOf(input: YamlInput): Buffer {
  if (input.encoded_request !== undefined) return Buffer.from(input.encoded_request, 'base64');
  const method = input.method ?? 'GET';
  const uri = input.uri ?? '/';
  const version = input.version ?? 'HTTP/1.1';
  const headers = Object.entries(input.headers ?? {}).map(([k, v]) => [k, String(v)] as const);
  const body = input.data === undefined ? Buffer.alloc(0) : Buffer.from(input.data, 'utf8');
  const auto = input.autocomplete_headers !== false;
  const has = (n: string) => headers.some(([k]) => k.toLowerCase() === n);
  const lines = [`${method} ${uri}${version === '' ? '' : ' ' + version}`];
  for (const [k, v] of headers) lines.push(`${k}: ${v}`);
  if (auto && body.length > 0 && !has('content-length') && !has('transfer-encoding'))
    lines.push(`Content-Length: ${body.length}`);
  if (auto && !has('connection')) lines.push('Connection: close');
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8'), body]);
}

/** Every test of the files under `testsDir` whose folder name starts with one of `prefixes`. */
export function loadFtwTests(testsDir: string, prefixes: readonly string[]): FtwTest[] {
  const out: FtwTest[] = [];
  for (const dir of readdirSync(testsDir).sort()) {
    if (!prefixes.some((p) => dir.startsWith(p))) continue;
    for (const f of readdirSync(join(testsDir, dir)).sort()) {
      if (!f.endsWith('.yaml')) continue;
      const doc = parse(readFileSync(join(testsDir, dir, f), 'utf8')) as YamlFile | null;
      for (const t of doc?.tests ?? []) {
        out.push({
          name: `${doc!.rule_id}-${t.test_id}`,
          file: dir,
          ruleId: doc!.rule_id,
          stages: t.stages.map((s) => ({
            raw: rawOf(s.input),
            expectIds: s.output.log?.expect_ids ?? [],
            noExpectIds: s.output.log?.no_expect_ids ?? [],
            status: s.output.status === undefined ? [] : [s.output.status].flat(),
          })),
        });
      }
    }
  }
  return out;
}

export interface Answer {
  readonly status: number;
  readonly reasons: readonly string[];
}

/** Sends the bytes, reads until the server closes (or 30 s pass), parses status and the refusal's reasons. */
export function send(port: number, raw: Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      sock.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      const bodyAt = text.indexOf('\r\n\r\n');
      let reasons: string[] = [];
      if (bodyAt !== -1) {
        try {
          const j = JSON.parse(text.slice(bodyAt + 4)) as { reasons?: string[] };
          reasons = j.reasons ?? [];
        } catch {
          // not a refusal body (the upstream's answer)
        }
      }
      resolve({ status, reasons });
    };
    const timer = setTimeout(finish, 30_000);
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('end', finish);
    sock.on('error', finish);
    sock.on('close', finish);
    sock.write(raw);
  });
}

/** Runs `f` over items with at most `n` at once. */
export async function pool<T, R>(items: readonly T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}
