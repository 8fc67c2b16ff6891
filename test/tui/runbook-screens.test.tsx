import React from 'react';
import { describe, expect, it, vi } from 'vitest';
import { KEY, mount, valueStore } from './harness.js';
import { gridSnapshot, NOW } from './grid-fixture.js';
import { App, type AppSessionSnapshot, type RunbookSession } from '../../screens/App.js';
import { Runbooks } from '../../screens/Runbooks.js';
import { RunbookRun } from '../../screens/RunbookRun.js';
import { parseRunbook } from '../../src/runbook/runbook-parse.js';
import { RunStore, runbookEntry } from '../../src/runbook/run-store.js';
import type { Runbook } from '../../src/runbook/runbook-types.js';
import type { TranscriptEvent } from '../../src/runbook/transcript-events.js';
import type { GridSnapshot } from '../../src/model/grid-store.js';
import { ConnectionStore } from '../../src/transport/connection-store.js';
import { PromptStore } from '../../src/model/prompt-store.js';

const F = '```';
const WITH_SECRET = parseRunbook(
  `---
runbook: rotate-token
title: Rotate the API token
params:
  service:
    description: The Compose service
    pattern: '[a-z]+(/[a-z]+)?'
  token:
    description: The new token
    secret: true
  mode:
    enum: [soft, hard]
    default: soft
offer_on:
  - fault: unhealthy
    service: shop/api
---

${F}opsdeck step=look kind=check
status
${F}

${F}opsdeck step=swap kind=act
restart \${service}
${F}

${F}manual step=tell kind=manual title="Tell the team"
Post in #ops that the token was rotated.
${F}
`,
  '/home/ops/.config/opsdeck/runbooks/rotate-token.md',
);
// Fixtures of our own rather than the shipped runbooks, which change as they are written.
const LOOP = parseRunbook(
  `---
runbook: restart-loop
title: A service keeps restarting
description: Exit code and OOM kill, the last error lines, then a restart.
params:
  service:
    description: The Compose service, as service or project/service
    pattern: '[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?'
  then:
    description: After the checks, restart the service or stop there
    enum: [restart, stop]
    default: restart
offer_on:
  - restart-loop
  - exited-nonzero
---

## Why does it exit?

${F}opsdeck step=exit kind=check
status
${F}

${F}opsdeck step=restart kind=act when="then == 'restart'"
restart \${service}
${F}
`,
  'builtin:restart-loop',
);
const DISK = parseRunbook(
  `---
runbook: disk-full
title: The disk is filling up
offer_on:
  - disk-full
---

${F}sh step=df kind=check
df -h
${F}
`,
  'builtin:disk-full',
);
const UNHEALTHY = parseRunbook(
  `---
runbook: service-unhealthy
title: A service fails its health check
params:
  service:
    description: The Compose service
offer_on:
  - unhealthy
---

${F}opsdeck step=health kind=check
status
${F}
`,
  'builtin:service-unhealthy',
);
const catalogue = () => [DISK, LOOP, WITH_SECRET, UNHEALTHY];
const entries = () => catalogue().map(runbookEntry);
const AT = '2026-03-21T09:00:00.000Z';

function list(props: Partial<React.ComponentProps<typeof Runbooks>> = {}) {
  const onStart = vi.fn();
  const onBack = vi.fn();
  const ui = mount(<Runbooks entries={entries()} problems={[]} readonly={false} width={100} height={24} color={false} onStart={onStart} onHelp={vi.fn()} onBack={onBack} {...props} />, { plain: true });
  return { ui, onStart, onBack };
}

