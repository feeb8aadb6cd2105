// The probe file format (probes/*.yaml): schema, loading, and turning a probe's `send` items into bytes.
import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import type { Step } from './wire.js';

/**
 * One thing a client sends:
 * - a string: exact bytes (YAML double-quoted escapes: \r \n \0 \t \x.. \u....; characters above U+007F as UTF-8);
 * - `{ http: | block }`: a readable request — header lines end with CRLF, the first empty line ends the head, the
 *   rest (minus one trailing newline) is the body, taken literally (backslashes and all);
 * - `{ hex: "..." }`: exact bytes in hex;
 * - `{ wait: ms }`: pause before the next write (consecutive byte items go out in one write).
 * In string and http items, `$REPEAT(text,n)` repeats text n times and `Content-Length: auto` becomes the length
 * of the body that follows in the same item.
 */
const item = z.union([
  z.string(),
  z.strictObject({ http: z.string() }),
  z.strictObject({ hex: z.string().regex(/^(?:[0-9a-fA-F]{2})*$/) }),
  z.strictObject({ wait: z.number().int().nonnegative() }),
]);
export type SendItem = z.infer<typeof item>;

/** One status, or alternatives ([400, 403]: either is right). */
const statusSpec = z.union([z.number().int(), z.array(z.number().int()).min(1)]);

const expectObject = z.strictObject({
  /** The exact sequence of responses on the connection (1xx included). */
  responses: z.array(statusSpec).optional(),
  /** Any one of these sequences. */
  one_of: z.array(z.array(statusSpec)).optional(),
  /** closed: the server must end the connection after the responses; open: it must keep it. */
  then: z.enum(['closed', 'open']).optional(),
  /** Per response, a reason code the body and the security event must carry ("sig:" ending in ':' = prefix). */
  reasons: z.array(z.string().nullable()).optional(),
});
/** `closed`: the connection is closed without any response; `any`: nothing is checked (a client that gives up). */
const expectSpec = z.union([z.literal('closed'), z.literal('any'), expectObject]);
export type ExpectSpec = z.infer<typeof expectSpec>;

const clientSpec = z.strictObject({
  name: z.string().optional(),
  /** This many identical clients, started together. */
  count: z.number().int().positive().default(1),
  /** Start this long after the probe starts. */
  start_ms: z.number().int().nonnegative().default(0),
  send: z.union([item, z.array(item)]),
  /** The client gives up: closes its socket this long after connecting. */
  close_after_ms: z.number().int().positive().optional(),
  /** Longest time to read answers (default 2500 ms). */
  wait_ms: z.number().int().positive().optional(),
  expect: expectSpec,
});
export type ClientSpec = z.infer<typeof clientSpec>;

const upstreamSpec = z.union([
  z.literal('none'),
  z.strictObject({
    max_requests: z.number().int().nonnegative().optional(),
    min_requests: z.number().int().nonnegative().optional(),
    /** Strings no forwarded request (line, headers or body) may contain. */
    must_not_contain: z.array(z.string()).optional(),
    /** Every forwarded request's target must be one of these. */
    urls: z.array(z.string()).optional(),
  }),
]);
export type UpstreamSpec = z.infer<typeof upstreamSpec>;

export const GATEWAYS = ['main', 'forward', 'pool1', 'pool8'] as const;
export type GatewayKind = (typeof GATEWAYS)[number];

const behaviourSpec = z.strictObject({
  delay_ms: z.number().int().nonnegative().default(0),
  close: z.boolean().default(false),
});

const probeFields = {
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  /** What the probe proves, one line. */
  proves: z.string().min(1),
  /** Which gateway: main (unmatched refused), forward (unmatched forwarded), pool1 / pool8 (upstream pool size). */
  gateway: z.enum(GATEWAYS).default('main'),
  /** How the recording upstream answers during this probe. */
  upstream_behaviour: behaviourSpec.default({ delay_ms: 0, close: false }),
  /** Shorthand for a single client. */
  send: z.union([item, z.array(item)]).optional(),
  close_after_ms: z.number().int().positive().optional(),
  wait_ms: z.number().int().positive().optional(),
  expect: expectSpec.optional(),
  clients: z.array(clientSpec).optional(),
  /** What the upstream may receive, over the whole probe (every client, every repetition). */
  upstream: upstreamSpec,
  /** A fresh valid request is answered 200 afterwards (and no uncaught exception happened). */
  gateway_alive: z.boolean().default(true),
  /** Run the clients this many times, one after the other. */
  repeat: z.number().int().positive().default(1),
  /** Wait this long after the last client before the checks (for failures that come late). */
  settle_ms: z.number().int().nonnegative().default(0),
};

