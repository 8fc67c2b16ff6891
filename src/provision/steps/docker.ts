import { sanitise } from '../../text/sanitise.js';
import { DAEMON_JSON, judgeLogRotation, mergeDaemonJson, parseDaemonJson } from '../daemon-json.js';
import { composeInstallCommand, dockerInstallCommands, judgeDocker, parseDpkgList } from '../docker-install.js';
import { readFileAsRoot, runCommands, writeFileCommand, type Command, type Step, type StepCheck } from '../step.js';

const FACTS = [
  "dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\\n' docker-ce docker.io docker-compose-plugin docker-compose-v2 docker-compose containerd.io 2>/dev/null",
  'echo "@@plugin"; docker compose version --short 2>/dev/null',
  'echo "@@standalone"; docker-compose version --short 2>/dev/null',
  'echo "@@arch"; dpkg --print-architecture',
  'echo "@@groups"; id -nG "$1" 2>/dev/null',
  'echo "@@daemon"; if [ -d /run/systemd/system ]; then echo "systemd $(systemctl is-active docker.service 2>/dev/null)"; fi',
  'if docker info >/dev/null 2>&1; then echo "running $(docker ps -q | wc -l)"; fi',
  'exit 0',
].join('\n');

function section(out: string, name: string): string {
  const start = out.indexOf(`@@${name}\n`);
  if (start < 0) return '';
  const rest = out.slice(start + name.length + 3);
  const end = rest.indexOf('@@');
  return (end < 0 ? rest : rest.slice(0, end)).trim();
}

export interface DockerFacts {
  judgement: ReturnType<typeof judgeDocker>;
  arch: string;
  inGroup: boolean;
  systemdActive: boolean | undefined;
  runningContainers: number | undefined;
  daemonJson: string | null;
}

export async function readDockerFacts(ctx: Parameters<Step['check']>[0]): Promise<DockerFacts> {
  const r = await ctx.shell.run(['sh', '-c', FACTS, 'docker-facts', ctx.settings.deployUser]);
  const out = r.stdout;
  const head = out.slice(0, out.indexOf('@@plugin'));
  const daemon = section(out, 'daemon');
  const running = /^running (\d+)/m.exec(daemon)?.[1];
  return {
    judgement: judgeDocker({ installed: parseDpkgList(head), composePlugin: section(out, 'plugin') || undefined, composeStandalone: section(out, 'standalone') || undefined }),
    arch: section(out, 'arch') || 'amd64',
    inGroup: section(out, 'groups').split(/\s+/).includes('docker'),
    systemdActive: /^systemd /m.test(daemon) ? /^systemd active$/m.test(daemon) : undefined,
    runningContainers: running === undefined ? undefined : Number(running),
    daemonJson: await readFileAsRoot(ctx.shell, DAEMON_JSON),
  };
}

/**
 * Step 7: Docker Engine and compose (saying which source they come from), the deploy user in
 * the docker group (root-equivalent: said so), and daemon.json with log rotation and
 * live-restore merged into whatever is there.
 */
