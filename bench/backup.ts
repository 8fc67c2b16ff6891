/**
 * The backup benchmark: one backup of a ≥200 MB PostgreSQL database on the lab, made by
 * opsdeck and by the same pipeline written by hand in a shell and run over ssh, side by side
 * in one run (alternating which goes first).
 *
 *   npx tsx bench/backup.ts [--n 3] [--json FILE] [--readme] [--drop]
 *
 * The database is `bench` on the lab's PostgreSQL (created here if missing or too small; --drop
 * removes it afterwards). Both sides back up to their own directory under one temporary,
 * deploy-owned folder, removed at the end.
 *
 * Sides:
 *  - opsdeck: connect (opsdeck's SSH transport) + `runBackup` (dump | gpg on the server, fsync,
 *    verify: decrypt | pg_restore --list + size and table sanity + sha256, manifest, atomic
 *    rename, retention) + close. This is what the TUI and `opsdeck backup run` do.
 *  - opsdeck CLI: `node opsdeck.mjs backup run` as a process, the bundle an operator
 *    installs (built here into a temporary file with scripts/bundle.mjs's options).
 *  - by hand: `ssh HOST bash -s` with a script doing dump | gpg to a partial file, sync,
 *    gpg -d | pg_restore --list, sha256sum, mv. No manifest, no retention, no progress.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { labExec, requireLab, type LabInfo } from '../test/lab/api.js';
import { createBackupContext } from '../src/backup/backup-context.js';
import { runBackup } from '../src/backup/backup-run.js';
import type { BackupSettings } from '../src/config/backup-settings-schema.js';
import { ProfileStore } from '../src/config/profile-store.js';
import { connect } from '../src/transport/connection.js';
import { refusingPrompter } from '../src/transport/prompter.js';
import { resolveTarget } from '../src/transport/target.js';
import { shellCommand } from '../src/transport/shell-quote.js';
import { updateReadme, withBlock } from './lib/readme.js';
import { bundleLike } from './logs-bundle.js';
import { shippedNodeFlags } from './lib/bundle-files.js';

const DB = 'bench';
const MIN_BYTES = 200 * 1024 * 1024;
const MiB = 1024 * 1024;

async function psql(lab: LabInfo, db: string, sql: string): Promise<string> {
  const r = await labExec(lab.postgres.container, ['psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-U', lab.postgres.user, '-d', db], { input: sql });
  if (r.code !== 0) throw new Error(`psql ${db}: ${r.stderr}`);
  return r.stdout.trim();
}

async function ensureDatabase(lab: LabInfo): Promise<number> {
  const size = async () => Number(await psql(lab, 'postgres', `SELECT coalesce(sum(pg_database_size(datname)), 0) FROM pg_database WHERE datname = '${DB}';\n`));
  if ((await size()) >= MIN_BYTES) return size();
  process.stderr.write(`creating database ${DB} (≥ 200 MB) on ${lab.postgres.container}…\n`);
  await psql(lab, 'postgres', `DROP DATABASE IF EXISTS ${DB};\nCREATE DATABASE ${DB};\n`);
  // Orders-like rows: a random part (hashes: barely compressible) and a repetitive part (text).
  await psql(
    lab,
    DB,
    `CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, customer int NOT NULL, token text NOT NULL, note text NOT NULL);
INSERT INTO events SELECT g, timestamptz '2026-01-01' + g * interval '1 second', g % 50000, md5(random()::text) || md5(random()::text),
  'order ' || g || ' shipped to customer ' || (g % 50000) || ' via standard delivery; status ok'
FROM generate_series(1, 1300000) g;
CREATE TABLE customers AS SELECT g AS id, 'customer ' || g AS name, md5(g::text) || '@example.com' AS email FROM generate_series(1, 50000) g;
ANALYZE;
`,
  );
  const s = await size();
  if (s < MIN_BYTES) throw new Error(`the bench database is only ${Math.round(s / MiB)} MiB`);
  return s;
}

function deployIds(lab: LabInfo): { uid: number; gid: number } {
  const u = lab.sshd.user;
  return { uid: Number(execFileSync('id', ['-u', u], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', u], { encoding: 'utf8' })) };
}

function handScript(lab: LabInfo, dir: string, passFile: string): string {
  const sock = `unix://${lab.docker.socketPath}`;
  const pg = lab.postgres.container;
  // What an operator would write after reading the seeds: the same pipeline, checked the same way.
  return [
    'set -euo pipefail',
    'umask 077',
    `D=${shellCommand([dir])}`,
    'mkdir -p "$D"',
    'F="$D/bench-$(date -u +%Y%m%dT%H%M%SZ).dump.gpg"',
    `docker -H ${sock} exec ${pg} pg_dump -U ${lab.postgres.user} -Fc --no-owner --no-acl -d ${DB} \\`,
    `  | gpg --batch --yes --pinentry-mode loopback --passphrase-file ${shellCommand([passFile])} --symmetric --cipher-algo AES256 --compress-algo none -o "$F.partial"`,
    'sync "$F.partial"',
    `gpg --batch --quiet --pinentry-mode loopback --passphrase-file ${shellCommand([passFile])} -d "$F.partial" \\`,
    `  | { docker -H ${sock} exec -i ${pg} pg_restore --list >/dev/null; cat >/dev/null; }`,
    'sha256sum "$F.partial" >"$F.sha256"',
    'mv "$F.partial" "$F"',
    'stat -c %s "$F"',
    '',
  ].join('\n');
}

function run(argv: string[], input?: string): Promise<{ ms: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

const README_TEXT = `## Backup: opsdeck vs the same pipeline by hand

\`npx tsx bench/backup.ts [--n 5] [--readme]\`: one backup of a PostgreSQL database of at least
200 MB (\`bench\` on the lab's PostgreSQL 15 container, created by the script), side by side in
one run, the order alternating each round. Wall time from start to finish of each side:

- **opsdeck (library)**: connect over opsdeck's SSH transport, run the generated script (pg_dump
  -Fc | gpg AES256 on the server, fsync, verify by decrypting into \`pg_restore --list\`, table and
  size sanity, sha256, manifest, atomic rename, retention), close. What the TUI does.
- **opsdeck CLI (bundle)**: \`node opsdeck.mjs backup run\` as a process, the bundle
  (Node's start included).
- **by hand**: \`ssh HOST bash -s\` with the pipeline an operator would write: dump | gpg to a
  partial file, sync, gpg -d | pg_restore --list, sha256sum, mv. No manifest, no retention.

The requirement is opsdeck ≤ 1.15 × by hand (median). The lab's PostgreSQL has one CPU, so pg_dump's
compression sets the pace for both; opsdeck's extra work (a byte count on the stream, one psql
round trip for table count and version, the manifest, the retention walk) costs well under a second.
`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { n: { type: 'string', default: '3' }, json: { type: 'string' }, readme: { type: 'boolean' }, drop: { type: 'boolean' } } });
  const n = Math.max(1, Number(values.n));
  const lab = await requireLab();
  const dbBytes = await ensureDatabase(lab);
  const ids = deployIds(lab);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-bench-backup-'));
  fs.chownSync(root, ids.uid, ids.gid);
  fs.chmodSync(root, 0o700);
  const passFile = path.join(root, 'bench.pass');
  fs.writeFileSync(passFile, 'bench passphrase\n', { mode: 0o600 });
  fs.chownSync(passFile, ids.uid, ids.gid);
  const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-bench-backup-cfg-'));
  const config = path.join(cfgDir, 'config.json');
  const settings: BackupSettings = {
    postgres: { service: 'postgres', project: 'shop', databases: [DB] },
    directory: path.join(root, 'opsdeck'),
    encryption: { mode: 'passphrase-file', passphraseFile: passFile },
  };
  new ProfileStore({ configPath: config }).add({ name: 'lab', ssh: { host: lab.sshd.hostAlias }, socket: lab.docker.socketPath, backup: settings }, { makeDefault: true });
  const results = { opsdeck: [] as number[], cli: [] as number[], hand: [] as number[], bytes: { opsdeck: 0, hand: 0 } };
  // The CLI as installed: the bundle (entry and chunks), built beside our temporary files (not dist/, which others use).
  const bundle = path.join(cfgDir, 'opsdeck.mjs');
  await bundleLike('bin/opsdeck.ts', bundle);

  const viaLibrary = async () => {
    const t0 = performance.now();
    const target = await resolveTarget({ host: 'lab', config, 'ssh-config': lab.sshd.sshConfigPath }, { HOME: '/nonexistent' });
    const conn = await connect(target, refusingPrompter, { reconnect: false });
    try {
      const ctx = await createBackupContext(conn, settings, 'lab', { version: 'bench' });
      const o = await runBackup(ctx);
      if (o.status !== 'ok') throw new Error(`opsdeck backup failed: ${o.message}`);
      results.bytes.opsdeck = o.backups[0]!.bytes;
    } finally {
      await conn.close();
    }
    return performance.now() - t0;
  };
  const viaCli = async () => {
    const r = await run([process.execPath, ...shippedNodeFlags(), bundle, 'backup', 'run', '--host', 'lab', '--config', config, '--ssh-config', lab.sshd.sshConfigPath]);
    if (r.code !== 0) throw new Error(`opsdeck backup run failed: ${r.stderr}`);
    return r.ms;
  };
  const byHand = async () => {
    const r = await run(['ssh', '-F', lab.sshd.sshConfigPath, lab.sshd.hostAlias, 'bash', '-s'], handScript(lab, path.join(root, 'hand'), passFile));
    if (r.code !== 0) throw new Error(`hand-written backup failed: ${r.stderr}`);
    results.bytes.hand = Number(r.stdout.trim());
    return r.ms;
  };

  // The lab is shared: another engineer's reconnect test may restart sshd under a run. Such a
  // run is thrown away and made again (and says so), rather than counted.
  const retrying = async (side: string, fn: () => Promise<number>): Promise<number> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= 3) throw err;
        process.stderr.write(`${side}: ${(err as Error).message.split('\n')[0]} (retrying in 10 s)\n`);
        await new Promise((r) => setTimeout(r, 10_000));
      }
    }
  };
  try {
    for (let i = 0; i < n; i++) {
      // Alternate the order, so neither side always runs on a warm (or cold) server.
      const order = i % 2 === 0 ? (['opsdeck', 'hand', 'cli'] as const) : (['hand', 'cli', 'opsdeck'] as const);
      for (const side of order) {
        const ms = await retrying(side, side === 'opsdeck' ? viaLibrary : side === 'cli' ? viaCli : byHand);
        results[side].push(ms);
        process.stderr.write(`round ${i + 1}/${n} ${side}: ${sec(ms)}\n`);
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cfgDir, { recursive: true, force: true });
    if (values.drop) await psql(lab, 'postgres', `DROP DATABASE IF EXISTS ${DB};\n`);
  }

  const med = { opsdeck: median(results.opsdeck), cli: median(results.cli), hand: median(results.hand) };
  const ratio = med.opsdeck / med.hand;
  const cliRatio = med.cli / med.hand;
  const rows = [
    ['', 'opsdeck (library)', 'opsdeck CLI (bundle)', 'by hand (ssh bash)'],
    ['wall, median', sec(med.opsdeck), sec(med.cli), sec(med.hand)],
    ['wall, min', sec(Math.min(...results.opsdeck)), sec(Math.min(...results.cli)), sec(Math.min(...results.hand))],
    ['runs', String(results.opsdeck.length), String(results.cli.length), String(results.hand.length)],
    ['ratio to by hand (median)', ratio.toFixed(3), cliRatio.toFixed(3), '1.000'],
    ['encrypted backup', `${(results.bytes.opsdeck / MiB).toFixed(1)} MiB`, '', `${(results.bytes.hand / MiB).toFixed(1)} MiB`],
  ];
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => `| ${r.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`);
  table.splice(1, 0, `| ${w.map((x) => '-'.repeat(x)).join(' | ')} |`);
  const verdict = `opsdeck / by hand = ${ratio.toFixed(3)} (limit 1.15): ${ratio <= 1.15 ? 'PASS' : 'FAIL'}`;
  const text = [`Database \`${DB}\`: ${(dbBytes / MiB).toFixed(0)} MiB (pg_database_size), ${n} rounds, ${new Date().toISOString().slice(0, 10)}.`, '', ...table, '', verdict].join('\n');
  process.stdout.write(`${text}\n`);
  if (values.json) fs.writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), dbBytes, n, results, median: med, ratio, cliRatio }, null, 2) + '\n');
  if (values.readme) updateReadme((t) => withBlock(t, 'backup', `${README_TEXT}\n${text}\n`));
  if (ratio > 1.15) process.exitCode = 1;
}

await main();
