// Types for bench/lib/options.mjs (so the TypeScript tests can import it).
export const USAGE: string;
export interface BenchBody {
  arg: string;
  file: string;
  bytes: number;
  label: string;
}
/** What a row is sent: a --body (POST /compile, answered 200) or one of --reject's refused requests. */
export interface BenchRequest {
  label: string;
  what: string;
  method: string;
  path: string;
  contentType: string | null;
  file: string | null;
  bytes: number;
  /** The status a gateway row must answer (bare rows always answer 200). */
  expect: number;
  /** --reject: the least gateway ÷ bare-node ratio the issue asks for. */
  goal?: number;
}
export const REJECT_REQUESTS: readonly (Omit<BenchRequest, 'file' | 'bytes' | 'goal'> & { body: string | null })[];
export const REJECT_GOALS: Readonly<Record<string, number>>;
export interface BenchOptions {
  o: Record<string, unknown>;
  cfg?: Record<string, number | boolean>;
  bodies?: BenchBody[];
  requests?: BenchRequest[];
  /** --base REF as given, or null. */
  base?: string | null;
  /** inTree: the config file relative to the project (what --base-own-config looks for in the base). */
  gateways?: { name: string; file: string; inTree: string }[];
  rowHeaders?: Map<string, Record<string, string>>;
  sharedPids?: number[];
}
export function readOptions(argv: string[]): BenchOptions;