describe('Runbooks list', () => {
  it('keys that arrive in one read move one by one, and enter opens the runbook they reached', async () => {
    const { ui } = list();
    await ui.ready();
    const ids = ui
      .frame()
      .split('\n')
      .map((l) => /^[ ›>]?\s*([a-z][a-z0-9-]+) {1,}[A-Z]/.exec(l)?.[1])
      .filter((id): id is string => id !== undefined);
    expect(ids, ui.frame()).toHaveLength(4);
    await ui.press(`${KEY.down}${KEY.down}${KEY.enter}`);
    expect(ui.frame()).toContain(`Run ${ids[2]}:`);
    ui.unmount();
  });

  it('lists id, title, the faults each answers and its source, and the files that could not be used', async () => {
    const { ui } = list({ problems: ['/home/ops/.config/opsdeck/runbooks/bad.md:3: unknown key \'stepz\''] });
    await ui.ready();
    const f = ui.frame();
    expect(f).toContain('Runbooks · 4 of 4');
    expect(f).toContain("! /home/ops/.config/opsdeck/runbooks/bad.md:3: unknown key 'stepz'");
    expect(f).toMatch(/RUNBOOK\s+TITLE\s+FAULTS\s+SOURCE/);
    expect(f).toContain('restart-loop      A service keeps restarting       restart-loop, exited-nonzero builtin:restart-loop\n');
    expect(f).toContain('rotate-token      Rotate the API token             unhealthy (shop/api)         /home/ops/.config/o…\n');
    expect(f).toContain('disk-full         The disk is filling up           disk-full                    builtin:disk-full\n');
    expect(f).toContain('⏎ run  p plan  / search  ? help  esc back');
    ui.unmount();
  });

  it('searches by id, title or fault with /, and esc in the search clears it', async () => {
    const { ui } = list();
    await ui.ready();
    await ui.press('/', 'u', 'n', 'h', 'e', 'a', 'l');
    let f = ui.frame();
    expect(f).toContain('Runbooks · 2 of 4');
    expect(f).toMatch(/rotate-token\s/);
    expect(f).toMatch(/service-unhealthy\s/);
    expect(f).not.toMatch(/restart-loop\s+A service/);
    await ui.press(KEY.enter);
    expect(ui.frame()).toContain('search: /unheal');
    await ui.press('/', KEY.ctrlU, 'k', 'e', 'e', 'p', 's', KEY.enter);
    f = ui.frame();
    expect(f).toContain('Runbooks · 1 of 4');
    expect(f).toMatch(/restart-loop\s+A service keeps restarting/);
    await ui.press('/', KEY.esc);
    expect(ui.frame()).toContain('Runbooks · 4 of 4');
    await ui.press('/', 'z', 'z', 'z');
    expect(ui.frame()).toContain('no runbook matches the search');
    ui.unmount();
  });

  it('shows only the runbooks offered for a fault, and all of them with a', async () => {
    const { ui } = list({ offer: { label: 'restart-loop on shop/worker', ids: ['restart-loop'], prefill: { service: 'shop/worker' } } });
    await ui.ready();
    let f = ui.frame();
    expect(f).toContain('Runbooks · 1 of 4');
    expect(f).toContain('offered for restart-loop on shop/worker');
    expect(f).toContain('a all/offered');
    await ui.press('a');
    f = ui.frame();
    expect(f).toContain('Runbooks · 4 of 4');
    expect(f).toContain('every runbook (a: only those offered for restart-loop on shop/worker)');
    ui.unmount();
  });
});

