/**
 * `opsdeck completion bash|zsh|fish`, checked by each shell itself: the generated text passes
 * `bash -n`, `zsh -n` and `fish -n`, and scripted completions return the expected words. The
 * scripts call `opsdeck` from PATH, here a wrapper around the bundle; profiles come from a temp
 * store (OPSDECK_CONFIG) and ssh_config aliases from a temp HOME's ~/.ssh/config (or from
 * `--ssh-config FILE` on the line). zsh runs its real completion system (compinit) on a pty
 * (zsh/zpty), its matches captured from compadd. Nothing here needs the lab or the network.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRunbooks } from '../../src/runbook/catalogue.js';

const BUNDLE = resolve('dist/opsdeck.mjs');
const dir = mkdtempSync(join(tmpdir(), 'opsdeck-completion-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bin = join(dir, 'bin');
const home = join(dir, 'home');
const store = join(dir, 'profiles.json');
const otherSshConfig = join(dir, 'other_ssh_config');
const pwned = join(dir, 'pwned');
const env: NodeJS.ProcessEnv = {
  PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  HOME: home,
  XDG_CONFIG_HOME: join(dir, 'xdg'),
  OPSDECK_CONFIG: store,
  TERM: 'dumb',
  LANG: 'C.UTF-8',
};
const scripts = { bash: join(dir, 'opsdeck.bash'), zsh: join(dir, '_opsdeck'), fish: join(dir, 'opsdeck.fish') };
const RUNBOOK_IDS = builtinRunbooks().map((r) => r.id).sort();
const FOUR = ['db-1', 'prod', 'staging', 'web-1'];

function sh(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000, ...(opts.input !== undefined ? { input: opts.input } : {}) });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
}

const lines = (s: string) => s.split('\n').filter((l) => l !== '');

beforeAll(() => {
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'opsdeck'), `#!/bin/sh\nexec '${process.execPath}' '${BUNDLE}' "$@"\n`);
  chmodSync(join(bin, 'opsdeck'), 0o755);
  mkdirSync(join(home, '.ssh'), { recursive: true });
  writeFileSync(store, JSON.stringify({ version: 1, profiles: { prod: { ssh: { host: 'prod.example.com', user: 'deploy' } }, staging: { local: true } } }));
  // Two aliases, a wildcard, and a name that would run a command if anything evaluated it.
  writeFileSync(
    join(home, '.ssh', 'config'),
    `Host web-1 db-1\n  HostName 127.0.0.1\nHost *.internal\n  User ops\nHost x$(touch\${IFS}${pwned})\n`,
  );
  writeFileSync(otherSshConfig, 'Host other-1\n');
  for (const [shell, file] of Object.entries(scripts)) {
    const r = sh('opsdeck', ['completion', shell]);
    expect(r.code, r.err).toBe(0);
    writeFileSync(file, r.out);
  }
});

describe('each shell checks its own script', () => {
  it.each([
    ['bash', ['-n']],
    ['zsh', ['-n']],
    ['fish', ['-n']],
  ] as const)('%s -n accepts it, and refuses it broken', (shell, flags) => {
    const ok = sh(shell, [...flags, scripts[shell]]);
    expect(ok.code, ok.err).toBe(0);
    const broken = join(dir, `broken.${shell}`);
    writeFileSync(broken, `${readFileSync(scripts[shell], 'utf8')}\nif true\n`);
    expect(sh(shell, [...flags, broken]).code).not.toBe(0);
  });
});

/** Complete the words in bash as readline would: COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT, then COMPREPLY. */
function bashComplete(...words: string[]): string[] {
  const program = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _opsdeck; printf "%s\\n" "${COMPREPLY[@]}"';
  const r = sh('bash', ['--norc', '--noprofile', '-c', program, 'bash', scripts.bash, ...words]);
  expect(r.code, r.err).toBe(0);
  expect(r.err).toBe('');
  return lines(r.out);
}

