/**
 * A profile marked `environment: production` asks for the server's name to be typed before the
 * grid restarts, stops or recreates anything; `readonly: true` opens read-only as --readonly does;
 * `colour` draws the server's name in the top bar. The session's side is the real SessionStore
 * built from a real profile (src/config/profile-store.ts, resolveTarget): nothing is mocked there.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import React from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App, type AppSession, type AppSessionSnapshot } from '../../screens/App.js';
import { SessionBar } from '../../screens/ConnectedBar.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { typedConfirmKeys } from '../../components/typed-confirm-keys.js';
import type { GridSnapshot } from '../../src/model/grid-store.js';
import type { ServiceRow } from '../../src/model/grouping.js';
import type { ServiceAction } from '../../src/docker/service-actions.js';
import { ConnectionStore } from '../../src/transport/connection-store.js';
import { PromptStore } from '../../src/model/prompt-store.js';
import { ProfileStore } from '../../src/config/profile-store.js';
import type { ProfileBody } from '../../src/config/profile-schema.js';
import { resolveTarget } from '../../src/transport/target.js';
import { SessionStore } from '../../src/session/session-store.js';
import { KEY, mount, valueStore } from './harness.js';
import { gridSnapshot, NOW } from './grid-fixture.js';

// Colours on (no terminal under the test runner), so the name's colour shows in the frames.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-prodconfirm-'));
  file = path.join(dir, 'config.json');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The real session for a saved local profile (not started: what it takes from the profile is decided on construction). */
async function sessionFor(name: string, body: Omit<ProfileBody, 'local' | 'ssh'>, opts: { readonly?: boolean } = {}): Promise<SessionStore> {
  const store = new ProfileStore({ configPath: file });
  store.add({ name, local: true, socket: path.join(dir, 'docker.sock'), ...body });
  const target = await resolveTarget({ host: name, config: file }, { HOME: dir }, { store });
  return new SessionStore(target, opts);
}

/** The App over a ready grid, with what the real session decided for this profile. */
function appFor(real: SessionStore, color = false) {
  const connection = new ConnectionStore(real.target.label);
  connection.connected('streamlocal');
  const grid = valueStore<GridSnapshot>(gridSnapshot());
  const store = valueStore<AppSessionSnapshot>({ phase: 'ready', label: real.target.label, connection, grid });
  const acted: { action: ServiceAction; service: string }[] = [];
  const session: AppSession = {
    ...store,
    prompts: new PromptStore(),
    readonly: real.readonly,
    serverColour: real.serverColour,
    production: real.production,
    retry: () => {},
    act: async (action: ServiceAction, row: ServiceRow) => {
      acted.push({ action, service: row.service });
      return { ok: true, message: `${action} done for ${row.service}` };
    },
    recreateCommand: (row: ServiceRow) => `docker compose -p shop up -d --no-deps --force-recreate ${row.service}`,
  };
  const app = mount(<App session={session} color={color} now={() => NOW} />, { plain: !color });
  return { app, acted };
}

describe('the session takes the markings from the profile', () => {
  it('production: typed confirmations, and red when the profile has no colour', async () => {
    const s = await sessionFor('shop-prod', { environment: 'production' });
    expect(s.production).toBe(true);
    expect(s.serverColour).toBe('red');
    expect(s.readonly).toBe(false);
  });

  it("a profile's own colour wins; staging is not production", async () => {
    const s = await sessionFor('shop-stage', { environment: 'staging', colour: 'cyan' });
    expect(s.production).toBe(false);
    expect(s.serverColour).toBe('cyan');
  });

  it('readonly: true opens read-only even without --readonly, and the session refuses to act', async () => {
    const s = await sessionFor('watch', { readonly: true });
    expect(s.readonly).toBe(true);
    const row = gridSnapshot().groups[0]!.services[0]!;
    expect((await s.act('restart', row)).ok).toBe(false);
    expect((await sessionFor('other', {})).readonly).toBe(false);
    expect((await sessionFor('flagged', {}, { readonly: true })).readonly).toBe(true);
  });
});

