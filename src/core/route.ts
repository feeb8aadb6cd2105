// A matched route as every layer reads it: its name, compiled limits and the settings the request path uses.
// In core/ because the request context carries it; http/router.ts builds it from the configuration.
import type { CompileSettings } from './compile.js';

/** The route settings read per request (a structural view of config's RouteConfig: core imports no config). */
export interface RouteSettings {
  readonly name: string;
  readonly path: string;
  readonly max_body_bytes: number;
  /** Total score at which the decide phase refuses (403), and challenges (401). */
  readonly deny_score: number;
  readonly challenge_score?: number | undefined;
}

export interface CompiledRoute {
  readonly name: string;
  readonly config: Readonly<RouteSettings>;
  readonly methods: ReadonlySet<string> | null;
  readonly inspect: boolean;
  readonly contentTypes: ReadonlySet<string> | null;
  readonly codeFields: ReadonlySet<string>;
  readonly maxResponseBytes: number;
  readonly responseTimeoutMs: number;
  /** How this route's compile outcomes are read (`routes[].compile`); null: not a compile route. */
  readonly compile: CompileSettings | null;
}
