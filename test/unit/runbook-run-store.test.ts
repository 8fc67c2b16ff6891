import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseRunbook } from '../../src/runbook/runbook-parse.js';
import { restartLoop } from '../../src/runbook/builtins/restart-loop.js';
import { checkParamForm, paramProblem } from '../../src/runbook/param-check.js';
import { MAX_LINE_CHARS, RunStore, offeredFaults, runbookEntry, runbooksForLockedServer, runbooksForService, startRun, type RunSnapshot } from '../../src/runbook/run-store.js';
import type { ActionPort } from '../../src/runbook/runbook-runner.js';
import type { TranscriptEvent } from '../../src/runbook/transcript-events.js';

const F = '```';
const DEMO = `---
runbook: demo
title: Demo runbook
params:
  service:
    description: The service
    pattern: '[a-z]+(/[a-z]+)?'
  mode:
    enum: [restart, stop]
    default: restart
  token:
    secret: true
    default: ''
offer_on:
  - restart-loop
---

${F}opsdeck step=look kind=check
status
${F}

${F}opsdeck step=restart kind=act
restart \${service}
${F}

${F}manual step=tell kind=manual
Tell the team.
${F}
`;
const demo = () => parseRunbook(DEMO, '/runbooks/demo.md');
const AT = '2026-03-21T09:00:00.000Z';

function store(opts: { maxLines?: number; publishMs?: number; plan?: boolean } = {}) {
  return new RunStore({ runbook: demo(), run: 'R1', server: 'web-1', plan: opts.plan ?? false, transcript: '/tmp/runs/R1.jsonl', maxLines: opts.maxLines ?? 5000, publishMs: opts.publishMs ?? 0 });
}
const stepStart = (step: string, command = `opsdeck ${step}`): TranscriptEvent => ({ t: 'step-start', at: AT, step, kind: 'check', title: step, command });
const out = (step: string, text: string, stream: 'stdout' | 'stderr' | 'info' = 'stdout'): TranscriptEvent => ({ t: 'output', at: AT, step, stream, text });
const stepEnd = (step: string, status: 'ok' | 'failed' | 'skipped' | 'timeout' | 'stopped', extra: { code?: number | null; reason?: string } = {}): TranscriptEvent => ({
  t: 'step-end', at: AT, step, status, code: extra.code ?? null, ms: 1500, captures: {}, ...(extra.reason ? { reason: extra.reason } : {}),
});
const stepOf = (s: RunSnapshot, id: string) => s.steps.find((x) => x.id === id)!;
const texts = (s: RunSnapshot, id: string) => stepOf(s, id).lines.map((l) => `${l.stream}:${l.text}`);

