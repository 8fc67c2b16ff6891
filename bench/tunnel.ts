/**
 * The tunnel benchmark: N Docker API round trips through opsdeck's one SSH connection, side by
 * side with `docker -H ssh://HOST` making the same calls, in one run against the lab.
 *
 *   npx tsx bench/tunnel.ts [--n 50] [--json FILE]
 *
 * Each iteration is what `docker ps -a` does: HEAD /_ping, then GET /containers/json?all=1.
 * While opsdeck works, this process's established TCP connections to sshd are sampled from
 * /proc every 50 ms; every connection seen is counted by its local port. It must be exactly one, or the
 * benchmark exits 1. sshd's log is read too (connections it accepted during each side's run):
 * it catches a connection too short-lived for the sampler, but counts every client of the lab. For the docker CLI, sshd's own log counts the connections it accepted.
 *
 * The docker CLI reads the lab's ssh_config through the lab's `ssh` wrapper on PATH
 * (lab.json sshd.sshWrapperDir), and finds the lab's socket on the server through DOCKER_HOST
 * in ~deploy/.ssh/environment, which is how `docker -H ssh://` is used against a real server.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { requireLab, type LabInfo } from '../test/lab/api.js';
import { connect } from '../src/transport/connection.js';
import { refusingPrompter } from '../src/transport/prompter.js';
import { resolveTarget } from '../src/transport/target.js';
import { tcpConnectionsFrom } from '../test/e2e/transport-helpers.js';

interface Side {
  name: string;
  calls: number;
  setupMs: number;
  totalMs: number;
  perIterationMs: { median: number; p95: number; mean: number };
  cpuMs?: number;
  tcpConnections: number;
  sshdAccepted: number;
  how: string;
}

function stats(samples: number[]): Side['perIterationMs'] {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: round(at(0.5)), p95: round(at(0.95)), mean: round(s.reduce((a, b) => a + b, 0) / s.length) };
}

const round = (n: number) => Math.round(n * 10) / 10;

function sshdAcceptedSince(log: string, offset: number): number {
  const text = fs.readFileSync(log).subarray(offset).toString('utf8');
  return (text.match(/Connection from 127\.0\.0\.1 port \d+ on 127\.0\.0\.1 port/g) ?? []).length;
}

async function benchOpsdeck(lab: LabInfo, n: number): Promise<Side> {
  const seen = new Set<string>();
  const sample = () => {
    for (const p of tcpConnectionsFrom(lab.sshd.port)) seen.add(p);
  };
  const sampler = setInterval(sample, 50);
  const logOffset = fs.statSync(sshdLogPath(lab)).size;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const target = await resolveTarget({ host: lab.sshd.hostAlias, 'ssh-config': lab.sshd.sshConfigPath, socket: lab.docker.socketPath, config: '/nonexistent/opsdeck.json' }, { HOME: '/nonexistent' });
  const conn = await connect(target, refusingPrompter);
  const setupMs = performance.now() - t0;
  const samples: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      await conn.docker.ping();
      await conn.docker.listContainers({ all: true });
      samples.push(performance.now() - s);
    }
  } finally {
    clearInterval(sampler);
    sample();
    await conn.close();
  }
  const totalMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    name: `opsdeck (${conn.path})`,
    calls: n * 2,
    setupMs: round(setupMs),
    totalMs: round(totalMs),
    perIterationMs: stats(samples),
    cpuMs: round((cpu.user + cpu.system) / 1000),
    tcpConnections: seen.size,
    sshdAccepted: sshdAcceptedSince(sshdLogPath(lab), logOffset),
    how: 'one ssh2 connection, keep-alive direct-streamlocal channels',
  };
}

function benchDockerCli(lab: LabInfo, n: number): Side {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${lab.sshd.sshWrapperDir}:${process.env.PATH ?? '/usr/bin:/bin'}` };
  delete env.DOCKER_HOST;
  const offset = fs.statSync(sshdLogPath(lab)).size;
  const samples: number[] = [];
  let cpuMs = 0;
  let retries = 0;
  const haveGnuTime = fs.existsSync('/usr/bin/time');
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    // GNU time reports the CPU of docker and its ssh child together (-f "%U %S" on stderr).
    const argv = ['docker', '-H', `ssh://${lab.sshd.hostAlias}`, 'ps', '-a', '-q'];
    const once = () => (haveGnuTime ? spawnSync('/usr/bin/time', ['-f', '%U %S', ...argv], { env, encoding: 'utf8' }) : spawnSync(argv[0]!, argv.slice(1), { env, encoding: 'utf8' }));
    let r = once();
    // The lab is shared: another test restarting sshd must not sink the whole run (counted, not hidden).
    if (r.status !== 0) {
      retries++;
      r = once();
    }
    samples.push(performance.now() - s);
    if (r.status !== 0) throw new Error(`docker -H ssh:// failed: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    const m = /(\d+\.\d+) (\d+\.\d+)\s*$/.exec(r.stderr);
    if (m) cpuMs += (Number(m[1]) + Number(m[2])) * 1000;
  }
  const totalMs = performance.now() - t0;
  return {
    name: 'docker -H ssh://',
    calls: n * 2,
    setupMs: 0,
    totalMs: round(totalMs),
    perIterationMs: stats(samples),
    ...(haveGnuTime ? { cpuMs: round(cpuMs) } : {}),
    tcpConnections: sshdAcceptedSince(sshdLogPath(lab), offset),
    sshdAccepted: sshdAcceptedSince(sshdLogPath(lab), offset),
    how: `a docker CLI process per command, each running ssh … docker system dial-stdio${retries ? ` (${retries} command(s) failed once and were retried)` : ''}`,
  };
}

function sshdLogPath(lab: LabInfo): string {
  return path.join(lab.labDir, 'logs', 'sshd.log');
}

function table(sides: Side[], n: number): string {
  const rows = [
    ['', ...sides.map((s) => s.name)],
    ['iterations (HEAD /_ping + GET /containers/json)', ...sides.map(() => String(n))],
    ['connect / setup', ...sides.map((s) => (s.setupMs ? `${s.setupMs} ms` : '(per command)'))],
    ['per iteration, median', ...sides.map((s) => `${s.perIterationMs.median} ms`)],
    ['per iteration, p95', ...sides.map((s) => `${s.perIterationMs.p95} ms`)],
    ['total wall time', ...sides.map((s) => `${s.totalMs} ms`)],
    ['client CPU', ...sides.map((s) => (s.cpuMs !== undefined ? `${s.cpuMs} ms` : '-'))],
    ['TCP connections to sshd', ...sides.map((s) => String(s.tcpConnections))],
    ['connections sshd accepted meanwhile (its log)', ...sides.map((s) => String(s.sshdAccepted))],
  ];
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { n: { type: 'string', default: '50' }, json: { type: 'string' } } });
  const n = Number(values.n);
  if (!Number.isInteger(n) || n < 1) throw new Error('--n must be a positive whole number');
  const lab = await requireLab();
  const containers = (await (await import('../test/lab/api.js')).labDocker(lab).listContainers({ all: true })).length;
  process.stdout.write(`tunnel benchmark: ${n} iterations against the lab (${containers} containers), sshd 127.0.0.1:${lab.sshd.port}\n`);
  // Warm both paths once (page cache, sshd's first fork), then measure.
  await benchOpsdeck(lab, 2);
  benchDockerCli(lab, 1);
  const ours = await benchOpsdeck(lab, n);
  const peer = benchDockerCli(lab, n);
  const text = table([ours, peer], n);
  process.stdout.write(`\n${text}\n\n`);
  const speedup = peer.totalMs / ours.totalMs;
  process.stdout.write(`opsdeck: ${ours.how}; docker CLI: ${peer.how}.\nopsdeck total is ${speedup.toFixed(1)}x faster (connect included).\n`);
  if (values.json) fs.writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), n, containers, sides: [ours, peer] }, null, 2) + '\n');
  if (ours.tcpConnections !== 1) {
    process.stderr.write(`FAIL: opsdeck used ${ours.tcpConnections} TCP connections to sshd; it must use exactly 1\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench/tunnel: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(2);
  },
);
