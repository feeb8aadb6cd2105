// A streamed (uninspected) chunked body with a byte cap: the upstream request fails once it is exceeded.
import type { Readable } from 'node:stream';

export class BodyTooLargeError extends Error {
  readonly code = 'GW_BODY_TOO_LARGE';
}

export async function* limitedBody(source: Readable, limit: number): AsyncGenerator<Buffer> {
  let size = 0;
  for await (const chunk of source) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new BodyTooLargeError('request body exceeds the route limit');
    yield buf;
  }
}
