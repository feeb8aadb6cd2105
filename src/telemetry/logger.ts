// pino loggers: the operational log, and redaction of credentials wherever they could appear.
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';

export type Logger = PinoLogger;

/** Paths pino blanks out: credentials never reach a log line. */
export const REDACT_PATHS: readonly string[] = [
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["x-api-key"]',
  'headers["proxy-authorization"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'token',
  'tokens',
  'password',
  'api_key',
  'admin.tokens',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const opts = { level, base: { svc: 'portcullis' }, redact: { paths: [...REDACT_PATHS], censor: '[redacted]' } };
  return destination ? pino(opts, destination) : pino(opts);
}
