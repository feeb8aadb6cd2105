// The shape of a semantic rule (a check that spans several fields of a schema-valid config): its own file, so
// modules that add rules (ratelimit/validate.ts) and the list of rules (validate.ts) do not import each other.
import type { GatewayConfig } from './schema.js';
import type { ConfigPath } from './positions.js';

export interface SemanticIssue {
  /** Where the problem is reported (the loader turns it into line:col). */
  readonly path: ConfigPath;
  readonly message: string;
  /** Point at the mapping key rather than its value (for problems about the key itself). */
  readonly atKey?: boolean;
  /** Report only when the path is written in the file (a name a default filled in is not a typo). */
  readonly ifWritten?: boolean;
}

export type SemanticRule = (config: GatewayConfig) => readonly SemanticIssue[];
