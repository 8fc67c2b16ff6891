/**
 * Helpers for the log e2e tests: a real terminal (a private tmux server on its own socket, so
 * window titles, OSC 52 clipboard buffers, the alternate screen and the cursor can be inspected
 * after hostile output went through), and short-lived containers of our own in the lab's dockerd.
 * Everything started here is stopped by the test that started it (tmux kill-server on our own
 * socket, containers removed by ID).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { shellCommand } from '../../src/transport/shell-quote.js';

let serial = 0;

export interface Terminal {
  /** The screen as text (no escapes). */
  screen(): string;
  title(): string;
  /** tmux paste buffers: OSC 52 writes land here when set-clipboard is on. */
  buffers(): string;
  alternateScreen(): boolean;
  dead(): boolean;
  sendKeys(...keys: string[]): void;
  /** Paste text as tmux does, bracketed if the program asked for bracketed paste. */
  paste(text: string): void;
  /** A tmux format of the pane, e.g. '#{cursor_flag}'. */
  format(expr: string): string;
  kill(): void;
}

/** Run argv in a fresh tmux server (width × height), with set-clipboard on so OSC 52 would show. */
export function startTerminal(argv: readonly string[], opts: { width?: number; height?: number; cwd?: string; env?: Record<string, string> } = {}): Terminal {
  const name = `opsdeck-logs-e2e-${process.pid}-${serial++}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-tmux-'));
  const conf = path.join(dir, 'tmux.conf');
  fs.writeFileSync(conf, ['set -g set-clipboard on', 'set -g remain-on-exit on', 'set -g history-limit 20000', 'set -g default-terminal xterm-256color', ''].join('\n'));
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', name, '-f', conf, ...args], { encoding: 'utf8', env: { ...process.env, ...opts.env } });
  const envPrefix = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const command = shellCommand(envPrefix.length ? ['env', ...envPrefix, ...argv] : [...argv]);
  tmux('new-session', '-d', '-s', 'main', '-x', String(opts.width ?? 120), '-y', String(opts.height ?? 40), '-c', opts.cwd ?? process.cwd(), command);
  return {
    screen: () => tmux('capture-pane', '-p', '-t', 'main', '-S', '-20000'),
    title: () => tmux('display-message', '-p', '-t', 'main', '#{pane_title}').trim(),
    buffers: () => tmux('list-buffers', '-F', '#{buffer_name}:#{buffer_sample}'),
    alternateScreen: () => tmux('display-message', '-p', '-t', 'main', '#{alternate_on}').trim() === '1',
    dead: () => tmux('display-message', '-p', '-t', 'main', '#{pane_dead}').trim() === '1',
    sendKeys: (...keys) => void tmux('send-keys', '-t', 'main', ...keys),
    paste: (text) => {
      tmux('set-buffer', '-b', 'opsdeck-paste', text);
      tmux('paste-buffer', '-p', '-d', '-b', 'opsdeck-paste', '-t', 'main');
    },
    format: (expr) => tmux('display-message', '-p', '-t', 'main', expr).trim(),
    kill: () => {
      try {
        tmux('kill-server');
      } catch {
        // already gone
      }
      fs.rmSync(dir, { recursive: true, force: true });
      // The server's socket file, when kill-server left it behind.
      fs.rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, name), { force: true });
    },
  };
}

/** A container of our own in the lab's dockerd (busybox, no network), removed with remove(). */
export async function runContainer(docker: Docker, opts: { name: string; tty: boolean; script: string; labels?: Record<string, string> }): Promise<{ id: string; remove(): Promise<void> }> {
  const c = await docker.createContainer({
    name: opts.name,
    Image: 'busybox:1.36',
    Tty: opts.tty,
    Cmd: ['/bin/sh', '-c', opts.script],
    Labels: { 'opsdeck.e2e': 'logs', ...(opts.labels ?? {}) },
    HostConfig: { NetworkMode: 'none' },
  });
  await c.start();
  return {
    id: c.id,
    remove: async () => {
      await c.remove({ force: true }).catch(() => undefined);
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
