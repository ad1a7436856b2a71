// Structured logs: one JSON object per line. Callers pass fields explicitly; nothing here ever
// receives a token, a secret or key material (those never reach a log call).
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(sink: (line: string) => void, opts: { debug?: boolean; component?: string } = {}): Logger {
  const log = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
    if (level === 'debug' && !opts.debug) return;
    sink(JSON.stringify({ ts: new Date().toISOString(), level, component: opts.component ?? 'composer', msg, ...fields }));
  };
  return {
    log,
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    debug: (m, f) => log('debug', m, f),
  };
}

export const stderrSink = (line: string) => process.stderr.write(line + '\n');
