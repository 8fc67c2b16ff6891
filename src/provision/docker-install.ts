/**
 * Where Docker comes from, and the exact commands to get it. Two sources:
 *  - the distribution's packages: docker.io plus its compose package (Debian 13: docker-compose,
 *    a v2 plugin; Ubuntu: docker-compose-v2; Debian 12 has only docker-compose 1.29, the Python v1);
 *  - Docker's apt repository (download.docker.com): docker-ce with docker-compose-plugin, the
 *    way Docker documents it, and the only v2 compose on Debian 12.
 */
import type { OsVerdict } from './os-release.js';

export type DockerSource = 'distribution' | 'docker';

export interface DockerPackages {
  /** Package name → version, for the installed ones among those we know. */
  installed: Map<string, string>;
  /** `docker compose version` answered (a v2 plugin is there). */
  composePlugin: string | undefined;
  /** `docker-compose version --short` answered. */
  composeStandalone: string | undefined;
}

export interface DockerJudgement {
  engine: { source: DockerSource; pkg: string; version: string } | undefined;
  compose: { kind: 'plugin' | 'standalone-v1' | 'standalone-v2'; source: string; version: string } | undefined;
}

export function judgeDocker(p: DockerPackages): DockerJudgement {
  const v = (n: string) => p.installed.get(n);
  const engine = v('docker-ce')
    ? { source: 'docker' as const, pkg: 'docker-ce', version: v('docker-ce')! }
    : v('docker.io')
      ? { source: 'distribution' as const, pkg: 'docker.io', version: v('docker.io')! }
      : undefined;
  let compose: DockerJudgement['compose'];
  if (p.composePlugin) {
    const src = v('docker-compose-plugin') ? "Docker's apt repository (docker-compose-plugin)" : v('docker-compose-v2') ? 'the distribution (docker-compose-v2)' : v('docker-compose') ? 'the distribution (docker-compose)' : 'a plugin installed by hand';
    compose = { kind: 'plugin', source: src, version: p.composePlugin };
  } else if (p.composeStandalone) {
    const major = Number(p.composeStandalone.replace(/^v/, '').split('.')[0]);
    compose = { kind: major >= 2 ? 'standalone-v2' : 'standalone-v1', source: v('docker-compose') ? 'the distribution (docker-compose)' : 'a binary installed by hand', version: p.composeStandalone };
  }
  return { engine, compose };
}

/** Parses `dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\n'` (installed = "ii"). */
export function parseDpkgList(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const r = /^(\S+) (\S+) ii\s*$/.exec(line.trim());
    if (r) m.set(r[1]!, r[2]!);
  }
  return m;
}

export const APT = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get'];

/** The distribution's compose package for this release (Debian 12's is the Python v1). */
export function distributionComposePackage(os: Extract<OsVerdict, { ok: true }>): string {
  return os.family === 'ubuntu' ? 'docker-compose-v2' : 'docker-compose';
}

export function dockerRepoSources(os: Extract<OsVerdict, { ok: true }>, arch: string): string {
  return [
    'Types: deb',
    `URIs: https://download.docker.com/linux/${os.family}`,
    `Suites: ${os.codename}`,
    'Components: stable',
    `Architectures: ${arch}`,
    'Signed-By: /etc/apt/keyrings/docker.asc',
    '',
  ].join('\n');
}

/** Commands that install Engine + compose from `source`; the repository file's text is returned too. */
export function dockerInstallCommands(os: Extract<OsVerdict, { ok: true }>, source: DockerSource, arch: string): { commands: string[][]; files: { path: string; text: string }[] } {
  if (source === 'distribution') {
    return { commands: [[...APT, 'update'], [...APT, 'install', '-y', '--no-install-recommends', 'docker.io', distributionComposePackage(os)]], files: [] };
  }
  return {
    commands: [
      [...APT, 'update'],
      [...APT, 'install', '-y', '--no-install-recommends', 'ca-certificates', 'curl'],
      ['install', '-m', '0755', '-d', '/etc/apt/keyrings'],
      ['curl', '-fsSL', `https://download.docker.com/linux/${os.family}/gpg`, '-o', '/etc/apt/keyrings/docker.asc'],
      ['chmod', 'a+r', '/etc/apt/keyrings/docker.asc'],
      // then the sources file (written from `files`), then:
      [...APT, 'update'],
      [...APT, 'install', '-y', 'docker-ce', 'docker-ce-cli', 'containerd.io', 'docker-buildx-plugin', 'docker-compose-plugin'],
    ],
    files: [{ path: '/etc/apt/sources.list.d/docker.sources', text: dockerRepoSources(os, arch) }],
  };
}

/** Compose for an engine already there, from the engine's own source. */
export function composeInstallCommand(os: Extract<OsVerdict, { ok: true }>, engineSource: DockerSource): string[] {
  return [...APT, 'install', '-y', '--no-install-recommends', engineSource === 'docker' ? 'docker-compose-plugin' : distributionComposePackage(os)];
}