describe('the parameter form', () => {
  it('prefills defaults and what the offer knows, shows descriptions and allowed values, and starts the run', async () => {
    const { ui, onStart } = list({ offer: { label: 'restart-loop on shop/worker', ids: ['restart-loop'], prefill: { service: 'shop/worker' } } });
    await ui.ready();
    await ui.press(KEY.enter);
    const f = ui.frame();
    expect(f).toContain('Run restart-loop: A service keeps restarting');
    expect(f).toMatch(/› service\s+shop\/worker\s+The Compose service, as service or project\/service · matching/);
    expect(f).toMatch(/ {2}then\s+restart\s+After the checks, restart the service or stop there · one of restart \| stop/);
    await ui.press(KEY.down, '\t');
    expect(ui.frame()).toMatch(/› then\s+stop/);
    await ui.press(KEY.enter);
    expect(onStart).toHaveBeenCalledTimes(1);
    const [runbook, params, opts] = onStart.mock.calls[0]! as [Runbook, Map<string, string>, { plan: boolean }];
    expect(runbook.id).toBe('restart-loop');
    expect([...params]).toEqual([['service', 'shop/worker'], ['then', 'stop']]);
    expect(opts).toEqual({ plan: false });
    ui.unmount();
  });

  it('shows one line per bad field and starts nothing', async () => {
    const { ui, onStart } = list();
    await ui.ready();
    await ui.press('/', 'k', 'e', 'e', 'p', 's', KEY.enter, 'p');
    expect(ui.frame()).toContain('Plan of restart-loop: A service keeps restarting');
    await ui.press('S', 'h', 'o', 'p', '!', KEY.down, KEY.ctrlU, 'x', KEY.enter);
    const f = ui.frame();
    expect(f).toContain('! service must match [A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?');
    expect(f).toContain('! then must be one of restart, stop');
    expect(f).toMatch(/› service\s+Shop!/);
    expect(onStart).not.toHaveBeenCalled();
    await ui.press(KEY.esc);
    expect(ui.frame()).toContain('Runbooks · 1 of 4');
    ui.unmount();
  });

  it('reads a secret parameter masked: no frame ever shows it', async () => {
    const { ui, onStart } = list();
    await ui.ready();
    await ui.press('/', 'r', 'o', 't', 'a', 't', 'e', KEY.enter, KEY.enter);
    await ui.press('s', 'h', 'o', 'p', '/', 'a', 'p', 'i', KEY.down);
    let f = ui.frame();
    expect(f).toContain('› token');
    expect(f).toContain('The new token · secret · required');
    await ui.press('h', 'u', 'n', 't', 'e', 'r', '2');
    expect(ui.frame()).toContain('•••••••');
    await ui.press(KEY.enter);
    f = ui.frame();
    expect(f).toMatch(/ {2}token\s+\(set\)/);
    expect(f).toMatch(/› mode\s+soft/);
    await ui.press(KEY.enter);
    expect(onStart).toHaveBeenCalledTimes(1);
    const params = onStart.mock.calls[0]![1] as Map<string, string>;
    expect([...params]).toEqual([['service', 'shop/api'], ['token', 'hunter2'], ['mode', 'soft']]);
    expect(ui.frames.length).toBeGreaterThan(10);
    for (const frame of ui.frames) expect(frame).not.toContain('hunter');
    ui.unmount();
  });

  it('says a required secret left unset is missing', async () => {
    const { ui, onStart } = list();
    await ui.ready();
    await ui.press('/', 'r', 'o', 't', 'a', 't', 'e', KEY.enter, KEY.enter, 's', 'h', 'o', 'p', KEY.down, KEY.enter, KEY.enter);
    const f = ui.frame();
    expect(f).toContain('! token needs a value');
    expect(f).toContain('› token');
    expect(onStart).not.toHaveBeenCalled();
    ui.unmount();
  });

  it('in read-only mode only plans start', async () => {
    const { ui } = list({ readonly: true });
    await ui.ready();
    await ui.press(KEY.enter);
    expect(ui.frame()).toContain('read-only: runbooks run only as plans (p)');
    await ui.press('p');
    expect(ui.frame()).toContain('Plan of disk-full');
    ui.unmount();
  });
});

function runStore(opts: { maxLines?: number } = {}) {
  return new RunStore({ runbook: WITH_SECRET, run: '20260321T090000Z-rotate-token-ab12', server: 'web-1', plan: false, transcript: '/home/ops/.config/opsdeck/runs/20260321T090000Z-rotate-token-ab12.jsonl', publishMs: 0, ...opts });
}
const ev = {
  start: (step: string, command: string): TranscriptEvent => ({ t: 'step-start', at: AT, step, kind: 'check', title: step, command }),
  out: (step: string, text: string, stream: 'stdout' | 'stderr' | 'info' = 'stdout'): TranscriptEvent => ({ t: 'output', at: AT, step, stream, text }),
  end: (step: string, status: 'ok' | 'failed' | 'skipped' | 'timeout' | 'stopped', reason?: string): TranscriptEvent => ({ t: 'step-end', at: AT, step, status, code: status === 'failed' ? 1 : 0, ms: 2000, captures: {}, ...(reason ? { reason } : {}) }),
};

