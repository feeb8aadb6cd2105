// Test helper: a CRS engine input (src/crs/input.ts's CrsInput) for a POST /compile with a JSON body, any part
// replaced by `over`; `entry` builds one (key, value) pair as buildInput does.
import type { CrsInput, Entry } from '../../src/crs/input.js';

export const entry = (key: string, value: string): Entry => ({ key, lkey: key.toLowerCase(), value });

export function crsInput(over: Partial<CrsInput> = {}): CrsInput {
  return {
    method: 'POST',
    uri: '/compile',
    filename: '/compile',
    basename: 'compile',
    protocol: 'HTTP/1.1',
    queryString: '',
    body: '',
    bodyLength: 0,
    bodyProcessor: 'JSON',
    remoteAddr: '127.0.0.1',
    uniqueId: 'r1',
    argsGet: [],
    argsPost: [],
    headers: [entry('host', 'localhost')],
    cookies: [],
    xml: [],
    files: [],
    partHeaders: [],
    ...over,
  };
}
