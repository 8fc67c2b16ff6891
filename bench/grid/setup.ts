/**
 * What the grid benchmarks share: opsdeck run from its bundle as an operator runs it, the rows
 * the lab's containers must produce, and the facts of the machine the figures come from.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LabInfo } from '../../test/lab/api.js';
import { bundleFiles, copyBundle, shippedNodeFlags } from '../lib/bundle-files.js';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

export interface Opsdeck {
  /** The copy that runs: a snapshot of dist/opsdeck.mjs and its chunks, alone in a temporary dir (no node_modules beside it, as on a server). */
  bundle: string;
  sha256: string;
  builtAt: Date;
  dir: string;
  /** How the copy starts, as `./opsdeck.mjs` does: node with the Node options of its hashbang. */
  start: string[];
  /** argv of `opsdeck ARGS…` against the lab over SSH. */
  argv(...args: string[]): string[];
  /** The same flags as the README shows them. */
  shown(...args: string[]): string;
  cleanup(): void;
}

export function stageOpsdeck(lab: LabInfo, source: string = path.join(REPO, 'dist', 'opsdeck.mjs')): Opsdeck {
  if (!fs.existsSync(source)) throw new Error(`${source} is missing: run npm run bundle first (npm run bench:grid does)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-gridbench-'));
  const bundle = path.join(dir, 'opsdeck.mjs');
  copyBundle(source, bundle);
  const hash = createHash('sha256');
  for (const f of bundleFiles(bundle)) hash.update(fs.readFileSync(f));
  const start = [process.execPath, ...shippedNodeFlags(), bundle];
  const flags = ['--host', lab.sshd.hostAlias, '--ssh-config', lab.sshd.sshConfigPath, '--socket', lab.docker.socketPath, '--config', path.join(dir, 'config.json')];
  return {
    bundle,
    sha256: hash.digest('hex'),
    builtAt: fs.statSync(source).mtime,
    dir,
    start,
    argv: (...args) => [...start, ...args, ...flags],
    shown: (...args) => ['node', ...shippedNodeFlags(), 'opsdeck.mjs', ...args, '--host', lab.sshd.hostAlias, '--ssh-config', lab.sshd.sshConfigPath, '--socket', lab.docker.socketPath].join(' '),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** One row of the grid the lab must show: a Compose service, a one-off, or a container without labels. */
export interface ExpectedRow {
  /** Project heading it sits under; null: the group of containers without Compose labels. */
  project: string | null;
  /** As the grid's first column shows it. */
  label: string;
  containers: string[];
  /** Every replica is meant to keep running (not crash-looping, not exited): a CPU figure must show. */
  steady: boolean;
}

export function expectedRows(lab: LabInfo): ExpectedRow[] {
  const rows = new Map<string, ExpectedRow>();
  for (const c of lab.containers) {
    const label = c.project && c.service ? `${c.service}${c.oneoff ? ' (one-off)' : ''}` : c.name;
    const key = `${c.project ?? ''}/${label}`;
    const row = rows.get(key) ?? { project: c.project, label, containers: [], steady: true };
    row.containers.push(c.name);
    if (c.expect.state !== 'running') row.steady = false;
    rows.set(key, row);
  }
  return [...rows.values()];
}

export function steadyContainers(lab: LabInfo): string[] {
  return lab.containers.filter((c) => c.expect.state === 'running').map((c) => c.name);
}

export interface MachineFacts {
  date: string;
  nproc: number;
  cpu: string;
  memGiB: number;
  kernel: string;
  node: string;
  engine: string;
  dockerCli: string;
  openssh: string;
  tmux: string;
  containers: number;
  loadAvg: string;
}

export function machineFacts(lab: LabInfo, containers: number): MachineFacts {
  // Some print their version on stderr (ssh -V), the docker CLI exits non-zero without a daemon.
  const sh = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '';
  };
  return {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    engine: lab.docker.engineVersion,
    dockerCli: sh('docker', ['--version']).replace(/^Docker version /, ''),
    openssh: sh('ssh', ['-V']).split(',')[0] ?? '',
    tmux: sh('tmux', ['-V']),
    containers,
    loadAvg: os.loadavg().map((l) => l.toFixed(1)).join(' '),
  };
}

export function factsLine(f: MachineFacts): string {
  return `${f.date} · ${f.nproc} CPUs (${f.cpu}), ${f.memGiB} GiB, Linux ${f.kernel} · node ${f.node} · Docker Engine ${f.engine} (lab, API over SSH on loopback), docker CLI ${f.dockerCli} · ${f.openssh} · ${f.tmux} · ${f.containers} containers · load average at start ${f.loadAvg}`;
}