const probeSpec = z
  .strictObject(probeFields)
  .refine((p) => (p.send !== undefined && p.expect !== undefined) !== (p.clients !== undefined), {
    message: 'a probe has either send + expect or clients',
  });
export type Probe = z.infer<typeof probeSpec>;

const familySpec = z.strictObject({
  family: z.string(),
  about: z.string(),
  /** Fields every probe of the file starts from. */
  defaults: z.record(z.string(), z.unknown()).default({}),
  probes: z.array(z.record(z.string(), z.unknown())).min(1),
});

export interface Family {
  readonly family: string;
  readonly about: string;
  readonly file: string;
  readonly probes: readonly Probe[];
}

export function loadFamilies(dir: URL): Family[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  return files.map((file) => {
    const doc = familySpec.parse(parse(readFileSync(new URL(file, dir), 'utf8')));
    const probes = doc.probes.map((p, i) => {
      const r = probeSpec.safeParse({ ...doc.defaults, ...p });
      if (!r.success) throw new Error(`${file} probe #${i} (${String(p['id'])}): ${r.error.message}`);
      return r.data;
    });
    const ids = new Set<string>();
    for (const p of probes) {
      if (ids.has(p.id)) throw new Error(`${file}: duplicate probe id ${p.id}`);
      ids.add(p.id);
    }
    return { family: doc.family, about: doc.about, file, probes };
  });
}

/** The clients a probe runs (the shorthand form becomes one client). */
export function clientsOf(p: Probe): ClientSpec[] {
  if (p.clients !== undefined) return p.clients;
  return [
    {
      count: 1,
      start_ms: 0,
      send: p.send!,
      close_after_ms: p.close_after_ms,
      wait_ms: p.wait_ms,
      expect: p.expect!,
    },
  ];
}

const expand = (s: string) => s.replace(/\$REPEAT\((.*?),(\d+)\)/gs, (_m, t: string, n: string) => t.repeat(Number(n)));

/** `Content-Length: auto` becomes the byte length of what follows the item's first empty line. */
function autoLength(bytes: Buffer): Buffer {
  const s = bytes.toString('latin1');
  if (!/Content-Length: auto\r?\n/i.test(s)) return bytes;
  const end = s.indexOf('\r\n\r\n');
  const bodyLen = end === -1 ? 0 : bytes.length - (end + 4);
  return Buffer.from(s.replace(/(Content-Length:) auto/i, `$1 ${bodyLen}`), 'latin1');
}

function httpBlock(text: string): Buffer {
  const t = expand(text);
  const blank = t.indexOf('\n\n');
  const head = (blank === -1 ? t.replace(/\n$/, '') : t.slice(0, blank)).split('\n').join('\r\n') + '\r\n\r\n';
  const body = blank === -1 ? '' : t.slice(blank + 2).replace(/\n$/, '');
  return autoLength(Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from(body, 'utf8')]));
}

/** The writes and pauses of one client. */
export function stepsOf(send: SendItem | SendItem[]): Step[] {
  const list = Array.isArray(send) ? send : [send];
  const steps: Step[] = [];
  let pending: Buffer[] = [];
  const flush = () => {
    if (pending.length !== 0) steps.push(Buffer.concat(pending));
    pending = [];
  };
  for (const it of list) {
    if (typeof it === 'string') pending.push(autoLength(Buffer.from(expand(it), 'utf8')));
    else if ('http' in it) pending.push(httpBlock(it.http));
    else if ('hex' in it) pending.push(Buffer.from(it.hex, 'hex'));
    else {
      flush();
      steps.push(it.wait);
    }
  }
  flush();
  return steps;
}