describe('the grid on a production server', () => {
  it('restart asks for the name: a wrong name is refused, esc cancels, the right name runs it', async () => {
    const { app, acted } = appFor(await sessionFor('shop-prod', { environment: 'production' }));
    await app.ready();
    await app.press('/', 'c', 'a', 'd', 'd', 'y', KEY.enter, 'r');
    let f = await app.waitFor((x) => x.includes('Restart shop/caddy (1 container)?'));
    expect(f).toContain('shop-prod is a production server. Type its name to go ahead:');
    // y is not an answer here: it is the first letter of a name.
    await app.press('y', KEY.enter);
    f = app.frame();
    expect(f).toContain('that is not shop-prod: type it exactly, or esc to cancel');
    expect(acted).toEqual([]);
    await app.press(KEY.ctrlU, 'shop-pro', KEY.enter);
    expect(app.frame()).toContain('that is not shop-prod');
    expect(acted).toEqual([]);
    await app.press(KEY.esc);
    await app.waitFor((x) => x.includes('cancelled') && !x.includes('Type its name'));
    expect(acted).toEqual([]);

    await app.press('r');
    await app.waitFor((x) => x.includes('Type its name'));
    await app.press('shop-prod', KEY.enter);
    await app.waitFor((x) => x.includes('restart done for caddy'));
    expect(acted).toEqual([{ action: 'restart', service: 'caddy' }]);
  });

  it('recreate and stop ask for the name too', async () => {
    const { app, acted } = appFor(await sessionFor('shop-prod', { environment: 'production' }));
    await app.ready();
    await app.press('/', 'c', 'a', 'd', 'd', 'y', KEY.enter, 'R');
    await app.waitFor((x) => x.includes('Recreate shop/caddy?') && x.includes('Type its name'));
    await app.press(KEY.esc);
    await app.waitFor((x) => x.includes('cancelled'));
    await app.press('s');
    await app.waitFor((x) => x.includes('Stop shop/caddy (1 container)?') && x.includes('Type its name'));
    await app.press('shop-prod', KEY.enter);
    await app.waitFor((x) => x.includes('stop done for caddy'));
    expect(acted).toEqual([{ action: 'stop', service: 'caddy' }]);
  });

  it('on staging a restart is still y / n', async () => {
    const { app, acted } = appFor(await sessionFor('shop-stage', { environment: 'staging' }));
    await app.ready();
    await app.press('/', 'c', 'a', 'd', 'd', 'y', KEY.enter, 'r');
    const f = await app.waitFor((x) => x.includes('Restart shop/caddy (1 container)?'));
    expect(f).not.toContain('Type its name');
    await app.press('y');
    await app.waitFor((x) => x.includes('restart done for caddy'));
    expect(acted).toEqual([{ action: 'restart', service: 'caddy' }]);
  });

  it('help lists the typed confirmation on a production server', async () => {
    const { app } = appFor(await sessionFor('shop-prod', { environment: 'production' }));
    await app.ready();
    await app.press('?');
    const f = await app.waitFor((x) => x.includes('Confirming on a production server'));
    for (const b of typedConfirmKeys) expect(f).toContain(b.description);
  });
});

describe('a read-only profile in the grid', () => {
  it('hides the actions and refuses them, as --readonly does', async () => {
    const { app, acted } = appFor(await sessionFor('watch', { readonly: true }));
    await app.ready();
    expect(app.frame()).toContain('opsdeck · watch · read-only');
    const hints = app.frame().trimEnd().split('\n').at(-1)!;
    expect(hints).not.toMatch(/restart|stop\/start|shell/);
    await app.press('r');
    await app.waitFor((f) => f.includes('read-only: restart is disabled'));
    expect(acted).toEqual([]);
  });
});

describe("the server's name in its colour", () => {
  const connection = new ConnectionStore('shop-prod');
  connection.connected('streamlocal');
  const ready: AppSessionSnapshot = { phase: 'ready', label: 'shop-prod', connection, grid: valueStore<GridSnapshot>(gridSnapshot()) };

  it('in the top bar, connected, connecting and failed; nothing else takes the colour', async () => {
    for (const snap of [ready, { phase: 'connecting', label: 'shop-prod', step: undefined }, { phase: 'failed', label: 'shop-prod', message: 'no', hint: undefined }] as AppSessionSnapshot[]) {
      const bar = mount(<SessionBar snap={snap} readonly={false} serverColour="magenta" color />);
      await bar.ready();
      expect(bar.raw()).toMatch(/opsdeck · \u001b\[35mshop-prod\u001b\[39m/);
      expect(bar.raw().match(/\u001b\[35m/g)).toHaveLength(1);
      bar.unmount();
    }
  });

  it('bright colours too (the terminal draws them by name)', async () => {
    const bar = mount(<SessionBar snap={ready} readonly serverColour="cyanBright" color />);
    await bar.ready();
    expect(bar.raw()).toMatch(/\u001b\[96mshop-prod\u001b\[39m · read-only/);
  });

  it('plain without colours, or without a colour to draw', async () => {
    for (const [colour, color] of [['red', false], [undefined, true]] as const) {
      const bar = mount(<SessionBar snap={ready} readonly={false} serverColour={colour} color={color} />);
      await bar.ready();
      expect(bar.raw()).not.toMatch(/\u001b\[3\dmshop-prod/);
      expect(bar.raw()).toContain('shop-prod');
      bar.unmount();
    }
  });
});

describe('ConfirmDialog with a name to type', () => {
  it('answers yes with what was typed, only when it matches; esc answers no', async () => {
    const answers: [boolean, string | undefined][] = [];
    const d = mount(<ConfirmDialog title="Stop db?" typeName="db-1" color={false} onAnswer={(yes, typed) => answers.push([yes, typed])} />);
    await d.ready();
    await d.press('n', KEY.enter, KEY.ctrlU, 'DB-1', KEY.enter);
    expect(answers).toEqual([]);
    await d.press(KEY.ctrlU, 'db-1', KEY.enter);
    expect(answers).toEqual([[true, 'db-1']]);
    await d.press(KEY.esc);
    expect(answers).toEqual([[true, 'db-1'], [false, undefined]]);
  });
});
