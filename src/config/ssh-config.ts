/**
 * Reading ssh_config(5) the way OpenSSH does, for the options opsdeck honours.
 *
 * Why not the `ssh-config` package's compute(): it has no Include, its `?` glob matches zero or
 * one character, and it runs `Match exec` commands and nslookup by default. Its parse() also
 * keeps no line numbers, which our error messages need. The grammar is small (readconf.c:
 * one keyword, an optional `=`, arguments split like argv_split()), so we read it here and
 * evaluate it with OpenSSH's rules:
 *  - the first obtained value of an option wins; IdentityFile (and CertificateFile) accumulate;
 *  - `Host` patterns with `*`, `?` and `!`; `Match` with all/host/originalhost/user/localuser
 *    (`exec`, `canonical` and `final` are never true here: we do not run commands found in
 *    config files, and say so in the warnings);
 *  - `Include` with globs, relative paths anchored in ~/.ssh (user files) or /etc/ssh (the
 *    system file), and an Include inside a non-matching block matching nothing (NEVERMATCH).
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { globPaths } from './path-glob.js';
import { matchPatternList } from './host-pattern.js';

export interface SshConfigLine {
  /** Keyword in lower case (OpenSSH keywords are case-insensitive). */
  key: string;
  /** The keyword as written, for messages. */
  keyword: string;
  /** Arguments split like OpenSSH's argv_split (quotes removed). */
  args: string[];
  /** The text after the keyword and separator, untouched (ProxyCommand takes it whole). */
  rest: string;
  file: string;
  line: number;
}

type Condition =
  | { kind: 'host'; patterns: string[] }
  | { kind: 'match'; criteria: { name: string; negate: boolean; arg?: string }[]; unsupported?: string }
  | { kind: 'never' };

interface FlatOption extends SshConfigLine {
  conds: Condition[];
}

export interface LoadedSshConfig {
  /** Files actually read, in order (for `hosts show` and doctor). */
  files: string[];
  options: FlatOption[];
  warnings: string[];
}

/** What one host's configuration says, before tokens are expanded. `where` names file:line per key. */
export interface SshHostConfig {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  identitiesOnly?: boolean;
  identityAgent?: string;
  userKnownHostsFiles?: string[];
  globalKnownHostsFiles?: string[];
  strictHostKeyChecking?: 'yes' | 'no' | 'ask' | 'accept-new';
  hashKnownHosts?: boolean;
  hostKeyAlias?: string;
  proxyJump?: string;
  proxyCommand?: string;
  connectTimeoutSeconds?: number;
  serverAliveIntervalSeconds?: number;
  serverAliveCountMax?: number;
  passwordAuthentication?: boolean;
  kbdInteractiveAuthentication?: boolean;
  pubkeyAuthentication?: boolean;
  batchMode?: boolean;
  where: Record<string, string>;
  warnings: string[];
}

const MAX_INCLUDE_DEPTH = 16;

/** Split arguments as OpenSSH's argv_split(): "double" and 'single' quotes, backslash escapes, `#` at an argument start ends the line. */
export function splitArgs(text: string): string[] | { error: string } {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i >= n) break;
    if (text[i] === '#') break;
    let arg = '';
    let quote: '"' | "'" | null = null;
    for (; i < n; i++) {
      const c = text[i]!;
      if (quote === null && (c === ' ' || c === '\t')) break;
      if (c === '\\' && i + 1 < n && (text[i + 1] === '\\' || text[i + 1] === '"' || text[i + 1] === "'" || (quote === null && text[i + 1] === ' '))) {
        arg += text[i + 1];
        i++;
        continue;
      }
      if (quote === null && (c === '"' || c === "'")) {
        quote = c;
        continue;
      }
      if (quote !== null && c === quote) {
        quote = null;
        continue;
      }
      arg += c;
    }
    if (quote !== null) return { error: 'unterminated quoted string' };
    out.push(arg);
  }
  return out;
}

/**
 * Spaces, tabs (and a stray CR at the end) off both ends. Not a regex: /[ \t\r]+$/ tries every
 * run of blanks to the end of the line, so a 200 KB line of spaces took V8 30 s.
 */
function trimBlanks(row: string): string {
  const blank = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r';
  let start = 0;
  let end = row.length;
  while (start < end && (row[start] === ' ' || row[start] === '\t')) start++;
  while (end > start && blank(row[end - 1])) end--;
  return row.slice(start, end);
}

