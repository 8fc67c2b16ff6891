/** Built-in runbook: deploy a new image of a service, and go back to the old one if it is not healthy. */
export const deployWithRollback = `---
runbook: deploy-with-rollback
title: Deploy a service, roll back if it is not healthy
description: Record the running image, pull the new one, run migrations in a throwaway container, up -d, poll health (30 x 2 s), and on failure return to the recorded image and show why.
params:
  service:
    description: The Compose service, as service or project/service
    pattern: '[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?'
  set:
    description: One variable the Compose file reads for the new version, e.g. APP_TAG=1.15.0 (empty - the same tags, newly pulled)
    pattern: '([A-Z_][A-Z0-9_]*=[A-Za-z0-9._:@/+-]*)?'
    default: ''
  pull:
    description: Pull the images first (no - they are already on the server)
    enum: [yes, no]
    default: yes
  migrate:
    description: A command run in a throwaway container of the new image before it goes live, e.g. alembic upgrade head (empty - none)
    default: ''
offer_on: []
setup: [record]
---

# Deploy with rollback

The deploy of seed 004's \`ci/deploy.sh\`: save the running image, pull, migrate in an ephemeral
container, restart, poll the health check 30 times every 2 s, and roll back by itself when it
fails. The rollback tags the recorded image with the name the new containers use and runs
\`up -d\` again, so Compose recreates them from the old image.

## Record what runs now

\`\`\`sh step=record kind=check timeout=30s
project=\${service%/*}; name=\${service#*/}
# One-off containers (docker compose run) share the label but are not the service.
set -- --filter "label=com.docker.compose.service=$name" --filter "label=com.docker.compose.oneoff=False"
[ "$project" != "$service" ] && set -- "$@" --filter "label=com.docker.compose.project=$project"
first=$(docker ps -q "$@" | head -n 1)
[ -n "$first" ] || { echo "no running container for $service" >&2; exit 1; }
docker ps --format '{{.Names}} {{.Image}} {{.Status}}' "$@"
docker inspect --format 'PREVIOUS_IMAGE={{.Image}}
OLD_REF={{.Config.Image}}
PROJECT={{index .Config.Labels "com.docker.compose.project"}}
COMPOSE_SERVICE={{index .Config.Labels "com.docker.compose.service"}}
COMPOSE_DIR={{index .Config.Labels "com.docker.compose.project.working_dir"}}' "$first" >> "$OPSDECK_OUT"
if docker compose version >/dev/null 2>&1; then echo "COMPOSE=docker compose" >> "$OPSDECK_OUT";
elif command -v docker-compose >/dev/null 2>&1; then echo "COMPOSE=docker-compose" >> "$OPSDECK_OUT";
else echo "neither docker compose nor docker-compose is installed" >&2; exit 1; fi
\`\`\`

## Keep the old image and pull the new one

The old image gets a second name so that a prune cannot remove it while it is the way back.

\`\`\`sh step=pull kind=act timeout=15m
docker tag "$PREVIOUS_IMAGE" "opsdeck-rollback/$PROJECT-$COMPOSE_SERVICE:previous"
cd -- "$COMPOSE_DIR"
[ -z "$set" ] || export "$set"
if [ "$pull" = yes ]; then $COMPOSE -p "$PROJECT" pull "$COMPOSE_SERVICE"; else echo "not pulling (pull=no)"; fi
\`\`\`

## Migrations, in a throwaway container

\`\`\`sh step=migrate kind=act timeout=30m when="migrate != ''"
cd -- "$COMPOSE_DIR"
[ -z "$set" ] || export "$set"
$COMPOSE -p "$PROJECT" run --rm --no-deps "$COMPOSE_SERVICE" sh -c "$migrate"
\`\`\`

## Start the new version

\`\`\`sh step=up kind=act timeout=10m
cd -- "$COMPOSE_DIR"
[ -z "$set" ] || export "$set"
$COMPOSE -p "$PROJECT" up -d --no-deps "$COMPOSE_SERVICE"
first=$(docker ps -a -q --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$COMPOSE_SERVICE" | head -n 1)
docker inspect --format 'NEW_IMAGE={{.Image}}
NEW_REF={{.Config.Image}}' "$first" >> "$OPSDECK_OUT"
\`\`\`

## Healthy? (30 polls, 2 s apart)

\`\`\`opsdeck step=health kind=wait interval=2s timeout=60s on_failure=why
healthy \${PROJECT}/\${COMPOSE_SERVICE}
\`\`\`

\`\`\`sh step=done kind=check timeout=30s title="Deployed"
echo "deployed: $NEW_REF ($NEW_IMAGE), was $OLD_REF ($PREVIOUS_IMAGE)"
\`\`\`

## Why it failed

\`\`\`sh step=why kind=check timeout=60s when="steps.health.failed" on_failure=continue
for id in $(docker ps -a -q --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$COMPOSE_SERVICE"); do
  docker inspect --format '{{.Name}}: {{.State.Status}}{{if .State.Health}}, {{.State.Health.Status}}{{range .State.Health.Log}}
  {{.End}} exit {{.ExitCode}}: {{.Output}}{{end}}{{end}}' "$id"
  docker logs --tail 30 "$id" 2>&1
done
\`\`\`

## Roll back to the recorded image

Not asked again: the deploy was confirmed, and leaving a broken version running is worse.

\`\`\`sh step=rollback kind=act confirm=no timeout=10m when="steps.health.failed"
cd -- "$COMPOSE_DIR"
[ -z "$set" ] || export "$set"
docker tag "$PREVIOUS_IMAGE" "$NEW_REF"
$COMPOSE -p "$PROJECT" up -d --no-deps "$COMPOSE_SERVICE"
\`\`\`

\`\`\`opsdeck step=rolled-back kind=wait interval=2s timeout=60s when="steps.rollback.ok"
healthy \${PROJECT}/\${COMPOSE_SERVICE}
\`\`\`
`;