export const dockerStep: Step = {
  id: 'docker',
  title: 'Docker',
  lockout: false,
  async check(ctx) {
    const os = ctx.facts.os;
    if (!os?.ok) return { state: 'refused', found: ['unknown operating system'], commands: [], notes: [] };
    const f = await readDockerFacts(ctx);
    const u = ctx.settings.deployUser;
    // The architecture goes into the apt sources file shown in the plan: only a plain dpkg name.
    if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(f.arch)) return { state: 'refused', found: [`dpkg --print-architecture said '${sanitise(f.arch)}', which is not an architecture name`], commands: [], notes: [] };
    const found: string[] = [];
    const notes: string[] = [];
    const commands: Command[] = [];
    const files: { path: string; text: string }[] = [];
    const { engine, compose } = f.judgement;
    if (engine) found.push(`Docker Engine ${sanitise(engine.version)} from ${engine.source === 'docker' ? "Docker's apt repository (docker-ce)" : "the distribution's packages (docker.io)"}`);
    else {
      found.push('Docker Engine is not installed');
      const source = ctx.settings.dockerSource ?? (os.family === 'debian' && os.version === '12' ? 'docker' : 'distribution');
      const plan = dockerInstallCommands(os, source, f.arch);
      const cmds = plan.commands.map((argv) => ({ argv }));
      if (plan.files.length) {
        // The repository file goes in just before the second apt-get update.
        cmds.splice(5, 0, ...plan.files.map((x) => writeFileCommand(x.path, x.text)));
        files.push(...plan.files);
      }
      commands.push(...cmds);
      notes.push(`Docker comes from ${source === 'docker' ? "Docker's apt repository (download.docker.com)" : "the distribution's packages"}.`);
    }
    if (compose) {
      found.push(`compose ${sanitise(compose.version)} (${compose.kind === 'plugin' ? 'docker compose plugin' : compose.kind === 'standalone-v1' ? 'docker-compose v1, Python' : 'standalone docker-compose v2'}) from ${compose.source}`);
      if (compose.kind === 'standalone-v1') notes.push(`docker-compose 1.x is the old Python compose (end of life). ${os.family === 'debian' && os.version === '12' ? "Debian 12 packages no v2 plugin: Docker's apt repository has docker-compose-plugin (it replaces docker.io with docker-ce)." : `Install ${composeInstallCommand(os, engine?.source ?? 'distribution').slice(-1)[0]} for the v2 plugin.`}`);
    } else if (engine) {
      found.push('no compose');
      commands.push({ argv: composeInstallCommand(os, engine.source) });
    }
    if (f.inGroup) found.push(`${u} is in the docker group`);
    else commands.push({ argv: ['usermod', '-aG', 'docker', u] });
    notes.push(`The docker group is root-equivalent: ${u} can start a container that mounts / and become root. Guard its key like root's.`);

    const merged = mergeDaemonJson(f.daemonJson);
    if (!merged.ok) return { state: 'refused', found: [...found, merged.reason], commands: [], notes: ['Fix daemon.json by hand: opsdeck never overwrites a file it cannot read as JSON.'] };
    if (merged.kept.length) found.push(`daemon.json keeps the operator's ${merged.kept.join(', ')}`);
    if (merged.changed) {
      found.push(f.daemonJson === null ? 'no daemon.json' : `daemon.json lacks ${merged.added.join(', ')}`);
      if (f.daemonJson !== null) commands.push({ argv: ['cp', '-p', '--', DAEMON_JSON, `${DAEMON_JSON}.opsdeck-bak`] });
      commands.push(writeFileCommand(DAEMON_JSON, merged.text));
      files.push({ path: DAEMON_JSON, text: merged.text });
      if (f.systemdActive) {
        if ((f.runningContainers ?? 0) === 0) commands.push({ argv: ['systemctl', 'restart', 'docker.service'] });
        else {
          commands.push({ argv: ['systemctl', 'reload', 'docker.service'] });
          notes.push(`${f.runningContainers} containers are running, so dockerd is only reloaded (live-restore takes effect); the log rotation applies to containers created after the next dockerd restart.`);
        }
      } else if (f.runningContainers === undefined) notes.push('dockerd is not running here: it reads daemon.json when it starts.');
    } else found.push('daemon.json: json-file log rotation and live-restore are set');
    const check: StepCheck = { state: commands.length ? 'todo' : 'done', found, commands, notes, files };
    return check;
  },
  apply: (ctx, check) => runCommands(ctx, check.commands),
  async verify(ctx) {
    const f = await readDockerFacts(ctx);
    const lines: string[] = [];
    const parsed = parseDaemonJson(f.daemonJson);
    const rot = parsed.ok ? judgeLogRotation(parsed.value) : { status: 'fail' as const, detail: parsed.reason };
    const live = parsed.ok && parsed.value['live-restore'] === true;
    lines.push(`daemon.json: ${rot.detail}${live ? ', live-restore' : ''}`);
    const ok = Boolean(f.judgement.engine) && Boolean(f.judgement.compose) && f.inGroup && rot.status === 'pass';
    if (!f.inGroup) lines.push(`${ctx.settings.deployUser} is not in the docker group`);
    return { ok, lines };
  },
};
