import type Dockerode from 'dockerode';

// The newest API this code is written against; a newer engine is spoken to at this level.
const OUR_API = '1.45';
// One-shot stats (no one-second wait per container) exist from 1.41 on.
export const ONE_SHOT_STATS_API = '1.41';

/**
 * Pin the API version, as the docker CLI negotiates it. Unversioned requests are not the same as
 * "the newest": Docker 20.10 ignores `one-shot=true` on an unversioned stats request and blocks a
 * second per container (measured on the lab). Returns the version in use.
 */
export async function negotiateApiVersion(docker: Dockerode): Promise<string> {
  const pinned = pinnedApiVersion(docker);
  if (pinned) return pinned;
  const modem = docker.modem as { version?: string };
  // Loaded here, not at the top: the log stream reads pinnedApiVersion and has no use for zod.
  const { DockerVersionSchema } = await import('./schemas.js');
  const v = DockerVersionSchema.parse(await docker.version());
  const server = v.ApiVersion ?? '1.24';
  const chosen = compareApi(server, OUR_API) < 0 ? server : OUR_API;
  modem.version = `v${chosen}`;
  return chosen;
}

/** The version negotiateApiVersion pinned on this client ("1.43"), or undefined before that. */
export function pinnedApiVersion(docker: Dockerode): string | undefined {
  return (docker.modem as { version?: string }).version?.replace(/^v/, '') || undefined;
}

export function compareApi(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}
