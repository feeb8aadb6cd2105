// A client's behaviour record as kept in the store: decayed counters and EWMAs in one short string, how it is
// read back, decayed to a moment, and updated by one event (the TypeScript twin of the Lua in scripts.ts).

/** Counters decayed with the outcome half-life, the rate counter with its own; EWMAs weighted by `alpha`. */
export interface ClientState {
  /** Last update (ms); the counters are as of then. */
  readonly t: number;
  /** First seen (ms). */
  readonly first: number;
  /** Requests ever counted (not decayed): the warm-up count. */
  readonly events: number;
  /** Decayed requests (rate half-life). */
  readonly rate: number;
  /** Decayed compile outcomes from the compile service, and of them TeX errors. */
  readonly compiles: number;
  readonly texErrors: number;
  /** Decayed weight of time-outs and memory kills (1), slow compiles and oversized answers (0.5). */
  readonly exhaustion: number;
  /** EWMA and exponentially weighted variance of complexity, and how many requests with code fed them. */
  readonly cxMean: number;
  readonly cxVar: number;
  readonly cxCount: number;
  /** EWMA of body bytes and of answer bytes. */
  readonly size: number;
  readonly output: number;
  /** Decayed near misses (rule hits below the refusal threshold), distinct rules hit, and the gateway's refusals. */
  readonly nearMisses: number;
  readonly rules: number;
  readonly refusals: number;
  /** Ids of the packages and libraries this client loaded (bounded). */
  readonly packages: readonly string[];
}

/** One finished request as the update sees it. */
export interface ClientEvent {
  /** 1 when the compile service answered with an outcome of its own. */
  readonly compile: 0 | 1;
  readonly texError: 0 | 1;
  readonly exhaustion: number;
  /** -1 without code. */
  readonly complexity: number;
  readonly size: number;
  /** -1 when no answer of the compile service was seen. */
  readonly output: number;
  readonly nearMisses: number;
  readonly rules: number;
  /** 1 when the gateway refused the request itself (counted once, as history). */
  readonly refused: 0 | 1;
  readonly packages: readonly string[];
}

export interface DecayParams {
  readonly rateHalfMs: number;
  readonly halfMs: number;
}

export interface UpdateParams extends DecayParams {
  readonly ttlMs: number;
  readonly alpha: number;
  readonly maxPackages: number;
}

export const FIELDS = 16;
const MAX_EVENTS = 1_000_000_000;

/** Decay factor over dt ms for a half-life (1 when time stood still or ran backwards). */
export function decay(dt: number, halfMs: number): number {
  return dt > 0 ? Math.exp((-dt * Math.LN2) / halfMs) : 1;
}

/** The stored text back to a state; null when missing or not a record of this shape (then the client is new). */
/**
 * The last two texts parsed and what they gave: the request phase and the log phase's script usually parse the
 * same stored text (a state is immutable, so sharing it is safe). Only parse results are kept, never states
 * computed in between, so the TypeScript twin still starts from exactly what Lua would read.
 */
const memoText: [string, string] = ['', ''];
const memoState: [ClientState | null, ClientState | null] = [null, null];

export function parseClient(raw: string | null): ClientState | null {
  if (raw === null || raw === '') return null;
  if (raw === memoText[0]) return memoState[0];
  if (raw === memoText[1]) return memoState[1];
  const s = parseText(raw);
  memoText[1] = memoText[0];
  memoState[1] = memoState[0];
  memoText[0] = raw;
  memoState[0] = s;
  return s;
}

function parseText(raw: string): ClientState | null {
  const p = raw.split(',');
  if (p.length !== FIELDS) return null;
  const v = new Array<number>(FIELDS - 1);
  for (let i = 0; i < FIELDS - 1; i++) {
    const x = Number(p[i]);
    if (!Number.isFinite(x)) return null;
    v[i] = x;
  }
  return {
    t: v[0]!,
    first: v[1]!,
    events: v[2]!,
    rate: v[3]!,
    compiles: v[4]!,
    texErrors: v[5]!,
    exhaustion: v[6]!,
    cxMean: v[7]!,
    cxVar: v[8]!,
    cxCount: v[9]!,
    size: v[10]!,
    output: v[11]!,
    nearMisses: v[12]!,
    rules: v[13]!,
    refusals: v[14]!,
    packages: p[15] === '' ? [] : p[15]!.split('.'),
  };
}

/** The counters as of `now` (EWMAs do not decay: they move only with events). */
export function decayTo(s: ClientState, now: number, p: DecayParams): ClientState {
  const dt = now - s.t;
  if (dt <= 0) return s;
  const d = decay(dt, p.halfMs);
  return {
    ...s,
    t: now,
    rate: s.rate * decay(dt, p.rateHalfMs),
    compiles: s.compiles * d,
    texErrors: s.texErrors * d,
    exhaustion: s.exhaustion * d,
    nearMisses: s.nearMisses * d,
    rules: s.rules * d,
    refusals: s.refusals * d,
  };
}

const f4 = (x: number): string => x.toFixed(4);

/** The stored text of a state: fixed four decimals, as Lua's %.4f writes them, so both twins store the same. */
export function formatClient(s: ClientState): string {
  return [
    String(s.t),
    String(s.first),
    String(s.events),
    f4(s.rate),
    f4(s.compiles),
    f4(s.texErrors),
    f4(s.exhaustion),
    f4(s.cxMean),
    f4(s.cxVar),
    String(s.cxCount),
    f4(s.size),
    f4(s.output),
    f4(s.nearMisses),
    f4(s.rules),
    f4(s.refusals),
    s.packages.join('.'),
  ].join(',');
}

/** The state after one event at `now` (a missing state starts the client). Mirrors UPDATE_LUA line by line. */
export function applyEvent(
  prev: ClientState | null,
  now: number,
  e: ClientEvent,
  p: Omit<UpdateParams, 'ttlMs'>,
): ClientState {
  const s = prev === null ? null : decayTo(prev, now, p);
  const a = p.alpha;
  let cxMean = s?.cxMean ?? 0;
  let cxVar = s?.cxVar ?? 0;
  let cxCount = s?.cxCount ?? 0;
  if (e.complexity >= 0) {
    if (cxCount === 0) {
      cxMean = e.complexity;
      cxVar = 0;
    } else {
      const diff = e.complexity - cxMean;
      const incr = a * diff;
      cxMean += incr;
      cxVar = (1 - a) * (cxVar + diff * incr);
    }
    cxCount = Math.min(cxCount + 1, MAX_EVENTS);
  }
  const size = s === null ? e.size : s.size + a * (e.size - s.size);
  let output = s?.output ?? 0;
  if (e.output >= 0) output = output === 0 ? e.output : output + a * (e.output - output);
  const packages = s === null ? [] : [...s.packages];
  for (const id of e.packages) if (packages.length < p.maxPackages && !packages.includes(id)) packages.push(id);
  return {
    t: now,
    first: s?.first ?? now,
    events: Math.min((s?.events ?? 0) + 1, MAX_EVENTS),
    rate: (s?.rate ?? 0) + 1,
    compiles: (s?.compiles ?? 0) + e.compile,
    texErrors: (s?.texErrors ?? 0) + e.texError,
    exhaustion: (s?.exhaustion ?? 0) + e.exhaustion,
    cxMean,
    cxVar,
    cxCount,
    size,
    output,
    nearMisses: (s?.nearMisses ?? 0) + e.nearMisses,
    rules: (s?.rules ?? 0) + e.rules,
    refusals: (s?.refusals ?? 0) + e.refused,
    packages,
  };
}
