import pino, { type Logger } from 'pino';
import type { Config } from '../config';

/** One structured JSON log stream (pino); level from config. */
export function createLogger(level: Config['logLevel']): Logger {
  return pino({ level, base: { service: 'weft' } });
}
export type { Logger };
