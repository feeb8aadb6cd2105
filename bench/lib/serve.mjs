// The bench's own servers (bare server, refusal floor, upstream): listen on 127.0.0.1 (PORT, 0: any free port),
// print {"listening": port, ...extra} once bound (what bench/lib/procs.mjs waits for), stop on SIGTERM/SIGINT.
/** @param {import('node:http').Server} server @param {Record<string, unknown>} [extra] */
export function serve(server, extra = {}) {
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const address = server.address();
    console.log(
      JSON.stringify({ listening: typeof address === 'object' && address !== null ? address.port : 0, ...extra }),
    );
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
