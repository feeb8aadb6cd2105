// The admin API handler contract: what a module serves under `METHOD /admin/api/...` (the admin listener checks
// the bearer token before it runs). In core/ because checks register them and http/ serves them.
import type { IncomingMessage } from 'node:http';

export type AdminHandler = (
  req: IncomingMessage,
  body: unknown,
  url: URL,
) => Promise<{ status: number; body: unknown }>;
