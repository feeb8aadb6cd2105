// Types for bench/lib/options.mjs (so the TypeScript tests can import it).
export const USAGE: string;
export interface BenchBody {
  arg: string;
  file: string;
  bytes: number;
  label: string;
}
export interface BenchOptions {
  o: Record<string, unknown>;
  cfg?: Record<string, number | boolean>;
  bodies?: BenchBody[];
  gateways?: { name: string; file: string }[];
  rowHeaders?: Map<string, Record<string, string>>;
  sharedPids?: number[];
}
export function readOptions(argv: string[]): BenchOptions;
