// A configuration problem found while building from a valid config (a rule file's regex, a list file's line, a
// database, a key file): thrown by the builders with the config key it concerns, positioned by the runtime.
import { GatewayError } from '../core/errors.js';
import { formatPath, type ConfigPath } from './positions.js';

export interface KeyProblem {
  /** The config key the problem is about (`geo.asn_database`, `checks.signatures.exclusions[0].rules[1]`). */
  readonly path: ConfigPath;
  readonly message: string;
}

export class ConfigKeyError extends GatewayError {
  readonly problems: readonly KeyProblem[];
  constructor(problems: readonly KeyProblem[], options?: { cause?: unknown }) {
    super('GW_ERR_CONFIG', problems.map((p) => `${formatPath(p.path)}: ${p.message}`).join('\n'), options);
    this.name = 'ConfigKeyError';
    this.problems = problems;
  }
}

/** `a.b[2].c` back to its parts, for builders that were handed a dotted label. */
export function parsePath(dotted: string): ConfigPath {
  const out: (string | number)[] = [];
  for (const m of dotted.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[1] !== undefined) out.push(m[1]);
  }
  return out;
}