/** A word from the file as quoted in a one-line error: a fuzzed line can be megabytes long. */
function shortWord(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

/** Tokenise one ssh_config file's text into keyword lines. */
export function parseSshConfigText(text: string, file: string): SshConfigLine[] {
  const lines: SshConfigLine[] = [];
  const rows = text.split(/\r?\n/);
  rows.forEach((row, idx) => {
    const trimmed = trimBlanks(row);
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const m = /^([^\s=]+)[ \t]*(?:=[ \t]*)?(.*)$/.exec(trimmed);
    if (!m) return;
    const keyword = m[1]!;
    const rest = m[2]!;
    const args = splitArgs(rest);
    if (!Array.isArray(args)) throw new UserError(`${file}:${idx + 1}: ${shortWord(keyword)}: ${args.error}`, { hint: 'Fix the quoting in that ssh_config line.' });
    lines.push({ key: keyword.toLowerCase(), keyword, args, rest, file, line: idx + 1 });
  });
  return lines;
}

export interface LoadOptions {
  /** The user's file (~/.ssh/config) or the one given with --ssh-config (then the system file is skipped, as with ssh -F). */
  userFile: string;
  /** True when userFile came from --ssh-config: it must exist. */
  userFileExplicit?: boolean;
  /** /etc/ssh/ssh_config unless told otherwise; null to skip. */
  systemFile?: string | null;
  home: string;
}

export function loadSshConfig(opts: LoadOptions): LoadedSshConfig {
  const result: LoadedSshConfig = { files: [], options: [], warnings: [] };
  const sshDir = path.join(opts.home, '.ssh');
  const readFile = (file: string, conds: Condition[], anchor: string, depth: number, required: boolean) => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!required && (code === 'ENOENT' || code === 'ENOTDIR')) return;
      throw new UserError(`cannot read ssh config ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, {
        hint: required ? 'Check the path given with --ssh-config.' : undefined,
      });
    }
    result.files.push(file);
    let blockConds: Condition[] = conds;
    for (const line of parseSshConfigText(text, file)) {
      if (line.key === 'host') {
        if (line.args.length === 0) throw new UserError(`${file}:${line.line}: Host needs at least one pattern`);
        blockConds = [...conds, { kind: 'host', patterns: line.args }];
        continue;
      }
      if (line.key === 'match') {
        blockConds = [...conds, parseMatch(line, result.warnings)];
        continue;
      }
      if (line.key === 'include') {
        if (depth >= MAX_INCLUDE_DEPTH) throw new UserError(`${file}:${line.line}: Include nested more than ${MAX_INCLUDE_DEPTH} deep (a loop?)`);
        for (const arg of line.args) {
          let p = arg.startsWith('~/') ? path.join(opts.home, arg.slice(2)) : arg;
          if (!path.isAbsolute(p)) p = path.join(anchor, p);
          // Included files are read even inside a non-matching block, but nothing in them can match then.
          for (const inc of globPaths(p)) readFile(inc, blockConds, anchor, depth + 1, false);
        }
        continue;
      }
      result.options.push({ ...line, conds: blockConds });
    }
  };
  readFile(opts.userFile, [], sshDir, 0, opts.userFileExplicit === true);
  if (!opts.userFileExplicit) {
    const sys = opts.systemFile === undefined ? '/etc/ssh/ssh_config' : opts.systemFile;
    if (sys) readFile(sys, [], path.dirname(sys), 0, false);
  }
  return result;
}

function parseMatch(line: SshConfigLine, warnings: string[]): Condition {
  const criteria: { name: string; negate: boolean; arg?: string }[] = [];
  let unsupported: string | undefined;
  const args = line.args;
  for (let i = 0; i < args.length; i++) {
    let name = args[i]!.toLowerCase();
    const negate = name.startsWith('!');
    if (negate) name = name.slice(1);
    if (name === 'all' || name === 'canonical' || name === 'final') {
      criteria.push({ name, negate });
      if (name !== 'all') unsupported ??= name;
      continue;
    }
    const arg = args[i + 1];
    if (arg === undefined) throw new UserError(`${line.file}:${line.line}: Match ${shortWord(name)} needs an argument`);
    i++;
    if (!['host', 'originalhost', 'user', 'localuser'].includes(name)) unsupported ??= name;
    criteria.push({ name, negate, arg });
  }
  if (unsupported) warnings.push(`${line.file}:${line.line}: 'Match ${unsupported}' is not evaluated by opsdeck; that block is ignored`);
  return { kind: 'match', criteria, ...(unsupported ? { unsupported } : {}) };
}

interface MatchContext {
  host: string;
  originalHost: string;
  user: string | undefined;
  localUser: string;
}

function condHolds(cond: Condition, ctx: MatchContext): boolean {
  if (cond.kind === 'never') return false;
  if (cond.kind === 'host') return matchPatternList(ctx.originalHost, cond.patterns);
  if (cond.unsupported) return false;
  for (const c of cond.criteria) {
    let ok: boolean;
    const list = (c.arg ?? '').split(',');
    switch (c.name) {
      case 'all':
        ok = true;
        break;
      case 'host':
        ok = matchPatternList(ctx.host, list);
        break;
      case 'originalhost':
        ok = matchPatternList(ctx.originalHost, list);
        break;
      case 'user':
        ok = ctx.user !== undefined && matchPatternList(ctx.user, list);
        break;
      case 'localuser':
        ok = matchPatternList(ctx.localUser, list);
        break;
      default:
        ok = false;
    }
    if (c.negate) ok = !ok;
    if (!ok) return false;
  }
  return true;
}

function yesNo(line: SshConfigLine): boolean {
  const v = (line.args[0] ?? '').toLowerCase();
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  throw new UserError(`${line.file}:${line.line}: ${shortWord(line.keyword)} must be yes or no, got '${shortWord(line.args[0] ?? '')}'`);
}

function seconds(line: SshConfigLine): number {
  const v = line.args[0] ?? '';
  // OpenSSH accepts time formats (30s, 1m); plain seconds are by far the common case.
  const m = /^(\d+)([smh]?)$/i.exec(v);
  if (!m) throw new UserError(`${line.file}:${line.line}: ${shortWord(line.keyword)} must be a number of seconds, got '${shortWord(v)}'`);
  const mult = { '': 1, s: 1, m: 60, h: 3600 }[m[2]!.toLowerCase() as '' | 's' | 'm' | 'h'];
  return Number(m[1]) * mult;
}

/**
 * Evaluate the configuration for `host` (the name the user typed), first value wins.
 * `user` is the user given on the command line or in a profile: it wins over User and is what
 * `Match user` tests.
 */
export function evaluateSshConfig(config: LoadedSshConfig, host: string, opts: { user?: string; localUser: string }): SshHostConfig {
  const out: SshHostConfig = { identityFiles: [], where: {}, warnings: [...config.warnings] };
  const ctx: MatchContext = { host, originalHost: host, user: opts.user, localUser: opts.localUser };
  const seen = new Set<string>();
  const first = (line: SshConfigLine): boolean => {
    if (seen.has(line.key)) return false;
    seen.add(line.key);
    out.where[line.key] = `${line.file}:${line.line}`;
    return true;
  };
  for (const line of config.options) {
    if (!line.conds.every((c) => condHolds(c, ctx))) continue;
    const arg0 = line.args[0];
    switch (line.key) {
      case 'hostname':
        if (first(line) && arg0 !== undefined) {
          out.hostName = arg0;
          // `Match host` after this point tests the new name (readconf.c updates it).
          ctx.host = arg0.replace(/%h/g, host);
        }
        break;
      case 'user':
        if (first(line) && arg0 !== undefined) {
          out.user = arg0;
          ctx.user ??= arg0;
        }
        break;
      case 'port':
        if (first(line)) {
          const p = Number(arg0);
          if (!/^\d+$/.test(arg0 ?? '') || p < 1 || p > 65535) {
            throw new UserError(`${line.file}:${line.line}: Port must be a number from 1 to 65535, got '${shortWord(arg0 ?? '')}'`);
          }
          out.port = p;
        }
        break;
      case 'identityfile':
        // Every matching IdentityFile is tried, in order.
        for (const f of line.args) if (!out.identityFiles.includes(f)) out.identityFiles.push(f);
        out.where[line.key] ??= `${line.file}:${line.line}`;
        break;
      case 'identitiesonly':
        if (first(line)) out.identitiesOnly = yesNo(line);
        break;
      case 'identityagent':
        if (first(line) && arg0 !== undefined) out.identityAgent = arg0;
        break;
      case 'userknownhostsfile':
        if (first(line)) out.userKnownHostsFiles = line.args;
        break;
      case 'globalknownhostsfile':
        if (first(line)) out.globalKnownHostsFiles = line.args;
        break;
      case 'stricthostkeychecking':
        if (first(line)) {
          const v = (arg0 ?? '').toLowerCase();
          if (v === 'yes' || v === 'true') out.strictHostKeyChecking = 'yes';
          else if (v === 'no' || v === 'off' || v === 'false') out.strictHostKeyChecking = 'no';
          else if (v === 'ask') out.strictHostKeyChecking = 'ask';
          else if (v === 'accept-new') out.strictHostKeyChecking = 'accept-new';
          else throw new UserError(`${line.file}:${line.line}: StrictHostKeyChecking must be yes, accept-new, no or ask, got '${shortWord(arg0 ?? '')}'`);
        }
        break;
      case 'hashknownhosts':
        if (first(line)) out.hashKnownHosts = yesNo(line);
        break;
      case 'hostkeyalias':
        if (first(line) && arg0 !== undefined) out.hostKeyAlias = arg0;
        break;
      case 'proxyjump':
      case 'proxycommand':
        // OpenSSH: whichever of the two comes first wins; the other is ignored.
        if (!seen.has('proxyjump') && !seen.has('proxycommand')) {
          first(line);
          if (line.key === 'proxyjump') out.proxyJump = line.rest.trim();
          else out.proxyCommand = line.rest.trim();
        }
        break;
      case 'connecttimeout':
        if (first(line)) out.connectTimeoutSeconds = seconds(line);
        break;
      case 'serveraliveinterval':
        if (first(line)) out.serverAliveIntervalSeconds = seconds(line);
        break;
      case 'serveralivecountmax':
        if (first(line)) {
          if (!/^\d+$/.test(arg0 ?? '')) throw new UserError(`${line.file}:${line.line}: ServerAliveCountMax must be a number, got '${shortWord(arg0 ?? '')}'`);
          out.serverAliveCountMax = Number(arg0);
        }
        break;
      case 'passwordauthentication':
        if (first(line)) out.passwordAuthentication = yesNo(line);
        break;
      case 'kbdinteractiveauthentication':
      case 'challengeresponseauthentication':
        if (!seen.has('kbdinteractiveauthentication')) {
          first({ ...line, key: 'kbdinteractiveauthentication' });
          out.kbdInteractiveAuthentication = yesNo(line);
        }
        break;
      case 'pubkeyauthentication':
        if (first(line)) out.pubkeyAuthentication = yesNo(line);
        break;
      case 'batchmode':
        if (first(line)) out.batchMode = yesNo(line);
        break;
      default:
        // Everything else (Ciphers, LocalForward, SendEnv, ...) does not change how opsdeck connects.
        break;
    }
  }
  if (out.proxyJump?.toLowerCase() === 'none') delete out.proxyJump;
  if (out.proxyCommand?.toLowerCase() === 'none') delete out.proxyCommand;
  return out;
}

export interface TokenContext {
  /** %h: the HostName after ssh_config. */
  host: string;
  /** %n: the name as given. */
  originalHost: string;
  /** %p */
  port: number;
  /** %r: the remote user. */
  remoteUser: string;
  /** %u: the local user. */
  localUser: string;
  /** %d: the local home directory. */
  home: string;
}

/** ssh_config's %-tokens (%h %n %p %r %u %d %%). Unknown tokens are left as they are and reported. */
export function expandTokens(value: string, ctx: TokenContext): string {
  return value.replace(/%(.)/g, (whole, t: string) => {
    switch (t) {
      case '%':
        return '%';
      case 'h':
        return ctx.host;
      case 'n':
        return ctx.originalHost;
      case 'p':
        return String(ctx.port);
      case 'r':
        return ctx.remoteUser;
      case 'u':
        return ctx.localUser;
      case 'd':
        return ctx.home;
      default:
        return whole;
    }
  });
}

/** `~` and `~/...` to the home directory; then tokens; relative paths stay relative to the home dir (as OpenSSH does for IdentityFile). */
export function expandPath(value: string, ctx: TokenContext): string {
  let v = value;
  if (v === '~') v = ctx.home;
  else if (v.startsWith('~/')) v = path.join(ctx.home, v.slice(2));
  v = expandTokens(v, ctx);
  if (!path.isAbsolute(v)) v = path.join(ctx.home, v);
  return v;
}
