/** Built-in runbook: the server's disk is (nearly) full. */
export const diskFull = `---
runbook: disk-full
title: The disk is full
description: Where the space went (file systems, Docker's images, build cache, container logs and volumes), then prune images and build cache. Never volumes.
params:
  images:
    description: Which images to prune - dangling (untagged) only, or every image no container uses
    enum: [dangling, unused]
    default: dangling
offer_on:
  - disk-full
setup: [df]
---

# The disk is full

A full disk stops PostgreSQL writing its WAL, Docker pulling images and containers writing logs.
Find what grew before deleting anything. Volumes hold data: this runbook never prunes them.

## File systems

\`\`\`sh step=df kind=check timeout=30s
df -h -x tmpfs -x devtmpfs -x overlay 2>/dev/null || df -h
root=$(docker info --format '{{.DockerRootDir}}')
echo "Docker's data root: $root"
echo "DOCKER_ROOT=$root" >> "$OPSDECK_OUT"
used=$(df -P "$root" 2>/dev/null | awk 'NR==2 { sub("%", "", $5); print $5 }')
echo "DOCKER_ROOT_USED=\${used:-unknown}" >> "$OPSDECK_OUT"
\`\`\`

## What Docker holds

\`\`\`sh step=docker-df kind=check timeout=60s
docker system df
\`\`\`

## The largest container logs

Container logs grow without bound unless the json-file driver has max-size set (daemon.json).

\`\`\`sh step=logs kind=check timeout=60s on_failure=continue
for id in $(docker ps -a -q); do
  f=$(docker inspect --format '{{.LogPath}}' "$id")
  [ -n "$f" ] || continue
  s=$(stat -c %s "$f" 2>/dev/null || sudo -n stat -c %s "$f" 2>/dev/null || echo "?")
  echo "$s $(docker inspect --format '{{.Name}}' "$id")"
done | sort -rn | head -n 10
\`\`\`

## The largest volumes

\`\`\`sh step=volumes kind=check timeout=120s on_failure=continue
docker system df -v --format '{{range .Volumes}}{{.Size}} {{.Name}}
{{end}}' 2>/dev/null | sort -rh | head -n 10
\`\`\`

## Prune images

\`\`\`sh step=prune-images kind=act timeout=10m
if [ "$images" = unused ]; then docker image prune -a -f; else docker image prune -f; fi
\`\`\`

## Prune the build cache

\`\`\`sh step=prune-cache kind=act timeout=10m
docker builder prune -f
\`\`\`

## After

\`\`\`sh step=after kind=check timeout=30s
df -h "$DOCKER_ROOT"
\`\`\`
`;
