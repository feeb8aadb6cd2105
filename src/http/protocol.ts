// Framing and Host ambiguities Node's parser lets through: refused before routing, never forwarded.
import type { IncomingMessage } from 'node:http';

/** Returns a reason code, or null when the request line and framing headers are unambiguous. */
export function protocolProblem(req: IncomingMessage): string | null {
  const te = req.headers['transfer-encoding'];
  // llhttp accepts e.g. "gzip" and fails later; only plain chunked framing is forwarded.
  if (te !== undefined && te.toLowerCase() !== 'chunked') return 'ambiguous_framing';
  const raw = req.rawHeaders;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === 4 && (n === 'Host' || n === 'host' || n.toLowerCase() === 'host')) hosts++;
  }
  if (hosts > 1) return 'duplicate_host';
  if (hosts === 0 && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1) return 'missing_host';
  return null;
}
