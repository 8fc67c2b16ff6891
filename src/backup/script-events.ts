/**
 * The generated script reports on stdout, one event per line:
 *   @opsdeck<TAB>2026-11-22T03:00:01Z<TAB>kind<TAB>field…
 * Everything else on stdout (there should be nothing) and all of stderr is tool output. Fields
 * come from a server: they are sanitised here, where they enter opsdeck.
 */
import { sanitise } from '../text/sanitise.js';

export type ScriptEvent =
  | { kind: 'start'; at: string; mode: string; trigger: string }
  | { kind: 'step'; at: string; step: string; subject: string }
  | { kind: 'bytes'; at: string; bytes: number }
  | { kind: 'backup'; at: string; id: string; bytes: number; sha256: string }
  | { kind: 'warn'; at: string; step: string; message: string }
  | { kind: 'fail'; at: string; step: string; message: string }
  | { kind: 'offsite'; at: string; id: string; compared: string }
  | { kind: 'keep'; at: string; id: string; reasons: string[] }
  | { kind: 'prune'; at: string; id: string; dryRun: boolean }
  | { kind: 'finished'; at: string; code: number }
  | { kind: 'stopped'; at: string };

const PREFIX = '@opsdeck\t';

export function parseEventLine(line: string): ScriptEvent | undefined {
  if (!line.startsWith(PREFIX)) return undefined;
  const [at = '', kind = '', ...f] = line.slice(PREFIX.length).split('\t').map((x) => sanitise(x));
  const num = (s: string | undefined) => (s !== undefined && /^\d{1,18}$/.test(s) ? Number(s) : 0);
  switch (kind) {
    case 'start':
      return { kind, at, mode: f[0] ?? '', trigger: f[1] ?? '' };
    case 'step':
      return { kind, at, step: f[0] ?? '', subject: f[1] ?? '' };
    case 'bytes':
      return { kind, at, bytes: num(f[0]) };
    case 'backup':
      return { kind, at, id: f[0] ?? '', bytes: num(f[1]), sha256: f[2] ?? '' };
    case 'warn':
      return { kind, at, step: f[0] ?? '', message: f.slice(1).join(' ') };
    case 'fail':
      return { kind, at, step: f[0] ?? '', message: f.slice(1).join(' ') };
    case 'offsite':
      return { kind, at, id: f[0] ?? '', compared: f[1] ?? '' };
    case 'keep':
      return { kind, at, id: f[0] ?? '', reasons: (f[1] ?? '').split(',').filter(Boolean) };
    case 'pruned':
      return { kind: 'prune', at, id: f[0] ?? '', dryRun: false };
    case 'would-prune':
      return { kind: 'prune', at, id: f[0] ?? '', dryRun: true };
    case 'finished':
      return { kind, at, code: num(f[0]) };
    case 'stopped':
      return { kind, at };
    default:
      return undefined;
  }
}

/** Splits a byte stream into lines (a chunk may end mid-line, or mid-character). */
export class LineSplitter {
  #rest = '';
  #decoder = new TextDecoder('utf-8');

  push(chunk: Buffer | string): string[] {
    this.#rest += typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    const lines = this.#rest.split('\n');
    this.#rest = lines.pop() ?? '';
    // A line cannot grow without bound if a tool prints without newlines.
    if (this.#rest.length > 64 * 1024) {
      lines.push(this.#rest);
      this.#rest = '';
    }
    return lines;
  }

  end(): string[] {
    const last = this.#rest + this.#decoder.decode();
    this.#rest = '';
    return last ? [last] : [];
  }
}

/** The last lines of a stream, for error messages; sanitised, bounded. */
export class Tail {
  #lines: string[] = [];
  constructor(private readonly max = 20) {}
  add(line: string): void {
    const s = sanitise(line).trim();
    if (!s) return;
    this.#lines.push(s.length > 400 ? `${s.slice(0, 400)}…` : s);
    if (this.#lines.length > this.max) this.#lines.shift();
  }
  lines(): string[] {
    return [...this.#lines];
  }
}
