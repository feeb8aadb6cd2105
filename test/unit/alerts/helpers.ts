// Shared parts of the alert tests: hand-moved timers, a real HTTP receiver on 127.0.0.1 and an outcome log.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Outcome, OutcomeInfo } from '../../../src/alerts/delivery.js';
import { notificationOf, type AlertType, type Notification } from '../../../src/alerts/notification.js';
import type { Timers } from '../../../src/alerts/timers.js';
import { HandTimers } from '../../helpers/hand-timers.js';

/** Timers moved by hand. Starts at the real time: standardwebhooks checks webhook-timestamp against Date.now(). */
export class FakeTimers extends HandTimers implements Timers {
  constructor() {
    super(Math.floor(Date.now() / 1000) * 1000);
  }
  /** The delays of the timers still pending, as they were asked for. */
  get pending(): number[] {
    return this.pendingDelays;
  }
}

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly url: string;
  /** Fake time when the request's body had arrived. */
  readonly at: number;
  /** Resolves when the client went away before an answer (a hung request aborted). */
  readonly abandoned: Promise<void>;
}

/** What the receiver does with one request: answer, or hold it until `release` is called. */
export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

export interface Receiver {
  readonly port: number;
  readonly url: string;
  readonly received: Received[];
  /** Answers in order; past the end, 204. */
  answers: Answer[];
  /** Resolves with the n-th request (0-based), already received or not. */
  request(n: number): Promise<Received>;
  /** Answers every held request with 204. */
  release(): void;
  close(): Promise<void>;
}

export async function startReceiver(timers: Timers, answers: Answer[] = []): Promise<Receiver> {
  const received: Received[] = [];
  const waiting = new Map<number, (r: Received) => void>();
  const held: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const abandoned = new Promise<void>((resolve) =>
        res.on('close', () => {
          if (!res.writableEnded) resolve();
        }),
      );
      const r: Received = {
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        url: req.url ?? '',
        at: timers.now(),
        abandoned,
      };
      const n = received.push(r) - 1;
      const a = rec.answers[n] ?? { status: 204 };
      if (a === 'hang') held.push(res);
      else res.writeHead(a.status, a.headers).end(a.status === 204 ? undefined : 'answer');
      waiting.get(n)?.(r);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const rec: Receiver = {
    port,
    url: `http://127.0.0.1:${port}/hook`,
    received,
    answers,
    request: (n) => {
      const r = received[n];
      return r !== undefined ? Promise.resolve(r) : new Promise((resolve) => waiting.set(n, resolve));
    },
    release: () => {
      for (const res of held.splice(0)) if (!res.destroyed) res.writeHead(204).end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return rec;
}

export interface OutcomeLog {
  readonly all: { sink: string; outcome: Outcome; info: OutcomeInfo }[];
  readonly onOutcome: (sink: string, outcome: Outcome, info: OutcomeInfo) => void;
  count(outcome: Outcome): number;
  /** Resolves once `outcome` has been counted n times in all (default: once more than now). */
  until(outcome: Outcome, n?: number): Promise<OutcomeInfo>;
}

export function outcomeLog(): OutcomeLog {
  const all: OutcomeLog['all'] = [];
  const waiters: { outcome: Outcome; n: number; resolve: (i: OutcomeInfo) => void }[] = [];
  const count = (o: Outcome): number => all.filter((x) => x.outcome === o).length;
  return {
    all,
    count,
    onOutcome(sink, outcome, info) {
      all.push({ sink, outcome, info });
      for (const w of [...waiters]) {
        if (w.outcome === outcome && count(outcome) >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(info);
        }
      }
    },
    until(outcome, n) {
      const want = n ?? count(outcome) + 1;
      if (count(outcome) >= want) return Promise.resolve(all.filter((x) => x.outcome === outcome)[want - 1]!.info);
      return new Promise((resolve) => waiters.push({ outcome, n: want, resolve }));
    },
  };
}

/** Real time passes a little (lets sockets and promises move) without the fake clock moving. */
export const settle = (ms = 50): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function sampleNotification(
  over: { type?: AlertType; id?: string; subject?: string; actions?: string[] } = {},
): Notification {
  return notificationOf(
    over.type ?? 'incident.opened',
    {
      id: over.id ?? 'inc-1',
      key: 'incident:scanner:ip:203.0.113.9',
      kind: 'scanner',
      severity: 'high',
      state: 'open',
      subject: over.subject ?? 'ip:203.0.113.9',
      count: 12,
      first_seen: '2026-01-02T03:04:05.000Z',
      last_seen: '2026-01-02T03:09:05.000Z',
      actions: over.actions ?? ['block_ip 3600s'],
    },
    Date.parse('2026-01-02T03:09:06.000Z'),
  );
}
