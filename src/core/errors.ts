// Typed gateway errors with stable GW_ERR_* codes: faults, not refusals (refusals are Verdict values).

// Codes are stable: code outside this file may tell errors apart by them (prefer `instanceof` on the classes
// below). The three without ERR_ predate this file and are kept as spelt because they are matched already.
export type ErrorCode =
  | 'GW_ERR_CONFIG'
  | 'GW_ERR_CONFIG_IO'
  | 'GW_ERR_STORE'
  | 'GW_ERR_STORE_TIMEOUT'
  | 'GW_ERR_UPSTREAM'
  | 'GW_ERR_CHECK'
  | 'GW_ERR_RULES'
  | 'GW_ERR_USAGE'
  | 'GW_ERR_LISTEN'
  | 'GW_ERR_INTERNAL'
  | 'GW_ERR_GEO_DATABASE'
  | 'GW_ERR_PATTERN_SYNTAX'
  | 'GW_BODY_TOO_LARGE'
  | 'GW_RESPONSE_TOO_LARGE'
  | 'GW_CLIENT_GONE';

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

/** Bounded metric label values for store errors. */
export type StoreErrorKind = 'timeout' | 'connection' | 'busy' | 'script' | 'closed' | 'cross_slot';

/** A store failure, classified: "the backend is unreachable or slow" (a policy decides) vs "a script is wrong". */
export class StoreError extends GatewayError {
  readonly kind: StoreErrorKind;
  constructor(kind: StoreErrorKind, message: string, options?: { cause?: unknown }) {
    super(kind === 'timeout' ? 'GW_ERR_STORE_TIMEOUT' : 'GW_ERR_STORE', message, options);
    this.name = 'StoreError';
    this.kind = kind;
  }

  /** True when the backend cannot answer now (fail-open/fail-closed applies); false for faults in the caller. */
  get unavailable(): boolean {
    return this.kind === 'timeout' || this.kind === 'connection' || this.kind === 'busy';
  }
}

/** A streamed request body went past the route's byte cap (the upstream request is failed with it: 413). */
export class BodyTooLargeError extends GatewayError {
  constructor(message = 'request body exceeds the route limit') {
    super('GW_BODY_TOO_LARGE', message);
    this.name = 'BodyTooLargeError';
  }
}

/** An upstream response went past `upstream.max_response_bytes` (the dispatch is aborted with it: 502). */
export class ResponseTooLargeError extends GatewayError {
  constructor(message = 'upstream response exceeds the cap') {
    super('GW_RESPONSE_TOO_LARGE', message);
    this.name = 'ResponseTooLargeError';
  }
}

/** The client closed its connection: the upstream request is abandoned, never reported as an upstream fault. */
export class ClientGoneError extends GatewayError {
  constructor(message = 'client closed the connection') {
    super('GW_CLIENT_GONE', message);
    this.name = 'ClientGoneError';
  }
}

/** A MaxMind database byte-level violation (the verifier wraps it into InvalidDatabase with the section). */
export class FormatError extends GatewayError {
  constructor(message: string) {
    super('GW_ERR_GEO_DATABASE', message);
    this.name = 'FormatError';
  }
}

/** Why a geo database was refused (the message names the section and the offending offset). */
export class InvalidDatabase extends GatewayError {
  constructor(message: string) {
    super('GW_ERR_GEO_DATABASE', message);
    this.name = 'InvalidDatabase';
  }
}

/** A rule pattern the prefilter planner does not read (it then falls back to the whole pattern). */
export class PatternSyntaxError extends GatewayError {
  constructor(message: string) {
    super('GW_ERR_PATTERN_SYNTAX', message);
    this.name = 'PatternSyntaxError';
  }
}
