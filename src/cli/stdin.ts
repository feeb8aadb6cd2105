// Reads all of stdin, bounded: the CLI's commands that take their input from a pipe.
import type { Readable } from 'node:stream';

/** Everything on `input` up to `maxBytes` (an error beyond: a mistaken pipe must not fill the memory). */
export async function readAll(input: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > maxBytes) throw new RangeError(`input larger than ${maxBytes} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
