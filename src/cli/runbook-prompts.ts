/**
 * How `opsdeck runbook run` talks to the person running it: parameter values (secret ones with
 * echo off, or from a file descriptor, never from argv), confirmations, manual steps and Ctrl-C.
 * Without a terminal nothing is asked: act steps need --yes, and a manual step stops the run
 * where it can be resumed.
 */
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { UserError } from '../errors.js';
import type { Interaction } from '../runbook/runbook-runner.js';
import { paramProblem } from '../runbook/param-check.js';
import type { Runbook } from '../runbook/runbook-types.js';
import { cliPrompter } from '../transport/prompter.js';
import { readFdBytes, secretLine } from './secret-fd.js';

type Stdin = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

export interface PromptIO {
  stdin: Stdin;
  stderr: NodeJS.WritableStream;
}

const MAX_PARAM_BYTES = 64 * 1024;

/** One line typed at the terminal; null at end of input. */
export function askLine(io: PromptIO, prompt: string): Promise<string | null> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: io.stdin, output: io.stderr, terminal: false });
    let answered = false;
    io.stderr.write(prompt);
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once('close', () => {
      if (!answered) resolve(null);
    });
  });
}

/** `--param K=V` words into a map; a secret parameter on the command line is refused. */
export function paramFlags(runbook: Runbook, words: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new UserError(`--param wants NAME=VALUE, got '${w}'`);
    const name = w.slice(0, eq);
    const spec = runbook.params.find((p) => p.name === name);
    if (!spec) throw new UserError(`${runbook.id} has no parameter '${name}'`, { hint: `Its parameters: ${runbook.params.map((p) => p.name).join(', ') || 'none'}.` });
    if (spec.secret) throw new UserError(`${name} is secret: it is asked with echo off on a terminal, or read with --secret-fd ${name}=FD; never give it on the command line`);
    out.set(name, w.slice(eq + 1));
  }
  return out;
}

/** `--secret-fd NAME=FD` values, read now. */
export async function secretFdParams(runbook: Runbook, words: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const w of words) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(\d+)$/.exec(w);
    if (!m) throw new UserError(`--secret-fd wants NAME=FD, got '${w}'`);
    const spec = runbook.params.find((p) => p.name === m[1]);
    if (!spec?.secret) throw new UserError(`--secret-fd ${m[1]}: ${runbook.id} has no secret parameter of that name`);
    const fd = Number(m[2]);
    const bytes = secretLine(await readFdBytes(fd, 'secret-fd', MAX_PARAM_BYTES, 'parameter'), 'secret-fd', fd, 'parameter');
    out.set(m[1]!, bytes.toString('utf8'));
    bytes.fill(0);
  }
  return out;
}


/**
 * Every parameter's value: given, else asked on a terminal (secret ones with echo off), else its
 * default. A required one without a value and without a terminal is an error before anything runs.
 */
export async function collectParams(runbook: Runbook, given: ReadonlyMap<string, string>, io: PromptIO): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  const tty = io.stdin.isTTY === true;
  for (const spec of runbook.params) {
    let value = given.get(spec.name);
    if (value === undefined && spec.secret && tty) {
      const bytes = await cliPrompter({ stdin: io.stdin, stderr: io.stderr as Writable }).askSecret({ kind: 'password', prompt: `${spec.name}${spec.description ? ` (${spec.description})` : ''}` });
      if (bytes === null) throw new UserError(`${spec.name}: no value given`);
      value = bytes.toString('utf8');
      bytes.fill(0);
    } else if (value === undefined && spec.required && tty) {
      const line = await askLine(io, `${spec.name}${spec.description ? ` (${spec.description})` : ''}${spec.enum ? ` [${spec.enum.join('|')}]` : ''}: `);
      if (line === null) throw new UserError(`${spec.name}: no value given`);
      value = line;
    }
    value ??= spec.default;
    if (value === undefined) {
      throw new UserError(`${runbook.id}: parameter ${spec.name} needs a value`, { hint: spec.secret ? `Run it on a terminal, or give --secret-fd ${spec.name}=FD.` : `Give --param ${spec.name}=VALUE.` });
    }
    const problem = paramProblem(spec, value);
    if (problem) throw new UserError(problem);
    values.set(spec.name, value);
  }
  return values;
}

/** Confirmations and manual steps on the command line. */
export function cliInteraction(io: PromptIO): Interaction {
  const tty = io.stdin.isTTY === true;
  return {
    async confirm(req) {
      if (!tty) {
        io.stderr.write(`! ${req.step.id}: needs confirmation and there is no terminal (give --yes)\n`);
        return { answer: 'no' };
      }
      io.stderr.write(`\n${req.step.title}\n  on ${req.server}: ${req.command}\n`);
      if (req.typeServerName) {
        const typed = await askLine(io, `${req.server} is a production server. Type its name to run this step: `);
        return { answer: typed === req.server ? 'yes' : 'no', typed: typed ?? '' };
      }
      const line = await askLine(io, 'Run it? [y/N] ');
      return { answer: /^y(es)?$/i.test(line?.trim() ?? '') ? 'yes' : 'no' };
    },
    async acknowledge(req) {
      if (!tty) {
        io.stderr.write(`! ${req.step.id}: a manual step needs a person at a terminal; the run stops here and can be resumed\n`);
        return 'stop';
      }
      io.stderr.write(`\n${req.step.title}\n${req.text.replace(/^/gm, '  ')}\n`);
      for (;;) {
        const line = await askLine(io, 'y done / s skip / q stop: ');
        const a = line?.trim().toLowerCase();
        if (line === null || a === 'q') return 'stop';
        if (a === 'y') return 'done';
        if (a === 's') return 'skip';
      }
    },
  };
}