function runScreen(store: RunStore, height = 24) {
  const onBack = vi.fn();
  const ui = mount(<RunbookRun store={store} actions={store} width={100} height={height} color={false} onBack={onBack} onHelp={vi.fn()} />, { plain: true });
  return { ui, onBack };
}

describe('the run screen', () => {
  it('arrow keys in one read move one step each', async () => {
    const store = runStore();
    const { ui } = runScreen(store);
    await ui.ready();
    store.apply(ev.start('look', 'opsdeck status'));
    await ui.waitFor((x) => x.includes('▸ look [check]'));
    await ui.press(`${KEY.up}${KEY.down}${KEY.down}`);
    expect(ui.frame()).toMatch(/▸ tell \[manual\]/);
    ui.unmount();
  });

  it('shows each step with its state and the followed step\'s output, bounded', async () => {
    const store = runStore({ maxLines: 4 });
    const { ui } = runScreen(store);
    await ui.ready();
    expect(ui.frame()).toContain('Run of rotate-token · Rotate the API token · on web-1');
    store.apply(ev.start('look', 'opsdeck status'));
    for (let i = 1; i <= 10; i++) store.apply(ev.out('look', `container ${i} running\n`));
    store.apply(ev.out('look', 'cannot read one\n', 'stderr'));
    store.apply(ev.out('look', 'opsdeck status exited 0', 'info'));
    let f = await ui.waitFor((x) => x.includes('* opsdeck status exited 0'));
    expect(f).toContain('▸ look [check] look');
    expect(f).toContain('$ opsdeck status');
    expect(f).toContain('running step 1 of 3: look');
    expect(f).toContain('… 8 earlier lines dropped');
    expect(f).toContain('  container 9 running');
    expect(f).not.toContain('container 8 running');
    expect(f).toContain('! cannot read one');
    store.apply(ev.end('look', 'ok'));
    store.apply(ev.start('swap', 'opsdeck restart shop/api'));
    store.apply(ev.end('swap', 'failed', 'exit 1'));
    store.apply({ t: 'end', at: AT, status: 'failed', ms: 4000 });
    f = await ui.waitFor((x) => x.includes('failed · transcript:'));
    expect(f).toMatch(/^✓ look {2,}▸ swap/m);
    expect(f).toMatch(/^✗ swap {2,}\$ opsdeck restart shop\/api/m);
    expect(f).toMatch(/· tell {2}Tell the team/);
    expect(f).toContain('✗ failed (exit 1): exit 1 · 2s');
    expect(f).toContain('failed · transcript: /home/ops/.config/opsdeck/runs/20260321T090000Z-rotate-token-ab12.jsonl\nresume with: opsdeck runbook resume 20260321T090000Z-rotate-token-ab12\n');
    await ui.press('k');
    expect(ui.frame()).toContain('▸ look [check] look');
    expect(ui.frame()).toContain('✓ ok · 2s');
    ui.unmount();
  });

  it('shows skipped, stopped and timed-out steps with their marks', async () => {
    const store = runStore();
    const { ui } = runScreen(store);
    await ui.ready();
    store.apply(ev.start('look', 'opsdeck status'));
    store.apply(ev.end('look', 'timeout', 'did not finish within 30 s'));
    store.apply(ev.start('swap', 'opsdeck restart shop/api'));
    store.apply(ev.end('swap', 'skipped', "when mode == 'hard' is false"));
    store.apply(ev.start('tell', 'Post in #ops'));
    store.apply(ev.end('tell', 'stopped'));
    store.apply({ t: 'end', at: AT, status: 'stopped', ms: 4000 });
    const f = await ui.waitFor((x) => x.includes('stopped · transcript:'));
    expect(f).toMatch(/^✗ look {2,}▸ tell \[manual\] Tell the team/m);
    expect(f).toMatch(/^– swap {2,}\$ Post in #ops/m);
    expect(f).toMatch(/^■ tell {2}Tell the team {2,}■ stopped · 2s/m);
    ui.unmount();
  });

  it('asks y/n for an act step, showing the exact command and the server', async () => {
    const store = runStore();
    const { ui } = runScreen(store, 30);
    await ui.ready();
    store.apply(ev.start('swap', 'opsdeck restart shop/api'));
    const reply = store.interaction.confirm({ step: WITH_SECRET.steps[1]!, command: 'opsdeck restart shop/api', server: 'web-1', typeServerName: false });
    const f = await ui.waitFor((x) => x.includes('Run step swap (swap) on web-1?'));
    expect(f).toContain('│ opsdeck restart shop/api');
    expect(f).toContain('waiting for you…');
    expect(f).toContain('waiting for you: confirm swap');
    expect(f).toContain('y yes  n no');
    await ui.press('y');
    await expect(reply).resolves.toEqual({ answer: 'yes' });
    ui.unmount();
  });

  it('asks unlock\'s passphrase with echo off: no frame shows it, and x typed into it stops nothing', async () => {
    const store = runStore();
    const { ui } = runScreen(store, 30);
    await ui.ready();
    const frames: string[] = [];
    const reply = store.interaction.askSecret!({ step: WITH_SECRET.steps[0]!, prompt: 'Passphrase for nvme0n1p3_crypt on web-1' });
    frames.push(await ui.waitFor((x) => x.includes('Passphrase for nvme0n1p3_crypt on web-1')));
    expect(frames[0]).toContain('waiting for you: passphrase for');
    for (const ch of 'xq-s3cret') {
      await ui.press(ch);
      frames.push(ui.raw());
    }
    await ui.press(KEY.enter);
    const secret = await reply;
    expect(secret?.toString()).toBe('xq-s3cret');
    for (const f of frames) expect(f).not.toContain('s3cret');
    expect(store.getSnapshot()).toMatchObject({ stopping: false, status: 'running', prompt: undefined });
    ui.unmount();
  });

  it('on a production server the operator must type its name, not just y', async () => {
    const store = runStore();
    const { ui } = runScreen(store, 30);
    await ui.ready();
    const reply = store.interaction.confirm({ step: WITH_SECRET.steps[1]!, command: 'opsdeck restart shop/api', server: 'web-1', typeServerName: true });
    let f = await ui.waitFor((x) => x.includes('web-1 is a production server. Type its name to run this step:'));
    expect(f).toContain('Run step swap (swap) on web-1?');
    expect(f).toContain('opsdeck restart shop/api');
    expect(f).toContain('⏎ run it  esc refuse');
    let settled = false;
    void reply.then(() => (settled = true));
    await ui.press('y', KEY.enter);
    f = ui.frame();
    expect(f).toContain('that is not web-1: type it exactly, or esc to cancel');
    expect(settled).toBe(false);
    await ui.press(KEY.ctrlU, 'w', 'e', 'b', '-', '1', KEY.enter);
    await expect(reply).resolves.toEqual({ answer: 'yes', typed: 'web-1' });
    await ui.waitFor((x) => !x.includes('production server'));
    const refused = store.interaction.confirm({ step: WITH_SECRET.steps[1]!, command: 'opsdeck restart shop/api', server: 'web-1', typeServerName: true });
    await ui.waitFor((x) => x.includes('production server'));
    await ui.press(KEY.esc);
    await expect(refused).resolves.toEqual({ answer: 'no' });
    ui.unmount();
  });

  it('shows a manual step with y done / s skip / q stop', async () => {
    const store = runStore();
    const { ui } = runScreen(store, 30);
    await ui.ready();
    const reply = store.interaction.acknowledge({ step: WITH_SECRET.steps[2]!, text: 'Post in #ops that the token was rotated.' });
    const f = await ui.waitFor((x) => x.includes('Manual step tell: Tell the team'));
    expect(f).toContain('Post in #ops that the token was rotated.');
    expect(f).toContain('y done  s skip  q stop');
    await ui.press('s');
    await expect(reply).resolves.toBe('skip');
    ui.unmount();
  });

  it('x asks before stopping; esc leaves only once the run has ended', async () => {
    const store = runStore();
    const stop = vi.fn();
    store.setStopper(stop);
    const { ui, onBack } = runScreen(store);
    await ui.ready();
    store.apply(ev.start('look', 'opsdeck status'));
    await ui.press(KEY.esc);
    expect(ui.frame()).toContain('Stop the run?');
    await ui.press('n');
    expect(ui.frame()).not.toContain('Stop the run?');
    expect(onBack).not.toHaveBeenCalled();
    await ui.press('x');
    expect(ui.frame()).toContain('The current step is interrupted; the run can be resumed.');
    await ui.press('y');
    expect(stop).toHaveBeenCalledTimes(1);
    expect(ui.frame()).toContain('stopping… (the current step is being interrupted)');
    store.apply(ev.end('look', 'stopped'));
    store.apply({ t: 'end', at: AT, status: 'stopped', ms: 10 });
    await ui.waitFor((x) => x.includes('stopped · transcript:'));
    await ui.press(KEY.esc);
    expect(onBack).toHaveBeenCalledTimes(1);
    ui.unmount();
  });

  it('a run that ends while "stop the run?" is asked closes the question', async () => {
    const store = runStore();
    const { ui } = runScreen(store);
    await ui.ready();
    store.apply(ev.start('look', 'opsdeck status'));
    await ui.press('x');
    expect(ui.frame()).toContain('Stop the run?');
    store.apply(ev.end('look', 'ok'));
    store.apply({ t: 'end', at: AT, status: 'done', ms: 10 });
    const f = await ui.waitFor((x) => x.includes('done · transcript:'));
    expect(f).not.toContain('Stop the run?');
    ui.unmount();
  });
});

function app(opts: { grid?: GridSnapshot; runbooks?: Runbook[]; phase?: 'ready' | 'connecting' } = {}) {
  const connection = new ConnectionStore('deploy@web-1');
  connection.connected('streamlocal');
  const grid = valueStore<GridSnapshot>(opts.grid ?? gridSnapshot());
  const store = valueStore<AppSessionSnapshot>(
    (opts.phase ?? 'ready') === 'ready' ? { phase: 'ready', label: 'deploy@web-1', connection, grid } : { phase: 'connecting', label: 'deploy@web-1', step: undefined },
  );
  const started: { id: string; params: [string, string][]; plan: boolean }[] = [];
  const session: RunbookSession = {
    ...store,
    prompts: new PromptStore(),
    readonly: false,
    retry: () => undefined,
    act: async () => ({ ok: true, message: 'done' }),
    recreateCommand: () => 'docker compose up',
    loadRunbooks: async () => ({ runbooks: opts.runbooks ?? catalogue(), problems: [] }),
    startRunbook: async (runbook, params, o) => {
      started.push({ id: runbook.id, params: [...params], plan: o.plan });
      const rs = new RunStore({ runbook, run: 'R1', server: 'deploy@web-1', plan: o.plan, transcript: '/tmp/runs/R1.jsonl', publishMs: 0 });
      return rs;
    },
  };
  const ui = mount(<App session={session} color={false} now={() => NOW} />, { plain: true });
  return { ui, store, started };
}

const hintBar = (f: string) => f.split('\n').find((l) => l.startsWith('⏎ details'))!;

describe('runbooks from the grid', () => {
  it('offers b runbook on a faulted row only', async () => {
    const { ui } = app();
    await ui.ready();
    await ui.press('/', '^', 'a', 'p', 'i', '$', KEY.enter);
    expect(hintBar(ui.frame())).toBe('⏎ details  / filter  : command  ctrl-z faulted  l logs  r restart  s stop/start  x shell  ? help');
    await ui.press('b');
    expect(ui.frame()).toContain('api has no fault a runbook answers; :runbooks lists them all');
    await ui.press(':', 'r', 'b', KEY.enter);
    const listed = await ui.waitFor((x) => x.includes('Runbooks · 4 of 4'));
    expect(listed).not.toContain('api has no fault');
    await ui.press(KEY.esc);
    await ui.press('/', KEY.ctrlU, 'w', 'o', 'r', 'k', 'e', 'r', KEY.enter);
    expect(hintBar(ui.frame())).toBe('⏎ details  / filter  : command  ctrl-z faulted  b runbook  l logs  r restart  s stop/start');
    ui.unmount();
  });

  it('b opens the runbooks for the fault with the service filled in, and the run screen after the form', async () => {
    const { ui, started } = app();
    await ui.ready();
    await ui.press('/', 'w', 'o', 'r', 'k', 'e', 'r', KEY.enter, 'b');
    let f = await ui.waitFor((x) => x.includes('offered for restart-loop on shop/worker'));
    expect(f).toContain('Runbooks · 1 of 4');
    await ui.press('p');
    f = ui.frame();
    expect(f).toMatch(/› service\s+shop\/worker/);
    await ui.press(KEY.enter, KEY.enter);
    f = await ui.waitFor((x) => x.includes('Plan of restart-loop · A service keeps restarting · on deploy@web-1'));
    expect(started).toEqual([{ id: 'restart-loop', params: [['service', 'shop/worker'], ['then', 'restart']], plan: true }]);
    expect(f).toMatch(/· exit {2}Why does it exit\?/);
    // Quitting would close the connection the run uses: refused while it runs.
    await ui.press('?');
    await ui.waitFor((x) => x.includes('Confirming a step on a production server'));
    await ui.press('q');
    await ui.waitFor((x) => x.includes('a runbook is running: stop it first (x)'));
    expect(ui.frame()).toContain('Plan of restart-loop · A service keeps restarting');
    ui.unmount();
  });

  it(':runbooks and :rb open the list; the help lists its keys', async () => {
    const { ui } = app();
    await ui.ready();
    await ui.press(':', 'r', 'b', KEY.enter);
    await ui.waitFor((x) => x.includes('Runbooks · 4 of 4'));
    await ui.press('?');
    const f = await ui.waitFor((x) => x.includes('Key bindings'));
    expect(f).toContain('Parameters (before a run)');
    expect(f).toContain('run it as a plan: only its check steps run');
    await ui.press(KEY.esc, KEY.esc);
    await ui.waitFor((x) => /SERVICE\s+STATE/.test(x));
    await ui.press(':', 'r', 'u', 'n', 'b', 'o', 'o', 'k', 's', KEY.enter);
    await ui.waitFor((x) => x.includes('Runbooks · 4 of 4'));
    ui.unmount();
  });

  it('the grid help lists b runbook', async () => {
    const { ui } = app();
    await ui.ready();
    await ui.press('?');
    const f = await ui.waitFor((x) => x.includes('Key bindings'));
    expect(f).toContain("runbooks for the selected service's fault");
    expect(f).toContain(':runbooks');
    ui.unmount();
  });
});

describe('runbooks for a locked server', () => {
  const locked = { phase: 'failed' as const, label: 'deploy@web-1', message: 'connection refused', hint: undefined, locked: 'web-1 is waiting for its disk passphrase' };
  const rebootRunbook = parseRunbook(
    `---\nrunbook: reboot-and-unlock\ntitle: Reboot and unlock\noffer_on:\n  - server-locked\n---\n\n${F}manual step=reboot kind=manual\nReboot it from the provider's console.\n${F}\n`,
    '/runbooks/reboot-and-unlock.md',
  );

  it('offers nothing when no runbook answers server-locked', async () => {
    const { ui, store } = app({ phase: 'connecting' });
    await ui.ready();
    store.set(locked);
    const f = await ui.waitFor((x) => x.includes('u unlock disk'));
    expect(f).not.toContain('reboot and unlock');
    expect(f).not.toContain('for a locked server');
    ui.unmount();
  });

  it('offers the runbook when one answers server-locked, and b opens it', async () => {
    const { ui, store } = app({ phase: 'connecting', runbooks: [...catalogue(), rebootRunbook] });
    await ui.ready();
    store.set(locked);
    const f = await ui.waitFor((x) => x.includes('b reboot and unlock (runbook)'));
    expect(f).toContain('runbook for a locked server: reboot-and-unlock (Reboot and unlock)');
    await ui.press('b');
    const list = await ui.waitFor((x) => x.includes('offered for a locked server'));
    expect(list).toContain('Runbooks · 1 of 5');
    expect(list).toMatch(/reboot-and-unlock\s+Reboot and unlock\s+server-locked/);
    ui.unmount();
  });
});
