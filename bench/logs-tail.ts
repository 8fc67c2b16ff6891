/**
 * `opsdeck logs SERVICE --tail 10000` over SSH against `docker -H ssh://deploy@127.0.0.1:22022
 * logs --tail 10000 CONTAINER`, side by side in one run, for the same container (a flood
 * container of ours in the lab that wrote 20,000 JSON lines). Wall time of each whole command,
 * process start to exit, output to a pipe that is read and counted; runs alternate.
 *
 *   npx tsx bench/logs-tail.ts [--runs 9] [--json FILE]
 *
 * opsdeck runs as it ships: the bundle (built here into a temporary directory with the
 * same esbuild settings as scripts/bundle.mjs) under `node` with the Node options of its hashbang. The docker CLI uses the
 * system ssh with the lab's key and known_hosts through a wrapper on PATH; the wrapper also
 * points the server-side `docker system dial-stdio` at the lab's socket (env DOCKER_HOST=…),
 * because ~deploy/.ssh/environment is shared by every lab on this machine.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { labDocker, requireLab } from '../test/lab/api.js';
import { bundleLike } from './logs-bundle.js';
import { shippedNodeFlags } from './lib/bundle-files.js';
import { startFlood } from './logs-flood.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' }, json: { type: 'string' } } });
const RUNS = Number(values.runs);
const TAIL = 10_000;

const lab = await requireLab();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-bench-tail-'));
const bundle = path.join(dir, 'opsdeck.mjs');

async function buildBundle(): Promise<void> {
  await bundleLike('bin/opsdeck.ts', bundle);
}

function sshWrapper(): string {
  const cfg = path.join(dir, 'ssh_config');
  fs.writeFileSync(
    cfg,
    [
      `Host ${lab.sshd.host}`,
      `  Port ${lab.sshd.port}`,
      `  User ${lab.sshd.user}`,
      `  IdentityFile ${lab.sshd.privateKeyPath}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${lab.sshd.knownHostsPath}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '',
    ].join('\n'),
  );
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  // The docker CLI runs: ssh [opts] -- HOST docker system dial-stdio. Put env DOCKER_HOST=… before docker.
  fs.writeFileSync(
    path.join(bin, 'ssh'),
    [
      '#!/bin/sh',
      'n=$#; i=0',
      'for a in "$@"; do',
      '  i=$((i+1))',
      `  if [ "$a" = docker ] && [ $i -eq $((n-2)) ]; then set -- "$@" env "DOCKER_HOST=${lab.docker.host}" docker; else set -- "$@" "$a"; fi`,
      'done',
      'shift $n',
      `exec /usr/bin/ssh -F ${cfg} "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return bin;
}

interface Run {
  ms: number;
  lines: number;
  bytes: number;
  code: number | null;
  stderr: string;
}

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ ms: performance.now() - t0, lines, bytes, code, stderr }));
  });
}

await buildBundle();
const bin = sshWrapper();
const docker = labDocker(lab);
const flood = await startFlood(docker, { name: 'opsdeck-bench-flood-1', rate: 0, total: 20_000 });
try {
  // Wait until all 20,000 lines are in the log.
  for (let i = 0; i < 200; i++) {
    const logs = (await docker.getContainer(flood.id).logs({ stdout: true, stderr: true, tail: 1 })) as unknown as Buffer;
    if (logs.toString().includes('r00019999')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const env = { ...process.env, HOME: '/nonexistent', PATH: `${bin}:${process.env.PATH ?? ''}` };
  const ours = ['node', [...shippedNodeFlags(), bundle, 'logs', 'flood', '--tail', String(TAIL), '--host', lab.sshd.hostAlias, '--ssh-config', lab.sshd.sshConfigPath, '--socket', lab.docker.socketPath, '--config', '/nonexistent/opsdeck.json']] as const;
  const theirs = ['docker', ['-H', `ssh://${lab.sshd.user}@${lab.sshd.host}:${lab.sshd.port}`, 'logs', '--tail', String(TAIL), flood.name]] as const;
  // One untimed run each (page cache, sshd's first fork).
  await timed(ours[0], [...ours[1]], env);
  await timed(theirs[0], [...theirs[1]], env);
  const a: Run[] = [];
  const b: Run[] = [];
  for (let k = 0; k < RUNS; k++) {
    a.push(await timed(ours[0], [...ours[1]], env));
    b.push(await timed(theirs[0], [...theirs[1]], env));
  }
  for (const [name, rs] of [
    ['opsdeck', a],
    ['docker', b],
  ] as const) {
    const bad = rs.find((r) => r.code !== 0 || r.lines !== TAIL);
    if (bad) {
      console.error(`${name}: exit ${bad.code}, ${bad.lines} lines; stderr: ${bad.stderr.slice(0, 400)}`);
      process.exit(1);
    }
  }
  const median = (rs: Run[]) => [...rs.map((r) => r.ms)].sort((x, y) => x - y)[Math.floor(rs.length / 2)]!;
  const min = (rs: Run[]) => Math.min(...rs.map((r) => r.ms));
  const ratio = median(a) / median(b);
  // Node's own start (no SSH at all), to say where opsdeck's time goes.
  const start = await timed('node', [...shippedNodeFlags(), bundle, '--version'], env);
  const result = {
    tail: TAIL,
    runs: RUNS,
    opsdeck: { medianMs: Math.round(median(a)), minMs: Math.round(min(a)), bytes: a[0]!.bytes, how: `node ${[...shippedNodeFlags(), path.basename(bundle)].join(' ')} logs flood --tail ${TAIL} --host opsdeck-lab` },
    docker: { medianMs: Math.round(median(b)), minMs: Math.round(min(b)), bytes: b[0]!.bytes, how: `docker -H ssh://deploy@127.0.0.1:22022 logs --tail ${TAIL} ${flood.name}` },
    ratio: Math.round(ratio * 100) / 100,
    budget: { maxRatio: 1.2, met: ratio <= 1.2 },
    nodeStartMs: Math.round(start.ms),
  };
  console.log(`--tail ${TAIL}, ${RUNS} runs each, alternating`);
  console.log(`                      median ms   min ms   output`);
  console.log(`opsdeck (bundle)     ${String(result.opsdeck.medianMs).padStart(9)} ${String(result.opsdeck.minMs).padStart(8)}   ${(a[0]!.bytes / 1024).toFixed(0)} KiB`);
  console.log(`docker -H ssh://     ${String(result.docker.medianMs).padStart(9)} ${String(result.docker.minMs).padStart(8)}   ${(b[0]!.bytes / 1024).toFixed(0)} KiB`);
  console.log(`ratio ${result.ratio} (budget <= 1.2: ${result.budget.met ? 'met' : 'MISSED'}); node start + bundle load alone: ${result.nodeStartMs} ms`);
  if (values.json) fs.writeFileSync(values.json, JSON.stringify(result, null, 2) + '\n');
} finally {
  await flood.remove();
  fs.rmSync(dir, { recursive: true, force: true });
}
