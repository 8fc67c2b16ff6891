/**
 * `w` in the log view: the lines on screen (the filtered buffer) to a file on this machine, as
 * plain text without colours. Logs can hold secrets, so the file is created 0600, and an
 * existing file is never overwritten.
 */
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatPlainLine, tagWidth } from './log-format.js';
import type { LogLine } from './log-line.js';
import { formatCount } from '../render/count.js';

export interface SaveResult {
  ok: boolean;
  /** One line for the view's notice. */
  message: string;
  path?: string;
}

export function resolveSavePath(input: string, cwd: string, home: string = os.homedir()): string {
  const p = input.trim();
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return path.resolve(cwd, p);
}

export async function saveLines(input: string, lines: readonly LogLine[], opts: { tags: readonly string[] | null; cwd: string }): Promise<SaveResult> {
  if (input.trim() === '') return { ok: false, message: 'no file name given; nothing saved' };
  const file = resolveSavePath(input, opts.cwd);
  const plain = { tags: opts.tags, tagWidth: tagWidth(opts.tags ?? []), timestamps: true, colour: false };
  let handle;
  try {
    handle = await open(file, 'wx', 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' ? 'the file exists (choose another name)' : code === 'ENOENT' ? 'the directory does not exist' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    return { ok: false, message: `cannot save to ${file}: ${why}` };
  }
  try {
    // In slices, so a full 64 MB buffer never becomes one giant string.
    const SLICE = 2000;
    for (let i = 0; i < lines.length; i += SLICE) {
      const text = lines
        .slice(i, i + SLICE)
        .map((l) => formatPlainLine(l, plain))
        .join('\n');
      await handle.write(text + '\n');
    }
  } catch (err) {
    return { ok: false, message: `cannot write ${file}: ${(err as Error).message}` };
  } finally {
    await handle.close();
  }
  return { ok: true, message: `saved ${formatCount(lines.length)} lines to ${file}`, path: file };
}
