// The lab's images, built on the lab's own Engine with no registry: a busybox image FROM scratch
// (seconds) and PostgreSQL 15 from a Debian rootfs made by mmdebstrap (the slow one, ~30-60 s).
//
// Each image is tagged by a hash of everything that goes into it, and skipped when that tag
// already exists; the data-root lives in the lab dir, so images are a cache that survives
// `lab down` and reboots. The busybox image is then tagged under the real-looking names the
// containers use (see IMAGE_ALIASES).
import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import type { LabPaths } from './paths.js';
import { run } from './run-command.js';

const IMAGES_SRC = join(dirname(fileURLToPath(import.meta.url)), 'images');
const BUSYBOX_BINARY = '/bin/busybox';

/** Real-looking names for the one busybox image: what `docker ps` on a shop server might show. */
export const IMAGE_ALIASES = [
  'caddy:2.8.4',
  'registry.example.com/shop/web:1.14.2',
  'registry.example.com/shop/api:1.14.2',
  'registry.example.com/shop/worker:1.14.2',
  'registry.example.com/shop/admin:1.14.2',
  'registry.example.com/shop/mailer:1.14.2',
  'redis:7.2.5-alpine',
  'docker.elastic.co/elasticsearch/elasticsearch:8.14.3',
  'minio/minio:RELEASE.2024-06-13T22-53-53Z',
  'prom/prometheus:v2.53.0',
  'grafana/grafana:latest',
  'grafana/loki:3.1.0',
  'grafana/promtail:3.1.0',
  'prom/node-exporter:v1.8.1',
  'prom/alertmanager:v0.27.0',
  'gcr.io/cadvisor/cadvisor:v0.49.1',
  'ghost:5.87-alpine',
  'mysql:8.0.38',
  'containrrr/watchtower:1.7.1',
  'busybox:1.36',
] as const;
export type BusyboxAlias = (typeof IMAGE_ALIASES)[number];

/** The PostgreSQL image's public name. */
export const POSTGRES_IMAGE = 'postgres:15';

/** mmdebstrap recipe for the PostgreSQL rootfs. Part of the cache key: change it and the rootfs is rebuilt. */
const ROOTFS_ARGS = [
  '--variant=apt',
  '--include=postgresql-15,gzip',
  '--aptopt=APT::Install-Recommends "false"',
  '--dpkgopt=path-exclude=/usr/share/doc/*',
  '--dpkgopt=path-exclude=/usr/share/man/*',
  '--dpkgopt=path-exclude=/usr/share/info/*',
  '--dpkgopt=path-exclude=/usr/share/locale/*',
  // postgresql-common would create and initdb a "main" cluster we never use.
  '--essential-hook=mkdir -p "$1/etc/postgresql-common/createcluster.d" && echo "create_main_cluster = false" > "$1/etc/postgresql-common/createcluster.d/00-opsdeck-lab.conf"',
  'bookworm',
];

export interface LabImages {
  busybox: { tag: string; id: string };
  postgres: { tag: string; id: string };
  /** Every tag a lab container may name, with its image id. */
  ids: Record<string, string>;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(join(dir, name)).isFile())
    .sort();
}

function hashInputs(parts: Array<string | Buffer>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(typeof part === 'string' ? part : part).update('\0');
  return hash.digest('hex').slice(0, 12);
}

function hashDir(dir: string, extra: Array<string | Buffer> = []): string {
  const files = filesUnder(dir);
  return hashInputs([...files.flatMap((f) => [f, readFileSync(join(dir, f))]), ...extra]);
}

export async function imageId(docker: Docker, tag: string): Promise<string | null> {
  try {
    return (await docker.getImage(tag).inspect()).Id;
  } catch {
    return null;
  }
}

/** Drain a build/import progress stream; Docker reports failures inside it, not as HTTP errors. */
export async function followProgress(docker: Docker, stream: NodeJS.ReadableStream, what: string): Promise<void> {
  const output: Array<{ error?: string; stream?: string }> = await new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, res: Array<{ error?: string }>) => (err ? reject(err) : resolve(res)));
  });
  const failed = output.find((event) => event.error);
  if (failed) throw new Error(`${what} failed: ${failed.error?.trim()}`);
}

async function buildFromDir(docker: Docker, contextDir: string, tag: string, buildargs: Record<string, string> = {}): Promise<void> {
  const stream = await docker.buildImage(
    { context: contextDir, src: filesUnder(contextDir) },
    { t: tag, buildargs, rm: true, forcerm: true },
  );
  await followProgress(docker, stream, `building ${tag}`);
}

/** Copy a source dir into the build dir (plus extra files), so a context holds exactly what we hash. */
function stageContext(paths: Pick<LabPaths, 'buildDir'>, name: string, srcDir: string, extra: Record<string, string> = {}): string {
  const dir = join(paths.buildDir, name);
  rmSync(dir, { recursive: true, force: true });
  for (const file of filesUnder(srcDir)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(srcDir, file), join(dir, file));
  }
  for (const [to, from] of Object.entries(extra)) copyFileSync(from, join(dir, to));
  return dir;
}

