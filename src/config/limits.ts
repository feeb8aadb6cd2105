// Upper bounds for the numbers of gateway.yaml: what Node's timers can hold and what one process can use.
// Without them a value passes validation and fails at run time: setTimeout fires at once past 2^31-1 ms,
// and caches that allocate their capacity up front (lru-cache) die of out-of-memory at start.
import { z } from 'zod';

/** Largest delay a Node timer holds (2^31-1 ms, about 24.8 days); every derived delay must stay below it. */
export const TIMER_MAX_MS = 2_147_483_647;
/** Longest timeout or interval of any kind: one day (well under TIMER_MAX_MS, even summed with two more). */
export const MAX_TIMEOUT_MS = 86_400_000;
/** The same day in seconds, for intervals and Retry-After values given in seconds. */
export const MAX_INTERVAL_S = 86_400;
/** Longest lifetime of a stored record (block, quota window, memory of offences): one year, in seconds. */
export const MAX_LIFETIME_S = 31_536_000;
/** Largest size in bytes or characters: 1 GiB. */
export const MAX_BYTES = 1_073_741_824;
/** Largest store: entries held in memory (lru-cache reserves room for all of them up front). */
export const MAX_STORE_KEYS = 10_000_000;
/** Largest per-process cache or table of clients. */
export const MAX_CACHE_ENTRIES = 1_000_000;
/** Most connections or requests at once. */
export const MAX_CONNECTIONS = 65_536;
/** Largest count of requests in a rate limit, and largest score or threshold. */
export const MAX_COUNT = 1_000_000_000;
export const MAX_SCORE = 1_000_000;

/** A timeout or interval in milliseconds: 1 ms to one day. */
export const timeoutMs = () => z.number().int().positive().max(MAX_TIMEOUT_MS);
/** An interval in seconds: 1 s to one day. */
export const intervalS = () => z.number().int().positive().max(MAX_INTERVAL_S);
/** A record's lifetime in seconds: 1 s to one year. */
export const lifetimeS = () => z.number().int().positive().max(MAX_LIFETIME_S);
/** A size in bytes or characters: 1 to 1 GiB. */
export const bytes = () => z.number().int().positive().max(MAX_BYTES);
