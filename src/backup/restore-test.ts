/**
 * The test restore ("restore tested quarterly", as one keystroke): the verified backup restored
 * into a throwaway PostgreSQL container made from the same image as the live one (exact image
 * id, no network, its own anonymous volume), row counts compared with the live database, the
 * container removed again. Where no container can be made, a scratch database DB_restore_test
 * on the live server is used instead. The result is kept beside the backup and shown by
 * `backup list`.
 */
import { randomBytes } from 'node:crypto';
import type Dockerode from 'dockerode';
import { ContainerInspectSchema, ContainerListSchema } from '../docker/schemas.js';
import { containerId } from '../docker/server-names.js';
import { sanitise } from '../text/sanitise.js';
import type { BackupContext } from './backup-context.js';
import { BackupError } from './backup-error.js';
import { failureLine } from './backup-run.js';
import { findPostgresContainer } from './detect.js';
import type { RestoreTestRecord } from './manifest.js';
import { prepareRestoreSource, type RestoreSourceStep } from './restore-source.js';
import { restoreScript } from './restore-script.js';
import { compareCounts, countRows } from './row-counts.js';
import { runScript } from './script-runner.js';
import { stateDir } from './script.js';
import { lastLine, writeServerFile } from './server-files.js';

export type RestoreTestStep = RestoreSourceStep | 'scratch' | 'restore' | 'count' | 'cleanup';
export type RestoreMethod = 'container' | 'database';

export interface RestoreTestOptions {
  onStep?: (step: RestoreTestStep, detail?: string) => void;
  /** Default: a container, falling back to a scratch database. */
  method?: 'auto' | RestoreMethod;
  readyTimeoutMs?: number;
}

export const SCRATCH_LABEL = 'opsdeck.scratch';
const SCRATCH_COMMENT = 'opsdeck scratch restore test';
/** Scratch containers left by a run that died are removed when older than this. */
const STALE_SCRATCH_MS = 6 * 3_600_000;

export function scratchDatabaseName(db: string): string {
  return `${db.slice(0, 63 - '_restore_test'.length)}_restore_test`;
}

export async function testRestore(ctx: BackupContext, id: string, opts: RestoreTestOptions = {}): Promise<RestoreTestRecord> {
  const t0 = ctx.now();
  const entry = await prepareRestoreSource(ctx, id, opts.onStep);
  const file = `${ctx.settings.directory}/${id}.dump.gpg`;
  const live = await findPostgresContainer(ctx.conn.docker, ctx.settings.postgres);
  const liveInfo = ContainerInspectSchema.parse(await ctx.conn.docker.getContainer(live.id).inspect());
  const image = liveInfo.Image ?? live.image;
  const base = { id, image: sanitise(liveInfo.Config?.Image ?? live.image) };
  let method: RestoreMethod = opts.method === 'database' ? 'database' : 'container';
  let note = '';
  let record: RestoreTestRecord;
  if (method === 'container') {
    try {
      record = await viaContainer(ctx, { id, db: entry.database, file, image, base, t0 }, opts);
    } catch (err) {
      if (opts.method === 'container' || !(err instanceof ScratchUnavailable)) throw err;
      method = 'database';
      note = `no throwaway container (${err.message}); used a scratch database instead. `;
      record = await viaDatabase(ctx, { id, db: entry.database, file, container: live.id, base, t0 }, opts);
    }
  } else {
    record = await viaDatabase(ctx, { id, db: entry.database, file, container: live.id, base, t0 }, opts);
  }
  record = { ...record, message: note + record.message };
  const json = JSON.stringify(record, null, 2) + '\n';
  await writeServerFile(ctx.conn, `${ctx.settings.directory}/${id}.restore-test.json`, json);
  await writeServerFile(ctx.conn, `${stateDir(ctx.settings)}/last-restore-test.json`, json);
  return record;
}

/** The container could not be made or did not come up: the scratch database can stand in. */
class ScratchUnavailable extends Error {}

