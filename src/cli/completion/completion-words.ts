/**
 * The words that change with the user's files, for `opsdeck completion --words KIND`: saved
 * profile names, ssh_config Host aliases, fleet groups and runbook ids. Called on every <TAB>,
 * so it stays small: the profile store is read as plain JSON (no conf, no zod), ssh_config is
 * only tokenised (Host lines and Include), and the runbook catalogue is loaded only for
 * `runbooks`. Nothing here connects anywhere or runs anything from a file.
 *
 * A file that cannot be read or parsed gives no words rather than an error: completion must not
 * print to a terminal the user is typing in. Every word passes isSafeWord() (script-text.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { profileStorePath, PROFILE_NAME_RE } from '../../config/profile-path.js';
import { parseSshConfigText } from '../../config/ssh-config.js';
import { globPaths } from '../../config/path-glob.js';
import type { WordSource } from './completion-model.js';
import { isSafeWord } from './script-text.js';

/** Files larger than this are not read for completion (a profile store or ssh_config is a few KB). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
const MAX_INCLUDE_DEPTH = 16;
const MAX_FILES = 256;

export interface WordsOptions {
  env: NodeJS.ProcessEnv;
  /** --config on the line being completed. */
  configPath?: string;
  /** --ssh-config on the line being completed: read instead of ~/.ssh/config, without the system file (as ssh -F). */
  sshConfigPath?: string;
  /** /etc/ssh/ssh_config unless told otherwise; null to skip (tests). */
  systemSshConfig?: string | null;
}

function readSmall(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The saved profiles as { name: body }, from the store file as it is (not validated). */
function rawProfiles(opts: WordsOptions): Record<string, unknown> {
  const text = readSmall(profileStorePath({ env: opts.env, ...(opts.configPath !== undefined ? { configPath: opts.configPath } : {}) }));
  if (text === undefined) return {};
  try {
    const data: unknown = JSON.parse(text);
    return isRecord(data) && isRecord(data.profiles) ? data.profiles : {};
  } catch {
    return {};
  }
}

export function profileNames(opts: WordsOptions): string[] {
  return Object.keys(rawProfiles(opts)).filter((n) => PROFILE_NAME_RE.test(n) && isSafeWord(n));
}

export function groupNames(opts: WordsOptions): string[] {
  const groups = Object.values(rawProfiles(opts)).map((body) => (isRecord(body) ? body.group : undefined));
  return groups.filter((g): g is string => typeof g === 'string' && isSafeWord(g));
}

function homeOf(env: NodeJS.ProcessEnv): string {
  return env.HOME || os.homedir();
}

/**
 * The names in ssh_config `Host` lines that name one host: no `*`, `?` or `!` patterns. Include
 * is followed as OpenSSH does (globs; relative paths from ~/.ssh for the user's file, /etc/ssh for
 * the system's); Match blocks are not evaluated (an alias is a name whatever applies to it).
 */
export function sshConfigAliases(opts: WordsOptions): string[] {
  const home = homeOf(opts.env);
  const sshDir = path.join(home, '.ssh');
  const names: string[] = [];
  let files = 0;
  const read = (file: string, anchor: string, depth: number) => {
    if (files >= MAX_FILES) return;
    const text = readSmall(file);
    if (text === undefined) return;
    files++;
    // Line by line: a line ssh would reject (an open quote) costs its own names, not the file's.
    const lines = text.split(/\r?\n/).flatMap((row) => {
      try {
        return parseSshConfigText(row, file);
      } catch {
        return [];
      }
    });
    for (const line of lines) {
      if (line.key === 'host') {
        for (const p of line.args) if (!/[*?!]/.test(p) && isSafeWord(p)) names.push(p);
      } else if (line.key === 'include' && depth < MAX_INCLUDE_DEPTH) {
        for (const arg of line.args) {
          let p = arg.startsWith('~/') ? path.join(home, arg.slice(2)) : arg;
          if (!path.isAbsolute(p)) p = path.join(anchor, p);
          let matches: string[];
          try {
            matches = globPaths(p);
          } catch {
            continue;
          }
          for (const inc of matches) read(inc, anchor, depth + 1);
        }
      }
    }
  };
  if (opts.sshConfigPath !== undefined) {
    const explicit = opts.sshConfigPath.replace(/^~(?=\/)/, home);
    read(path.resolve(explicit), sshDir, 0);
  } else {
    read(path.join(sshDir, 'config'), sshDir, 0);
    const sys = opts.systemSshConfig === undefined ? '/etc/ssh/ssh_config' : opts.systemSshConfig;
    if (sys) read(sys, path.dirname(sys), 0);
  }
  return names;
}

export async function runbookIds(opts: WordsOptions): Promise<string[]> {
  const { loadCatalogue, runbookDirectories } = await import('../../runbook/catalogue.js');
  const dirs = runbookDirectories({ env: opts.env, ...(opts.configPath !== undefined ? { configPath: opts.configPath } : {}) });
  return loadCatalogue(dirs).runbooks.map((r) => r.id).filter(isSafeWord);
}

/** The words for one source, sorted, each once. */
export async function completionWords(source: WordSource, opts: WordsOptions): Promise<string[]> {
  let words: string[];
  switch (source) {
    case 'profiles':
      words = profileNames(opts);
      break;
    case 'groups':
      words = groupNames(opts);
      break;
    case 'hosts':
      words = [...profileNames(opts), ...sshConfigAliases(opts)];
      break;
    case 'runbooks':
      words = await runbookIds(opts);
      break;
  }
  return [...new Set(words.filter(isSafeWord))].sort();
}
