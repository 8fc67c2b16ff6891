/**
 * Finding PostgreSQL on the server: containers whose image or command is postgres, grouped by
 * compose service. Of a container's environment only POSTGRES_USER and POSTGRES_DB are read
 * (the official image's superuser and default database); POSTGRES_PASSWORD and everything else
 * is dropped on the spot and never reaches a model.
 */
import type Dockerode from 'dockerode';
import { ContainerInspectSchema, ContainerListSchema, type ContainerSummary } from '../docker/schemas.js';
import { containerId } from '../docker/server-names.js';
import { sanitise } from '../text/sanitise.js';
import { BackupError } from './backup-error.js';
import type { BackupSettings } from '../config/backup-settings-schema.js';

export interface PostgresCandidate {
  /** The full id, checked: what every docker exec addresses (a name is the server's choice). */
  id: string;
  /** Container name without the leading slash. */
  container: string;
  service: string | undefined;
  project: string | undefined;
  image: string;
  running: boolean;
  /** POSTGRES_USER, else undefined (the image default is postgres). */
  user: string | undefined;
  /** POSTGRES_DB, else undefined. */
  database: string | undefined;
}

const PG_IMAGE = /(^|\/)(postgres|postgresql|postgis|pgvector|timescaledb(-ha)?|supabase\/postgres|pg\d*)(:|@|$)/i;

/** The list entry names PostgreSQL: its image (postgres, postgis/postgis, pgvector/pgvector, …) or its command. */
export function looksLikePostgres(c: Pick<ContainerSummary, 'Image' | 'Command'>): boolean {
  const image = c.Image ?? '';
  if (PG_IMAGE.test(image) || /postgres/i.test(image.split('@')[0]!.split(':')[0]!)) return true;
  return /(^|[\s/])postgres(\s|$)/.test(c.Command ?? '');
}

function candidateOf(c: ContainerSummary): Omit<PostgresCandidate, 'user' | 'database'> {
  const labels = c.Labels ?? {};
  return {
    id: containerId(c.Id),
    container: sanitise((c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, '')),
    service: labels['com.docker.compose.service'] ? sanitise(labels['com.docker.compose.service']) : undefined,
    project: labels['com.docker.compose.project'] ? sanitise(labels['com.docker.compose.project']) : undefined,
    image: sanitise(c.Image ?? ''),
    running: c.State === 'running',
  };
}

/** One-off `compose run` containers and opsdeck's own scratch containers are never the database. */
async function listCandidates(docker: Dockerode): Promise<ContainerSummary[]> {
  const list = ContainerListSchema.parse(await docker.listContainers({ all: true }));
  return list.filter((c) => c.Labels?.['com.docker.compose.oneoff'] !== 'True' && c.Labels?.['opsdeck.scratch'] !== 'true');
}

export async function detectPostgres(docker: Dockerode): Promise<PostgresCandidate[]> {
  const out: PostgresCandidate[] = [];
  for (const c of (await listCandidates(docker)).filter(looksLikePostgres)) out.push({ ...candidateOf(c), ...(await envFacts(docker, c.Id)) });
  return out.sort((a, b) => Number(b.running) - Number(a.running) || a.container.localeCompare(b.container));
}

async function envFacts(docker: Dockerode, id: string): Promise<{ user: string | undefined; database: string | undefined }> {
  const info = ContainerInspectSchema.safeParse(await docker.getContainer(id).inspect().catch(() => undefined));
  let user: string | undefined;
  let database: string | undefined;
  for (const kv of info.success ? (info.data.Config?.Env ?? []) : []) {
    if (kv.startsWith('POSTGRES_USER=')) user = kv.slice('POSTGRES_USER='.length);
    else if (kv.startsWith('POSTGRES_DB=')) database = kv.slice('POSTGRES_DB='.length);
  }
  const plain = (v: string | undefined) => (v !== undefined && /^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(v) ? v : undefined);
  return { user: plain(user), database: plain(database) };
}

/** The one running container of the configured service (compose service label, else container name); any image. */
export async function findPostgresContainer(docker: Dockerode, pg: Pick<BackupSettings['postgres'], 'service' | 'project'>): Promise<PostgresCandidate> {
  const all = (await listCandidates(docker)).map(candidateOf);
  const byService = all.filter((c) => c.service === pg.service && (pg.project === undefined || c.project === pg.project));
  const byName = pg.project === undefined ? all.filter((c) => c.container === pg.service) : [];
  const matches = (byService.length ? byService : byName).filter((c) => c.running);
  if (matches.length === 0) {
    throw new BackupError(`no running PostgreSQL container for service '${pg.service}'${pg.project ? ` in project '${pg.project}'` : ''}`, {
      hint: 'Check the service name in the backup settings (the wizard lists what it detects).',
    });
  }
  if (matches.length > 1) throw new BackupError(`more than one running container for service '${pg.service}': ${matches.map((m) => m.container).join(', ')}`, { hint: 'Set the compose project in the backup settings.' });
  return { ...matches[0]!, ...(await envFacts(docker, matches[0]!.id)) };
}
