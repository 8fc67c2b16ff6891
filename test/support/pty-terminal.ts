/**
 * The bundled app on a real pseudo-terminal (`script`), drawn into a headless xterm so a test can
 * read the screen as a person would see it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import xterm from '@xterm/headless';
import { shellCommand } from '../../src/transport/shell-quote.js';

/** The environment without CI markers (Ink draws only its last frame in CI) and without DOCKER_* redirects. */
export function interactiveEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && k !== 'CONTINUOUS_INTEGRATION' && !k.startsWith('CI_') && !k.startsWith('DOCKER_')));
  return { ...env, TERM: 'xterm-256color', OPSDECK_CONFIG: '/nonexistent/opsdeck-e2e.json', ...extra };
}

export interface PtyTerminal {
  child: ChildProcessWithoutNullStreams;
  term: InstanceType<typeof xterm.Terminal>;
  /** Everything the program wrote so far, escapes and all (the newest part only, past `maxRawBytes`). */
  raw(): string;
  /** What `script` itself wrote to stderr. */
  stderr(): string;
  exited: Promise<number | null>;
  /** The visible rows, as text, once every byte received so far is drawn. */
  screen(): Promise<string[]>;
}

export function startOnPty(argv: readonly string[], opts: { cols: number; rows: number; env?: NodeJS.ProcessEnv; maxRawBytes?: number }): PtyTerminal {
  const { cols, rows } = opts;
  const child = spawn('script', ['-qfec', `stty cols ${cols} rows ${rows} && exec ${shellCommand(argv)}`, '/dev/null'], {
    env: opts.env ?? interactiveEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  let raw = '';
  let err = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    raw += d;
    // A long run keeps its last quarter when it passes the cap, so a test can still look back.
    if (opts.maxRawBytes !== undefined && raw.length > opts.maxRawBytes) raw = raw.slice(-(opts.maxRawBytes >> 2));
    term.write(d);
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const screen = async () => {
    await new Promise<void>((r) => term.write('', r));
    const buf = term.buffer.active;
    return Array.from({ length: rows }, (_, y) => buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
  };
  return { child, term, raw: () => raw, stderr: () => err, exited, screen };
}

/**
 * Wait until the visible screen satisfies `ok` (every `onScreen` sees each screen read, e.g. to
 * check that none shows a secret); throws with `what` and the last screen after `ms`.
 */
export async function waitForScreen(t: PtyTerminal, what: string, ok: (screen: string) => boolean, ms = 30_000, onScreen?: (screen: string) => void): Promise<string> {
  for (const end = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 100))) {
    const s = (await t.screen()).join('\n');
    onScreen?.(s);
    if (ok(s)) return s;
    if (Date.now() > end) throw new Error(`${what}:\n${s}`);
  }
}
