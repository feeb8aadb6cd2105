// A streamed (uninspected) chunked body with a byte cap: the upstream request fails once it is exceeded.
import type { Readable } from 'node:stream';
import { BodyTooLargeError } from '../core/errors.js';

export async function* limitedBody(source: Readable, limit: number): AsyncGenerator<Buffer> {
  let size = 0;
  for await (const chunk of source) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new BodyTooLargeError();
    yield buf;
  }
}
