/** Built-in runbook: a service whose health check fails. */
export const serviceUnhealthy = `---
runbook: service-unhealthy
title: A service is unhealthy
description: What its health check says, its errors since the check began to fail, its dependencies, then a restart and a wait for healthy.
params:
  service:
    description: The Compose service, as service or project/service
    pattern: '[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?'
offer_on:
  - unhealthy
setup: [health]
---

# A service is unhealthy

Docker runs the service's health check on a timer and keeps its last five results. A service turns
unhealthy after \`retries\` failures in a row. Look before restarting: a restart hides the evidence.

## What the health check says

\`\`\`sh step=health kind=check timeout=30s
project=\${service%/*}; name=\${service#*/}
# One-off containers (docker compose run) share the label but are not the service.
set -- --filter "label=com.docker.compose.service=$name" --filter "label=com.docker.compose.oneoff=False"
[ "$project" != "$service" ] && set -- "$@" --filter "label=com.docker.compose.project=$project"
ids=$(docker ps -a -q "$@")
[ -n "$ids" ] || { echo "no containers for $service" >&2; exit 1; }
for id in $ids; do
  docker inspect --format '{{.Name}}: {{if .State.Health}}{{.State.Health.Status}}, failing streak {{.State.Health.FailingStreak}}{{range .State.Health.Log}}
  {{.End}} exit {{.ExitCode}}: {{.Output}}{{end}}{{else}}no health check{{end}}' "$id"
done
first=$(echo $ids | cut -d' ' -f1)
streak=$(docker inspect --format '{{if .State.Health}}{{.State.Health.FailingStreak}}{{else}}0{{end}}' "$first")
interval=$(docker inspect --format '{{if .Config.Healthcheck}}{{json .Config.Healthcheck.Interval}}{{else}}0{{end}}' "$first")
secs=$(( (streak + 1) * (interval / 1000000000) ))
[ "$secs" -ge 60 ] || secs=60
echo "IDS=$(echo $ids)" >> "$OPSDECK_OUT"
echo "FAILING_STREAK=$streak" >> "$OPSDECK_OUT"
echo "SINCE=\${secs}s" >> "$OPSDECK_OUT"
\`\`\`

## Errors since the check began to fail

\`\`\`opsdeck step=errors kind=check on_failure=continue
logs \${service} --since \${SINCE} --level warn --tail 200
\`\`\`

## Its dependencies

\`\`\`sh step=deps kind=check timeout=30s on_failure=continue
first=\${IDS%% *}
deps=$(docker inspect --format '{{index .Config.Labels "com.docker.compose.depends_on"}}' "$first")
proj=$(docker inspect --format '{{index .Config.Labels "com.docker.compose.project"}}' "$first")
[ -n "$deps" ] || { echo "no dependencies declared"; exit 0; }
echo "$deps" | tr ',' '\\n' | while IFS=: read -r dep cond _; do
  [ -n "$dep" ] || continue
  for id in $(docker ps -a -q --filter "label=com.docker.compose.project=$proj" --filter "label=com.docker.compose.service=$dep"); do
    docker inspect --format "$dep ($cond): {{.Name}} {{.State.Status}}{{if .State.Health}}, {{.State.Health.Status}}{{end}}" "$id"
  done
done
\`\`\`

## Restart it

A restart starts the containers again with the same configuration; a new deploy is not pulled.

\`\`\`opsdeck step=restart kind=act
restart \${service}
\`\`\`

## Wait until it is healthy

\`\`\`opsdeck step=healthy kind=wait interval=2s timeout=90s
healthy \${service}
\`\`\`
`;
