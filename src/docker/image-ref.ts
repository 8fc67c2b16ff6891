/**
 * Image references as Docker reads them: [registry[:port]/]path[:tag][@digest].
 *
 * The grid flags images that will silently change under the operator on the next pull:
 * an explicit `:latest` or no tag at all (which Docker reads as `:latest`). A digest pins the
 * image whatever the tag says, so `app:latest@sha256:…` is not flagged.
 */

export interface ImageRef {
  /** The reference as the container was created with it (Config.Image). */
  raw: string;
  /** "docker.io" when none was written. */
  registry: string;
  /** The path inside the registry, with Docker Hub's implicit "library/" for official images. */
  repository: string;
  /** What an operator would recognise: "postgres", "ghcr.io/acme/api", "localhost:5000/tools". */
  name: string;
  /** null when no tag was written (Docker then uses "latest") or for image IDs. */
  tag: string | null;
  /** "sha256:…" when pinned by digest. */
  digest: string | null;
  /** Created from an image ID (sha256:… or bare hex) rather than a name. */
  isId: boolean;
}

export type ImageFlag =
  /** Tagged `:latest` explicitly. */
  | 'latest'
  /** No tag and no digest: Docker pulls `:latest`. */
  | 'untagged';

const DEFAULT_REGISTRY = 'docker.io';
const HEX_ID = /^(sha256:)?[a-f0-9]{12,64}$/;

export function parseImageRef(raw: string): ImageRef {
  const ref = raw.trim();
  if (ref === '' || (HEX_ID.test(ref) && (ref.startsWith('sha256:') || ref.length === 64))) {
    return { raw, registry: DEFAULT_REGISTRY, repository: ref, name: ref, tag: null, digest: ref.startsWith('sha256:') ? ref : null, isId: true };
  }

  let rest = ref;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1) || null;
    rest = rest.slice(0, at);
  }

  // A tag's colon comes after the last slash; a colon before it belongs to a registry port.
  let tag: string | null = null;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1) || null;
    rest = rest.slice(0, colon);
  }

  let registry = DEFAULT_REGISTRY;
  let path = rest;
  const firstSlash = rest.indexOf('/');
  if (firstSlash > 0) {
    const first = rest.slice(0, firstSlash);
    // Docker's rule: the first component is a registry if it looks like a host name.
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      registry = first;
      path = rest.slice(firstSlash + 1);
    }
  }

  const isHub = registry === DEFAULT_REGISTRY || registry === 'index.docker.io' || registry === 'registry-1.docker.io';
  const repository = isHub && !path.includes('/') ? `library/${path}` : path;
  const name = isHub ? repository.replace(/^library\//, '') : `${registry}/${path}`;
  return { raw, registry, repository, name, tag, digest, isId: false };
}

export function imageFlags(ref: ImageRef): ImageFlag[] {
  if (ref.isId || ref.digest) return [];
  if (ref.tag === null) return ['untagged'];
  if (ref.tag === 'latest') return ['latest'];
  return [];
}

/** The version part for a narrow column: "16-alpine", "latest" (also when implicit), "sha256:3f1c2a9b8d7e". */
export function displayTag(ref: ImageRef): string {
  if (ref.tag) return ref.tag;
  if (ref.digest) return shortDigest(ref.digest);
  if (ref.isId) return shortDigest(ref.raw);
  return 'latest';
}

function shortDigest(d: string): string {
  const [algo, hex] = d.includes(':') ? d.split(':', 2) : ['sha256', d];
  return `${algo}:${(hex ?? '').slice(0, 12)}`;
}