describe('RunStore', () => {
  it('starts with every step of the runbook pending', () => {
    const s = store().getSnapshot();
    expect(s.steps.map((x) => [x.id, x.kind, x.state])).toEqual([
      ['look', 'check', 'pending'],
      ['restart', 'act', 'pending'],
      ['tell', 'manual', 'pending'],
    ]);
    expect(s).toMatchObject({ run: 'R1', runbook: 'demo', title: 'Demo runbook', server: 'web-1', status: 'running', current: undefined, prompt: undefined, resumeCommand: undefined });
  });

  it('follows the events in order: running, output, the end of a step, the run', () => {
    const st = store();
    st.apply(stepStart('look', 'opsdeck status'));
    let s = st.getSnapshot();
    expect(stepOf(s, 'look')).toMatchObject({ state: 'running', command: 'opsdeck status' });
    expect(s.current).toBe('look');
    st.apply(out('look', 'one\ntw'));
    st.apply(out('look', 'o\nthree\n'));
    st.apply(out('look', 'oops\n', 'stderr'));
    st.apply(out('look', 'opsdeck status exited 0', 'info'));
    st.apply(stepEnd('look', 'ok', { code: 0 }));
    st.apply(stepStart('restart'));
    st.apply(stepEnd('restart', 'failed', { code: 1, reason: 'exit 1' }));
    s = st.getSnapshot();
    expect(texts(s, 'look')).toEqual(['stdout:one', 'stdout:two', 'stdout:three', 'stderr:oops', 'info:opsdeck status exited 0']);
    expect(stepOf(s, 'look')).toMatchObject({ state: 'ok', code: 0, ms: 1500 });
    expect(stepOf(s, 'restart')).toMatchObject({ state: 'failed', code: 1, reason: 'exit 1' });
    expect(stepOf(s, 'tell').state).toBe('pending');
    expect(s.current).toBe('restart');
    st.apply({ t: 'end', at: AT, status: 'failed', ms: 3000 });
    s = st.getSnapshot();
    expect(s.status).toBe('failed');
    expect(s.resumeCommand).toBe('opsdeck runbook resume R1');
  });

  it('a done run and a plan have nothing to resume', () => {
    const done = store();
    done.apply({ t: 'end', at: AT, status: 'done', ms: 1 });
    expect(done.getSnapshot()).toMatchObject({ status: 'done', resumeCommand: undefined });
    const plan = store({ plan: true });
    plan.apply({ t: 'end', at: AT, status: 'stopped', ms: 1 });
    expect(plan.getSnapshot()).toMatchObject({ status: 'stopped', resumeCommand: undefined });
  });

  it('keeps at most maxLines lines per step and counts the dropped ones', () => {
    const st = store({ maxLines: 5 });
    st.apply(stepStart('look'));
    for (let i = 1; i <= 12; i++) st.apply(out('look', `line ${i}\n`));
    let step = stepOf(st.getSnapshot(), 'look');
    expect(step.lines.map((l) => l.text)).toEqual(['line 8', 'line 9', 'line 10', 'line 11', 'line 12']);
    expect(step.dropped).toBe(7);
    st.apply(out('look', Array.from({ length: 30 }, (_, i) => `bulk ${i}`).join('\n') + '\n'));
    step = stepOf(st.getSnapshot(), 'look');
    expect(step.lines.map((l) => l.text)).toEqual(['bulk 25', 'bulk 26', 'bulk 27', 'bulk 28', 'bulk 29']);
    expect(step.dropped).toBe(37);
  });

  it('cuts a very long line and says by how much', () => {
    const st = store();
    st.apply(out('look', 'x'.repeat(MAX_LINE_CHARS + 10) + '\n'));
    expect(stepOf(st.getSnapshot(), 'look').lines[0]!.text).toBe(`${'x'.repeat(MAX_LINE_CHARS)} … (10 more characters)`);
  });

  it('publishes output at most every publishMs, and a step ending at once', () => {
    vi.useFakeTimers();
    try {
      const st = store({ publishMs: 50 });
      const seen = vi.fn();
      st.subscribe(seen);
      st.apply(stepStart('look'));
      expect(seen).toHaveBeenCalledTimes(1);
      st.apply(out('look', 'a\n'));
      st.apply(out('look', 'b\n'));
      expect(seen).toHaveBeenCalledTimes(1);
      expect(stepOf(st.getSnapshot(), 'look').lines).toEqual([]);
      vi.advanceTimersByTime(50);
      expect(seen).toHaveBeenCalledTimes(2);
      expect(texts(st.getSnapshot(), 'look')).toEqual(['stdout:a', 'stdout:b']);
      st.apply(out('look', 'c\n'));
      st.apply(stepEnd('look', 'ok'));
      expect(seen).toHaveBeenCalledTimes(3);
      expect(texts(st.getSnapshot(), 'look')).toEqual(['stdout:a', 'stdout:b', 'stdout:c']);
      vi.advanceTimersByTime(100);
      expect(seen).toHaveBeenCalledTimes(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it('holds a confirmation until the screen answers it, by id', async () => {
    const st = store();
    const step = demo().steps[1]!;
    const reply = st.interaction.confirm({ step, command: 'opsdeck restart shop/api', server: 'web-1', typeServerName: true });
    const p = st.getSnapshot().prompt;
    expect(p).toEqual({ kind: 'confirm', id: 1, step: 'restart', title: 'restart', command: 'opsdeck restart shop/api', server: 'web-1', typeServerName: true });
    st.confirm(99, { answer: 'yes', typed: 'web-1' });
    expect(st.getSnapshot().prompt).toBeDefined();
    st.acknowledge(1, 'done');
    expect(st.getSnapshot().prompt).toBeDefined();
    st.confirm(1, { answer: 'yes', typed: 'web-1' });
    await expect(reply).resolves.toEqual({ answer: 'yes', typed: 'web-1' });
    expect(st.getSnapshot().prompt).toBeUndefined();
  });

  it('asks a manual step and passes the answer on; its text is sanitised', async () => {
    const st = store();
    const reply = st.interaction.acknowledge({ step: demo().steps[2]!, text: 'Tell the team\u001b]0;owned\u0007.' });
    expect(st.getSnapshot().prompt).toEqual({ kind: 'acknowledge', id: 1, step: 'tell', title: 'tell', text: 'Tell the team.' });
    st.acknowledge(1, 'skip');
    await expect(reply).resolves.toBe('skip');
  });

  it('asks for a secret (unlock\'s passphrase): the snapshot holds only the prompt, the answer goes to the asker', async () => {
    const st = store();
    const reply = st.interaction.askSecret!({ step: demo().steps[0]!, prompt: 'Passphrase for nvme0n1p3_crypt on web-1\u001b[2J' });
    expect(st.getSnapshot().prompt).toEqual({ kind: 'secret', id: 1, step: 'look', title: 'look', text: 'Passphrase for nvme0n1p3_crypt on web-1' });
    const secret = Buffer.from('correct horse');
    st.answerSecret(2, Buffer.from('stale id'));
    expect(st.getSnapshot().prompt?.kind).toBe('secret');
    st.answerSecret(1, secret);
    await expect(reply).resolves.toBe(secret);
    expect(JSON.stringify(st.getSnapshot())).not.toContain('correct horse');
    // A stop answers a waiting secret question with nothing.
    const again = st.interaction.askSecret!({ step: demo().steps[0]!, prompt: 'again' });
    st.stop();
    await expect(again).resolves.toBeNull();
  });

  it('stop() stops the runner and answers a waiting question no', async () => {
    const st = store();
    const stopper = vi.fn();
    st.setStopper(stopper);
    const reply = st.interaction.confirm({ step: demo().steps[1]!, command: 'opsdeck restart shop/api', server: 'web-1', typeServerName: false });
    st.stop();
    expect(stopper).toHaveBeenCalledTimes(1);
    await expect(reply).resolves.toEqual({ answer: 'no' });
    expect(st.getSnapshot()).toMatchObject({ stopping: true, prompt: undefined, status: 'running' });
    // Once stopping, nothing more is asked.
    await expect(st.interaction.acknowledge({ step: demo().steps[2]!, text: 'x' })).resolves.toBe('stop');
    st.apply({ t: 'end', at: AT, status: 'stopped', ms: 5 });
    expect(st.getSnapshot()).toMatchObject({ stopping: false, status: 'stopped', resumeCommand: 'opsdeck runbook resume R1' });
    st.stop();
    expect(stopper).toHaveBeenCalledTimes(1);
  });
});

describe('startRun', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  function setup(answers: { confirm: 'yes' | 'no' }) {
    const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-runs-'));
    dirs.push(runsDir);
    const calls: string[][] = [];
    const actions: ActionPort = {
      async run(argv, ctx) {
        calls.push([...argv]);
        ctx.output('stdout', `${argv.join(' ')} output with hunter2\n`);
        return { ok: true, code: 0, message: `${argv[0]} done` };
      },
    };
    const st = startRun({
      runbook: demo(),
      params: new Map([['service', 'shop/api'], ['mode', 'restart'], ['token', 'hunter2']]),
      plan: false,
      server: { execStream: () => Promise.reject(new Error('no shell steps here')) },
      serverName: 'web-1',
      profile: 'web-1',
      host: 'web-1.example.com',
      fingerprint: 'SHA256:abc',
      production: false,
      actions,
      runsDir,
      run: '20260321T090000Z-demo-abcd',
      user: 'alice',
      from: 'laptop',
      publishMs: 0,
    });
    const answer = async () => {
      for (;;) {
        const p = st.getSnapshot().prompt;
        if (p?.kind === 'confirm') st.confirm(p.id, { answer: answers.confirm });
        else if (p?.kind === 'acknowledge') st.acknowledge(p.id, 'done');
        if (st.getSnapshot().status !== 'running') return st.getSnapshot();
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    return { st, runsDir, calls, answer };
  }

  it('runs the runbook through the runner, asks through the store, writes the transcript with secrets masked', async () => {
    const { st, runsDir, calls, answer } = setup({ confirm: 'yes' });
    const s = await answer();
    expect(s.status).toBe('done');
    expect(s.steps.map((x) => [x.id, x.state])).toEqual([
      ['look', 'ok'],
      ['restart', 'ok'],
      ['tell', 'ok'],
    ]);
    expect(calls).toEqual([['status'], ['restart', 'shop/api']]);
    expect(texts(s, 'restart')).toEqual(['stdout:restart shop/api output with ••••••', 'info:restart done']);
    expect(s.params).toEqual({ service: 'shop/api', mode: 'restart', token: '••••••' });
    expect(s.transcript).toBe(path.join(runsDir, '20260321T090000Z-demo-abcd.jsonl'));
    const file = fs.readFileSync(s.transcript, 'utf8');
    expect(file).not.toContain('hunter2');
    const events = file.trim().split('\n').map((l) => JSON.parse(l) as TranscriptEvent);
    expect(events[0]).toMatchObject({ t: 'start', run: '20260321T090000Z-demo-abcd', runbook: 'demo', user: 'alice', from: 'laptop', server: { profile: 'web-1', host: 'web-1.example.com', fingerprint: 'SHA256:abc' }, secretParams: ['token'], plan: false });
    expect(events.map((e) => e.t)).toEqual(['start', 'step-start', 'output', 'output', 'step-end', 'step-start', 'confirm', 'output', 'output', 'step-end', 'step-start', 'ack', 'step-end', 'end']);
    expect(st.getSnapshot().transcriptError).toBeUndefined();
  });

  it('a refused confirmation stops the run where it can be resumed', async () => {
    const { calls, answer } = setup({ confirm: 'no' });
    const s = await answer();
    expect(s.status).toBe('stopped');
    expect(stepOf(s, 'restart')).toMatchObject({ state: 'stopped', reason: 'not confirmed' });
    expect(stepOf(s, 'tell').state).toBe('pending');
    expect(calls).toEqual([['status']]);
    expect(s.resumeCommand).toBe('opsdeck runbook resume 20260321T090000Z-demo-abcd');
  });
});

describe('runbook offers', () => {
  it('offers runbooks for unhealthy, restart-loop and exited-nonzero only', () => {
    expect(offeredFaults(['unhealthy', 'restarting', 'restart-loop'])).toEqual(['restart-loop', 'unhealthy']);
    expect(offeredFaults(['restarting', 'dead'])).toEqual([]);
    expect(offeredFaults([])).toEqual([]);
  });

  it('lists the runbooks for a service fault, those for the service first, each once', () => {
    const loop = parseRunbook(restartLoop, 'builtin:restart-loop');
    const mailer = parseRunbook(DEMO.replace('runbook: demo', 'runbook: mailer-loop').replace('  - restart-loop', '  - fault: exited-nonzero\n    service: shop/mailer'), '/runbooks/mailer-loop.md');
    const all = [demo(), loop, mailer];
    expect(runbooksForService(all, ['restart-loop', 'exited-nonzero'], { project: 'shop', service: 'mailer' }).map((r) => r.id)).toEqual(['demo', 'restart-loop', 'mailer-loop']);
    expect(runbooksForService(all, ['exited-nonzero'], { project: 'shop', service: 'mailer' }).map((r) => r.id)).toEqual(['mailer-loop', 'restart-loop']);
    expect(runbooksForService(all, ['exited-nonzero'], { project: 'shop', service: 'api' }).map((r) => r.id)).toEqual(['restart-loop']);
    expect(runbooksForService(all, ['restarting'], { project: 'shop', service: 'mailer' })).toEqual([]);
    expect(runbooksForLockedServer(all)).toEqual([]);
    const locked = parseRunbook(DEMO.replace('runbook: demo', 'runbook: reboot').replace('  - restart-loop', '  - server-locked'), '/runbooks/reboot.md');
    expect(runbooksForLockedServer([...all, locked]).map((r) => r.id)).toEqual(['reboot']);
  });

  it("makes a runbook's list entry safe to draw and never shows a secret's default", () => {
    const r = parseRunbook(DEMO.replace('title: Demo runbook', 'title: "Demo \\e]0;owned\\a runbook"'), '/runbooks/demo.md');
    expect(r.title).toContain('\u001b]0;owned\u0007');
    const e = runbookEntry(r);
    expect(e.title).toBe('Demo  runbook');
    expect(e.faults).toBe('restart-loop');
    expect(e.params.map((p) => [p.name, p.default, p.secret])).toEqual([
      ['service', undefined, false],
      ['mode', 'restart', false],
      ['token', undefined, true],
    ]);
  });
});

describe('parameter checks', () => {
  const spec = (p: Partial<Parameters<typeof paramProblem>[0]>) => ({ name: 'x', secret: false, required: true, ...p });

  it('refuses NUL, values outside the list, and values the pattern does not match in full', () => {
    expect(paramProblem(spec({}), 'a\0b')).toBe('x contains a NUL byte');
    expect(paramProblem(spec({ enum: ['a', 'b'] }), 'c')).toBe('x must be one of a, b');
    expect(paramProblem(spec({ enum: ['a', 'b'] }), 'b')).toBeUndefined();
    expect(paramProblem(spec({ pattern: 'ab|cd' }), 'abcd')).toBe('x must match ab|cd');
    expect(paramProblem(spec({ pattern: 'ab|cd' }), 'cd')).toBeUndefined();
  });

  it('checks a form: defaults for fields left unset, one problem per bad field', () => {
    const r = demo();
    const bad = checkParamForm(r, new Map([['service', 'Shop!'], ['mode', 'reboot'], ['token', undefined]]));
    expect(bad.params).toBeUndefined();
    expect(bad.problems).toEqual([
      { name: 'service', problem: 'service must match [a-z]+(/[a-z]+)?' },
      { name: 'mode', problem: 'mode must be one of restart, stop' },
    ]);
    expect(checkParamForm(r, new Map([['service', '']])).problems).toEqual([{ name: 'service', problem: 'service needs a value' }]);
    const ok = checkParamForm(r, new Map([['service', 'shop/api'], ['mode', 'stop']]));
    expect(ok.problems).toEqual([]);
    expect([...ok.params!]).toEqual([['service', 'shop/api'], ['mode', 'stop'], ['token', '']]);
  });
});
