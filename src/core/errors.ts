// Typed gateway errors with stable GW_ERR_* codes: faults, not refusals (refusals are Verdict values).

export type ErrorCode =
  | 'GW_ERR_CONFIG'
  | 'GW_ERR_CONFIG_IO'
  | 'GW_ERR_STORE'
  | 'GW_ERR_STORE_TIMEOUT'
  | 'GW_ERR_UPSTREAM'
  | 'GW_ERR_CHECK'
  | 'GW_ERR_RULES'
  | 'GW_ERR_USAGE'
  | 'GW_ERR_INTERNAL';

export class GatewayError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
  }
}

/** One configuration problem, located in its file. */
export interface ConfigIssue {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly path: string;
  readonly message: string;
}

export function formatIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}:${i.col} ${i.path || '(root)'}: ${i.message}`;
}

/** Every problem of a configuration file at once. */
export class ConfigError extends GatewayError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super('GW_ERR_CONFIG', issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
