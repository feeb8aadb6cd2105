// Types of the replay harness (replay.mjs) for the TypeScript test that drives it.
export type Mode = 'enforce' | 'monitor';
export type Attacker = 'scanner' | 'key-guesser' | 'error-farmer' | 'exhauster' | 'rotator' | 'low-and-slow';

export interface Scheduled {
  readonly t: number;
  readonly actor: string;
  readonly kind: string;
  readonly ip: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  readonly expect?: string;
}

export interface Played extends Scheduled {
  readonly n: number;
  readonly event: boolean;
  readonly status: number;
  readonly refusedBy: string;
  readonly reasons: readonly string[];
  readonly monitor: readonly string[];
  readonly trust: string | null;
  readonly score: number | null;
  readonly outcome: string | null;
  readonly refused: boolean;
  readonly tightened: boolean;
  readonly blocked: boolean;
  readonly model: number | null;
  readonly flagged: boolean;
}

export interface AttackerSummary {
  readonly sent: number;
  readonly flaggedAt: number | null;
  readonly by: string;
  readonly value: number | null;
  readonly bound: number;
  readonly counts: string;
  readonly met: boolean;
  readonly counted: Readonly<Record<string, number | null>>;
  readonly outcomes: Readonly<Record<string, number>>;
}

export interface Summary {
  readonly attackers: Readonly<Record<string, AttackerSummary>>;
  readonly wellBehaved: {
    readonly requests: number;
    readonly refusedOrChallenged: number;
    readonly share: number;
    readonly clients: number;
    readonly flaggedClients: readonly string[];
    readonly newRefused: number;
    readonly newRequests: number;
    readonly typos: number;
    readonly notAsScripted: number;
    readonly minScore: number;
  };
  readonly withoutEvent: number;
  readonly model: { readonly scored: number; readonly mean: Readonly<Record<string, number>> } | null;
}

export interface Comparison {
  readonly attackers: Readonly<
    Record<string, { readonly enforce: number | null; readonly monitor: number | null; readonly ok: boolean }>
  >;
  readonly onlyOne: readonly string[];
  readonly ok: boolean;
}

export const CONFIG: URL;
export const KEYS: Readonly<Record<string, string>>;
export const BOUNDS: Readonly<Record<Attacker, { readonly counts: string; readonly max: number }>>;
export const ATTACKERS: readonly Attacker[];

export function configYaml(upstreamUrl: string, mode: Mode, auditFile: string, model?: 'off' | 'monitor'): string;
export function scenario(o: {
  diagrams: readonly string[];
  exhaust: string;
  rotate: string;
  seed?: number;
  anonymous?: number;
  authenticated?: number;
  fresh?: number;
  perUser?: number;
}): Scheduled[];
export function scriptedOutcomes(schedule: readonly Scheduled[]): Map<string, string>;
export function startScriptedCompileService(o: {
  outcomes: Map<string, string>;
  times: readonly number[];
  timeoutMs?: number;
  scale?: number;
}): Promise<{ url: string; close(): Promise<void> }>;
export function play(
  gw: { url: string; events: readonly { request_id: string }[] },
  clock: { set(ms: number): void },
  t0: number,
  schedule: readonly Scheduled[],
  audit: string,
  onProgress?: (done: number, total: number) => void,
): Promise<Played[]>;
export function summarise(results: readonly Played[]): Summary;
export function compare(enforce: Summary, monitor: Summary): Comparison;
export function report(enforce: Summary, monitor: Summary | null, cmp: Comparison | null): string;

export interface ReplayIncident {
  readonly actor: string;
  readonly kind: string;
  readonly severity: string | null;
  readonly count: number;
  readonly actions: string[];
  /** Seconds (virtual) from the actor's first request to the incident's opening; null when not opened. */
  readonly respondS: number | null;
}
export function incidentsOf(
  gw: { resources: { get(key: string, make: () => never): unknown } },
  schedule: readonly { ip: string; actor: string; t: number }[],
  t0: number,
): Promise<ReplayIncident[]>;
export function incidentsReport(incidents: readonly ReplayIncident[]): string;
