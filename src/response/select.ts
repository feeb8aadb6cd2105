// Which response checks see a route's answers: worked out once per snapshot and route, so a route that inspects
// nothing streams its answers (no buffering) and a route that does pays one Map read to know it.
import type { ResponseCheck } from '../core/check.js';

const NONE: readonly ResponseCheck[] = Object.freeze([]);
/** Keyed by the snapshot's frozen list of response checks: a reload makes a new list, so a new table. */
const tables = new WeakMap<readonly ResponseCheck[], Map<string | null, readonly ResponseCheck[]>>();

/** The response checks for answers of `route` (null: a request that matched no route), in configured order. */
export function responseChecksFor(all: readonly ResponseCheck[], route: string | null): readonly ResponseCheck[] {
  if (all.length === 0) return NONE;
  let table = tables.get(all);
  if (table === undefined) tables.set(all, (table = new Map()));
  let list = table.get(route);
  if (list === undefined) {
    list = Object.freeze(all.filter((c) => c.routes === undefined || (route !== null && c.routes.has(route))));
    table.set(route, list.length === 0 ? NONE : list);
  }
  return list;
}