export async function ensureBusyboxImage(docker: Docker, paths: Pick<LabPaths, 'buildDir'>, log: (line: string) => void): Promise<{ tag: string; id: string }> {
  const src = join(IMAGES_SRC, 'busybox');
  const tag = `opsdeck-lab/busybox:${hashDir(src, [readFileSync(BUSYBOX_BINARY)])}`;
  let id = await imageId(docker, tag);
  if (!id) {
    log(`building ${tag}`);
    const context = stageContext(paths, 'busybox', src, { busybox: BUSYBOX_BINARY });
    await buildFromDir(docker, context, tag);
    rmSync(context, { recursive: true, force: true });
    id = await imageId(docker, tag);
    if (!id) throw new Error(`building ${tag} left no image`);
  }
  for (const alias of IMAGE_ALIASES) {
    if ((await imageId(docker, alias)) === id) continue;
    const [repo, version] = splitTag(alias);
    await docker.getImage(id).tag({ repo, tag: version });
  }
  return { tag, id };
}

function splitTag(ref: string): [string, string] {
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
}

/** The rootfs recipe's tag, computed without building: lets `up` start mmdebstrap early. */
export function postgresRootfsTag(): string {
  return `opsdeck-lab/debian-postgres-rootfs:${hashInputs(ROOTFS_ARGS)}`;
}

async function ensureRootfs(docker: Docker, paths: LabPaths, log: (line: string) => void): Promise<string> {
  const tag = postgresRootfsTag();
  if (await imageId(docker, tag)) return tag;
  mkdirSync(paths.buildDir, { recursive: true });
  const tarball = join(paths.buildDir, 'postgres-rootfs.tar');
  const partial = `${tarball}.partial`;
  rmSync(partial, { force: true });
  log('building the PostgreSQL 15 rootfs with mmdebstrap (about a minute, once)');
  const started = Date.now();
  await run(['mmdebstrap', '--quiet', '--format=tar', ...ROOTFS_ARGS, partial], { timeoutMs: 900_000 });
  renameSync(partial, tarball);
  log(`rootfs ready in ${Math.round((Date.now() - started) / 1000)}s; importing it`);
  const [repo, version] = splitTag(tag);
  const stream = await docker.importImage(createReadStream(tarball) as unknown as string, { repo, tag: version });
  await followProgress(docker, stream, `importing ${tag}`);
  // ~400 MB that the image now holds: don't keep a second copy.
  rmSync(tarball, { force: true });
  if (!(await imageId(docker, tag))) throw new Error(`importing ${tag} left no image`);
  return tag;
}

/** The PostgreSQL image's tag, computed without building (a fleet Engine checks its own copy with it). */
export function postgresImageTag(): string {
  return `opsdeck-lab/postgres:${hashDir(join(IMAGES_SRC, 'postgres'), [postgresRootfsTag()])}`;
}

export async function ensurePostgresImage(docker: Docker, paths: LabPaths, log: (line: string) => void): Promise<{ tag: string; id: string }> {
  const rootfs = await ensureRootfs(docker, paths, log);
  const src = join(IMAGES_SRC, 'postgres');
  const tag = postgresImageTag();
  let id = await imageId(docker, tag);
  if (!id) {
    log(`building ${tag}`);
    const context = stageContext(paths, 'postgres', src);
    await buildFromDir(docker, context, tag, { ROOTFS: rootfs });
    rmSync(context, { recursive: true, force: true });
    id = await imageId(docker, tag);
    if (!id) throw new Error(`building ${tag} left no image`);
  }
  if ((await imageId(docker, POSTGRES_IMAGE)) !== id) {
    const [repo, version] = splitTag(POSTGRES_IMAGE);
    await docker.getImage(id).tag({ repo, tag: version });
  }
  return { tag, id };
}

/**
 * Give another Engine an image this one has, without any registry: `docker save | docker load`
 * streamed socket to socket (no temporary file), then the extra tags. The image keeps its id.
 * Measured here for the 365 MB PostgreSQL image: see README.md (Timings).
 */
export async function copyImage(from: Docker, to: Docker, tag: string, aliases: readonly string[] = []): Promise<string> {
  let id = await imageId(to, tag);
  if (!id) {
    const saved = (await from.getImage(tag).get()) as NodeJS.ReadableStream;
    const loading = (await to.loadImage(saved as unknown as string, { quiet: true })) as NodeJS.ReadableStream;
    await followProgress(to, loading, `loading ${tag}`);
    id = await imageId(to, tag);
    if (!id) throw new Error(`loading ${tag} left no image`);
  }
  await tagImage(to, id, aliases);
  return id;
}

/** Tag an image under more names (skipping those that already name it). */
export async function tagImage(docker: Docker, id: string, aliases: readonly string[]): Promise<void> {
  for (const alias of aliases) {
    if ((await imageId(docker, alias)) === id) continue;
    const [repo, version] = splitTag(alias);
    await docker.getImage(id).tag({ repo, tag: version });
  }
}

/** Remove opsdeck-lab/* tags left by earlier recipes, once nothing uses them. */
export async function pruneOldLabImages(docker: Docker, keep: string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const image of await docker.listImages()) {
    for (const ref of image.RepoTags ?? []) {
      if (!ref.startsWith('opsdeck-lab/') || keep.includes(ref)) continue;
      try {
        await docker.getImage(ref).remove();
        removed.push(ref);
      } catch {
        // Still used by a container: next time.
      }
    }
  }
  return removed;
}
