// Route table: built once from config, looked up by method + canonical path per request.
import type { RouteConfig } from '../config/schema.js';
import type { CompiledRoute } from '../core/route.js';
import { buildCompileSettings } from '../proxy/compile-outcome.js';

export type { CompiledRoute } from '../core/route.js';

export interface RouteDefaults {
  readonly maxResponseBytes: number;
  readonly responseTimeoutMs: number;
  /** Fold case before matching (route paths are folded at build time). */
  readonly caseInsensitive: boolean;
  /** Tiers that label compile metrics (the configured rate tiers); others count as `other`. */
  readonly tiers?: readonly string[];
}

export interface Router {
  /** null: no route for this path; 'method' : path known but method not allowed. */
  match(method: string, path: string): CompiledRoute | null;
  readonly routes: readonly CompiledRoute[];
}

function compile(r: RouteConfig, d: RouteDefaults): CompiledRoute {
  return Object.freeze({
    name: r.name,
    config: Object.freeze({ ...r }),
    methods: r.methods.includes('*') ? null : new Set(r.methods),
    inspect: r.inspect_body,
    contentTypes: r.content_types.length === 0 ? null : new Set(r.content_types),
    codeFields: new Set(r.code_fields),
    maxResponseBytes: r.max_response_bytes ?? d.maxResponseBytes,
    responseTimeoutMs: r.response_timeout_ms ?? d.responseTimeoutMs,
    compile: r.compile === undefined ? null : buildCompileSettings(r.compile, d.tiers ?? []),
  });
}

/** Exact paths hit a Map; prefixes (`/static/*`) are tried longest first. First declared route wins on ties. */
export function buildRouter(configs: readonly RouteConfig[], d: RouteDefaults): Router {
  const routes = configs.map((r) => compile(r, d));
  const exact = new Map<string, CompiledRoute[]>();
  const prefixes: Array<{ prefix: string; route: CompiledRoute }> = [];
  for (const route of routes) {
    const p = d.caseInsensitive ? route.config.path.toLowerCase() : route.config.path;
    if (p.endsWith('/*')) prefixes.push({ prefix: p.slice(0, -1), route });
    else {
      const list = exact.get(p) ?? [];
      list.push(route);
      exact.set(p, list);
    }
  }
  prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  const allows = (r: CompiledRoute, m: string) => r.methods === null || r.methods.has(m);
  return Object.freeze({
    routes,
    match(method: string, rawPath: string): CompiledRoute | null {
      const path = d.caseInsensitive ? rawPath.toLowerCase() : rawPath;
      const list = exact.get(path);
      if (list !== undefined) {
        for (const r of list) if (allows(r, method)) return r;
      }
      for (const { prefix, route } of prefixes) {
        if (path.startsWith(prefix) && allows(route, method)) return route;
      }
      return null;
    },
  });
}
