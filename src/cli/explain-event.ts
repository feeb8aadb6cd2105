// `portcullis explain --id REQUEST_ID [--events FILE]`: finds the request's security event in the events log and
// prints its decision and the trust breakdown term by term, with the precedence the decision followed.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadConfigFile } from '../config/load.js';
import { GatewayError } from '../core/errors.js';
import type { SecurityEvent } from '../telemetry/events.js';
import { explainLines } from '../trust/explain.js';
import type { Writer } from './explain-request.js';

export interface ExplainEventArgs {
  readonly id: string;
  /** The events log (a JSON line per event); absent: logging.events of the configuration when it is a file. */
  readonly events?: string | undefined;
  readonly configFile: string;
}

/** The last event of the request in the log (a request id seen twice: its latest event), or null. */
export async function findEvent(file: string, id: string): Promise<SecurityEvent | null> {
  const needle = `"request_id":${JSON.stringify(id)}`;
  let found: SecurityEvent | null = null;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.includes(needle)) continue;
    try {
      const e = JSON.parse(line) as SecurityEvent;
      if (e.request_id === id) found = e;
    } catch {
      // a torn last line (the gateway still writing): skipped
    }
  }
  return found;
}

export function formatEvent(e: SecurityEvent): string {
  const lines = [
    `request ${e.request_id}: ${e.method} route ${e.route}, client ${e.client_ip}, user ${e.user ?? '-'}, tier ${e.tier}`,
    `decision: ${e.decision} (${e.status}) ${e.module !== '' ? `by ${e.module}` : ''}, mode ${e.mode}, reasons: ${
      e.reasons.join(' ') || '-'
    }`,
  ];
  if (e.trust !== undefined) lines.push(...explainLines(e.trust));
  else lines.push('trust: not in this event (the trust check did not run for this request)');
  return lines.join('\n');
}

/** The events log to read: --events, else the configuration's logging.events when it is a file. */
async function eventsFile(args: ExplainEventArgs, w: Writer): Promise<string | number> {
  if (args.events !== undefined) return args.events;
  let dest: string;
  try {
    dest = (await loadConfigFile(args.configFile)).logging.events;
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    w.err(e.message);
    return 1;
  }
  if (dest !== 'stdout' && dest !== 'stderr') return dest;
  w.err('explain --id needs --events FILE (the configuration writes its events to stdout or stderr)');
  return 2;
}

/** Exit 0: found, 3: no event of that id, 2: the log cannot be read, 1: configuration error. */
export async function explainEventCommand(args: ExplainEventArgs, w: Writer): Promise<number> {
  const file = await eventsFile(args, w);
  if (typeof file === 'number') return file;
  let e: SecurityEvent | null;
  try {
    e = await findEvent(file, args.id);
  } catch (err) {
    w.err(`explain: cannot read the events log ${file}: ${(err as Error).message}`);
    return 2;
  }
  if (e === null) {
    w.err(`explain: no event of request ${args.id} in ${file} (allowed requests have events with trust.events: all)`);
    return 3;
  }
  w.out(formatEvent(e));
  return 0;
}