interface Job {
  id: string;
  db: string;
  file: string;
  base: { id: string; image: string };
  t0: number;
}

async function viaContainer(ctx: BackupContext, job: Job & { image: string }, opts: RestoreTestOptions): Promise<RestoreTestRecord> {
  const docker = ctx.conn.docker;
  const s = ctx.settings;
  opts.onStep?.('scratch', job.image);
  await removeStaleScratch(docker, ctx.now());
  const name = `opsdeck-restore-test-${job.db.toLowerCase().replace(/_/g, '-')}-${randomBytes(4).toString('hex')}`;
  let container: Dockerode.Container;
  try {
    container = await docker.createContainer({
      name,
      Image: job.image,
      // A random password for a server nobody can reach (no network); only the local socket is used.
      Env: [`POSTGRES_PASSWORD=${randomBytes(24).toString('base64url')}`, `POSTGRES_USER=${s.postgres.user}`, `POSTGRES_DB=${job.db}`],
      Labels: { [SCRATCH_LABEL]: 'true', 'opsdeck.restore-test': job.id, 'opsdeck.created': new Date(ctx.now()).toISOString() },
      HostConfig: { NetworkMode: 'none' },
    });
  } catch (err) {
    throw new ScratchUnavailable(`cannot create a container from ${job.base.image}: ${dockerMessage(err)}`);
  }
  try {
    try {
      await container.start();
      await waitReady(ctx, container, opts.readyTimeoutMs ?? 180_000);
    } catch (err) {
      throw new ScratchUnavailable(err instanceof Error ? err.message : String(err));
    }
    opts.onStep?.('restore', name);
    const r = await runScript(ctx.conn, restoreScript(s, { file: job.file, container: containerId(container.id), database: job.db, clean: false }));
    if (r.code !== 0) return failed(job, 'container', `pg_restore into the throwaway container failed: ${restoreError(ctx, r)}`, ctx.now());
    opts.onStep?.('count');
    const [restored, live] = await Promise.all([
      countRows(ctx.conn, s.dockerSocket, containerId(container.id), s.postgres.user, job.db),
      countRows(ctx.conn, s.dockerSocket, (await findPostgresContainer(docker, s.postgres)).id, s.postgres.user, job.db),
    ]);
    return verdict(job, 'container', restored, live, ctx.now());
  } finally {
    opts.onStep?.('cleanup', name);
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/** `job.container` is the live container's full id. */
async function viaDatabase(ctx: BackupContext, job: Job & { container: string }, opts: RestoreTestOptions): Promise<RestoreTestRecord> {
  const s = ctx.settings;
  const scratch = scratchDatabaseName(job.db);
  opts.onStep?.('scratch', scratch);
  const psql = (sql: string) =>
    ctx.conn.exec(['docker', '-H', `unix://${s.dockerSocket}`, 'exec', '-i', '--', job.container, 'psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-U', s.postgres.user, '-d', 'postgres', '-v', `db=${scratch}`, '-v', `note=${SCRATCH_COMMENT}`], {
      stdin: sql,
      timeoutMs: 10 * 60_000,
    });
  // A leftover scratch database is ours to drop only if it carries our comment.
  const existing = await psql("SELECT coalesce(shobj_description(oid, 'pg_database'), '-') FROM pg_database WHERE datname = :'db';\n");
  if (existing.code !== 0) throw new BackupError(`cannot reach PostgreSQL in container ${job.container.slice(0, 12)}: ${sanitise(lastLine(existing.stderr))}`);
  const comment = existing.stdout.trim();
  if (comment !== '' && comment !== SCRATCH_COMMENT) throw new BackupError(`a database named ${scratch} exists and is not opsdeck's scratch database; not touching it`);
  if (comment === SCRATCH_COMMENT) await psql('DROP DATABASE :"db";\n');
  const created = await psql('CREATE DATABASE :"db";\nCOMMENT ON DATABASE :"db" IS :\'note\';\n');
  if (created.code !== 0) throw new BackupError(`cannot create the scratch database ${scratch}: ${sanitise(lastLine(created.stderr))}`);
  try {
    opts.onStep?.('restore', scratch);
    const r = await runScript(ctx.conn, restoreScript(s, { file: job.file, container: job.container, database: scratch, clean: false }));
    if (r.code !== 0) return failed(job, 'database', `pg_restore into ${scratch} failed: ${restoreError(ctx, r)}`, ctx.now());
    opts.onStep?.('count');
    const [restored, live] = await Promise.all([countRows(ctx.conn, s.dockerSocket, job.container, s.postgres.user, scratch), countRows(ctx.conn, s.dockerSocket, job.container, s.postgres.user, job.db)]);
    return verdict(job, 'database', restored, live, ctx.now());
  } finally {
    opts.onStep?.('cleanup', scratch);
    await psql('DROP DATABASE IF EXISTS :"db";\n').catch(() => undefined);
  }
}

function verdict(job: Job, method: RestoreMethod, restored: Map<string, number>, live: Map<string, number>, now: number): RestoreTestRecord {
  const v = compareCounts(restored, live);
  const total = [...restored.values()].reduce((a, b) => a + b, 0);
  const parts = [`${restored.size} tables, ${total} rows restored`];
  if (v.missing.length) parts.push(`missing: ${v.missing.join(', ')}`);
  if (v.differing.length) parts.push(`${v.differing.length} table(s) differ from live (changed since the backup?): ${v.differing.slice(0, 5).join(', ')}`);
  return { ...job.base, checkedAt: new Date(now).toISOString(), ok: v.ok, method, durationMs: now - job.t0, tables: v.tables, message: parts.join('; ') };
}

function failed(job: Job, method: RestoreMethod, message: string, now: number): RestoreTestRecord {
  return { ...job.base, checkedAt: new Date(now).toISOString(), ok: false, method, durationMs: now - job.t0, tables: [], message };
}

function restoreError(ctx: BackupContext, r: Awaited<ReturnType<typeof runScript>>): string {
  return r.stderr.slice(-3).join(' / ') || failureLine(ctx, r).message;
}

/**
 * Ready means the final server answers on TCP inside the container: the official image's init
 * phase runs a temporary server on the unix socket only, and restoring into that one would be
 * cut off when it restarts.
 */
async function waitReady(ctx: BackupContext, container: Dockerode.Container, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const argv = ['docker', '-H', `unix://${ctx.settings.dockerSocket}`, 'exec', '--', containerId(container.id), 'pg_isready', '-q', '-h', '127.0.0.1', '-p', '5432'];
  for (;;) {
    const info = ContainerInspectSchema.safeParse(await container.inspect().catch(() => undefined));
    if (info.success && info.data.State && !info.data.State.Running) {
      const logs = await container.logs({ stdout: true, stderr: true, tail: 5 }).catch(() => Buffer.from(''));
      throw new Error(`the throwaway PostgreSQL exited during start-up: ${sanitise(String(logs).replace(/[\x00-\x08]/g, ''))}`);
    }
    if ((await ctx.conn.exec(argv, { timeoutMs: 15_000 }).catch(() => ({ code: 1 }))).code === 0) return;
    if (Date.now() > deadline) throw new Error(`the throwaway PostgreSQL did not become ready within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function removeStaleScratch(docker: Dockerode, now: number): Promise<void> {
  const list = ContainerListSchema.parse(await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${SCRATCH_LABEL}=true`] }) }).catch(() => []));
  for (const c of list) {
    const created = Date.parse(c.Labels?.['opsdeck.created'] ?? '');
    if (Number.isFinite(created) && now - created > STALE_SCRATCH_MS) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
}

function dockerMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  return sanitise(e.json?.message ?? e.message ?? String(err));
}