describe('bash', () => {
  it('completes opsdeck st to status', () => {
    const words = bashComplete('opsdeck', 'st');
    expect(words).toContain('status');
    for (const w of words) expect(w.startsWith('st'), w).toBe(true);
  });

  it('completes --host with the saved profiles and the ssh_config aliases, no wildcard, nothing evaluated', () => {
    expect(bashComplete('opsdeck', 'status', '--host', '')).toEqual(FOUR);
    expect(bashComplete('opsdeck', '--host', '')).toEqual(FOUR);
    expect(bashComplete('opsdeck', 'status', '--host', 'w')).toEqual(['web-1']);
    expect(existsSync(pwned)).toBe(false);
  });

  it('reads the --ssh-config and --config already on the line', () => {
    expect(bashComplete('opsdeck', 'status', '--ssh-config', otherSshConfig, '--host', '')).toEqual(['other-1', 'prod', 'staging']);
    expect(bashComplete('opsdeck', 'logs', '--config', join(dir, 'none.json'), '--host', '')).toEqual(['db-1', 'web-1']);
  });

  it('completes --host=VALUE and a list a,b as bash splits them', () => {
    // COMP_WORDBREAKS has = : bash hands over --host, =, w and replaces only the last word.
    expect(bashComplete('opsdeck', 'status', '--host', '=', 'w')).toEqual(['web-1']);
    expect(bashComplete('opsdeck', 'status', '--host', 'prod,s')).toEqual(['prod,staging']);
  });

  it('completes subcommands, options of the command being typed, and runbook names', () => {
    expect(bashComplete('opsdeck', 'runbook', '')).toEqual(['list', 'show', 'run', 'resume', 'log']);
    expect(bashComplete('opsdeck', 'runbook', 'run', '')).toEqual(RUNBOOK_IDS);
    expect(bashComplete('opsdeck', 'runbook', 'show', 're')).toEqual(RUNBOOK_IDS.filter((id) => id.startsWith('re')));
    expect(bashComplete('opsdeck', 'backup', 'run', '--')).toEqual(expect.arrayContaining(['--host', '--ssh-config', '--config', '--json', '--help']));
    expect(bashComplete('opsdeck', 'status', '--js')).toEqual(['--json']);
    expect(bashComplete('opsdeck', 'completion', '')).toEqual(['bash', 'zsh', 'fish']);
  });
});

describe('fish', () => {
  const fishComplete = (line: string): string[] => {
    const r = sh('fish', ['--no-config', '-c', `source ${scripts.fish}; complete -C ${JSON.stringify(line)}`]);
    expect(r.code, r.err).toBe(0);
    return lines(r.out).map((l) => l.split('\t')[0]!);
  };

  it('completes opsdeck st to status, --host to the four names, runbook run to the runbooks', () => {
    expect(fishComplete('opsdeck st')).toEqual(['status']);
    expect(fishComplete('opsdeck status --host ').sort()).toEqual(FOUR);
    expect(fishComplete('opsdeck runbook run ').sort()).toEqual(RUNBOOK_IDS);
    expect(fishComplete(`opsdeck --ssh-config ${otherSshConfig} --host `).sort()).toEqual(['other-1', 'prod', 'staging']);
    expect(existsSync(pwned)).toBe(false);
  });
});

describe('zsh', () => {
  // A real interactive zsh with compinit on a pty; compadd is wrapped to write the matches to a file.
  const driver = join(dir, 'zdrive.zsh');
  writeFileSync(
    driver,
    `zmodload zsh/zpty
local script=$1 out=$2 line=$3 buf i
: >| $out
zpty z 'zsh -f -i'
zpty -w z "PS1='> '; unsetopt beep; autoload -Uz compinit; compinit -u -D; source \${(q)script}"
zpty -w z "compadd() { if [[ \\\${@[1,(i)(-|--)]} == *-(O|A|D)\\\\ * ]]; then builtin compadd \\"\\$@\\"; return; fi; local -a __h; builtin compadd -A __h \\"\\$@\\"; print -rl -- \\$__h >> \${(q)out}; builtin compadd \\"\\$@\\"; }"
zpty -w z "print -r -- READ''Y"
for i in {1..100}; do zpty -r -t z buf 2>/dev/null; [[ $buf == *READY* ]] && break; sleep 0.1; done
zpty -w -n z "$line"$'\\t'
for i in {1..100}; do sleep 0.1; [[ -s $out ]] && break; done
sleep 0.5
zpty -d z
cat $out
`,
  );
  const zshComplete = (line: string): string[] => {
    const out = join(dir, 'zsh-matches');
    const r = sh('zsh', ['-f', driver, scripts.zsh, out, line], { timeoutMs: 30_000 });
    expect(r.code, r.err).toBe(0);
    return lines(r.out);
  };

  it('completes opsdeck st to status and --host to the four names, with compinit', () => {
    expect(zshComplete('opsdeck st')).toEqual(['status']);
    expect(zshComplete('opsdeck status --host ').sort()).toEqual(FOUR);
    expect(zshComplete('opsdeck runbook run ').sort()).toEqual(RUNBOOK_IDS);
    expect(existsSync(pwned)).toBe(false);
  });
});
