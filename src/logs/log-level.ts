/**
 * Severity levels, normalised from what applications write: JSON fields ("level": "warning",
 * pino's numbers 10–60) and the words plain-text loggers put near the start of a line
 * ("ERROR", "[warn]", "FATAL:", "level=error").
 */

export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type Level = (typeof LEVELS)[number];

export function levelRank(l: Level): number {
  return LEVELS.indexOf(l);
}

const NAMES: Record<string, Level> = {
  trace: 'trace',
  trc: 'trace',
  debug: 'debug',
  dbg: 'debug',
  info: 'info',
  inf: 'info',
  information: 'info',
  notice: 'info',
  log: 'info',
  warn: 'warn',
  wrn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  eror: 'error',
  fatal: 'fatal',
  ftl: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
  panic: 'fatal',
  alert: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
};

/** A level field's value (string or number), or null when it names no level we know. */
export function normaliseLevel(value: unknown): Level | null {
  if (typeof value === 'number') {
    // pino/bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal.
    if (value >= 60) return 'fatal';
    if (value >= 50) return 'error';
    if (value >= 40) return 'warn';
    if (value >= 30) return 'info';
    if (value >= 20) return 'debug';
    if (value >= 10) return 'trace';
    return null;
  }
  if (typeof value !== 'string' || value.length > 12) return null;
  return NAMES[value.trim().toLowerCase()] ?? null;
}

// Upper-case words only (a message that says "no errors" is not an error), bracketed words in
// any case ("[error]" as nginx writes), and logfmt's level=…; near the start of the line.
const WORD = /(?:^|[\s[(|])(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|PANIC)(?=[\s\]):|]|$)/;
const BRACKET = /\[(trace|debug|info|notice|warn|warning|error|crit|alert|emerg)\]/i;
const LOGFMT = /(?:^|\s)(?:level|lvl|severity)=["']?([A-Za-z]+)/;
const HEAD = 200;

export function detectTextLevel(text: string): Level | null {
  const head = text.length > HEAD ? text.slice(0, HEAD) : text;
  const m = WORD.exec(head) ?? BRACKET.exec(head) ?? LOGFMT.exec(head);
  return m ? normaliseLevel(m[1]!) : null;
}
