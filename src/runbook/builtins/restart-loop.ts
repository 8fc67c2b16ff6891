/** Built-in runbook: a service that keeps restarting. */
export const restartLoop = `---
runbook: restart-loop
title: A service keeps restarting
description: Exit code and OOM kill, the last error lines, memory against its limit, whether the image changed since the loop began, then a restart.
params:
  service:
    description: The Compose service, as service or project/service
    pattern: '[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?'
  then:
    description: After the checks, restart the service or stop there (roll back by hand, see the last step)
    enum: [restart, stop]
    default: restart
offer_on:
  - restart-loop
  - exited-nonzero
setup: [exit]
---

# A service keeps restarting

Docker restarts a container that exits when its restart policy says so; three exits within five
minutes is a loop. Restarting it by hand rarely helps: find out why it exits.

## Why does it exit?

\`\`\`sh step=exit kind=check timeout=30s
project=\${service%/*}; name=\${service#*/}
# One-off containers (docker compose run) share the label but are not the service.
set -- --filter "label=com.docker.compose.service=$name" --filter "label=com.docker.compose.oneoff=False"
[ "$project" != "$service" ] && set -- "$@" --filter "label=com.docker.compose.project=$project"
ids=$(docker ps -a -q "$@")
[ -n "$ids" ] || { echo "no containers for $service" >&2; exit 1; }
for id in $ids; do
  docker inspect --format '{{.Name}}: {{.State.Status}}{{if not .State.Running}}, exit code {{.State.ExitCode}}{{end}}, OOM killed {{.State.OOMKilled}}, restarts {{.RestartCount}}, policy {{.HostConfig.RestartPolicy.Name}}, started {{.State.StartedAt}}, finished {{.State.FinishedAt}}{{if .State.Error}}, error: {{.State.Error}}{{end}}' "$id"
done
first=$(echo $ids | cut -d' ' -f1)
# A looping container is often running between two exits, and then State.ExitCode reads 0:
# the exit code of its last death is on the events stream.
last=$(docker events --since 10m --until "$(date +%s)" --filter "container=$first" --filter event=die --format '{{index .Actor.Attributes "exitCode"}}' | tail -n 1)
[ -n "$last" ] && echo "last exit (events): $last"
echo "IDS=$(echo $ids)" >> "$OPSDECK_OUT"
docker inspect --format 'EXIT_CODE={{if .State.Running}}'"$last"'{{else}}{{.State.ExitCode}}{{end}}
OOM_KILLED={{.State.OOMKilled}}
RESTARTS={{.RestartCount}}
IMAGE_ID={{.Image}}
IMAGE_REF={{.Config.Image}}
CREATED={{.Created}}' "$first" >> "$OPSDECK_OUT"
\`\`\`

## The last lines it wrote

\`\`\`opsdeck step=errors kind=check on_failure=continue
logs \${service} --tail 40
\`\`\`

## Memory against its limit

An exit code of 137 with OOM killed true means the kernel killed it for memory: raise the limit or
find the leak; a restart will loop again.

\`\`\`sh step=memory kind=check timeout=30s on_failure=continue
for id in $IDS; do
  docker inspect --format '{{.Name}}: limit {{if .HostConfig.Memory}}{{.HostConfig.Memory}} bytes{{else}}none{{end}}' "$id"
done
docker stats --no-stream --format '{{.Name}}: {{.MemUsage}} ({{.MemPerc}})' $IDS 2>/dev/null || echo "not running now: no memory figure"
\`\`\`

## Did the image change? (a bad deploy)

\`\`\`sh step=image kind=check timeout=30s on_failure=continue
now=$(docker image inspect --format '{{.Id}}' "$IMAGE_REF" 2>/dev/null || echo none)
created=$(docker image inspect --format '{{.Created}}' "$IMAGE_ID" 2>/dev/null || echo unknown)
echo "running image: $IMAGE_ID (built $created)"
echo "$IMAGE_REF points to: $now"
echo "container created: $CREATED"
if [ "$now" != "$IMAGE_ID" ]; then
  echo "the tag now names another image: a pull happened after this container was created"
  echo "IMAGE_MOVED=yes" >> "$OPSDECK_OUT"
else
  echo "IMAGE_MOVED=no" >> "$OPSDECK_OUT"
fi
\`\`\`

## Restart it

\`\`\`opsdeck step=restart kind=act when="then == 'restart'"
restart \${service}
\`\`\`

\`\`\`sh step=settle kind=wait interval=5s timeout=60s title="Does it stay up?" when="steps.restart.ok"
before=$(docker inspect --format '{{.State.StartedAt}}' $IDS)
sleep 15
after=$(docker inspect --format '{{.State.StartedAt}}' $IDS)
running=$(docker inspect --format '{{.State.Running}}' $IDS | sort -u)
[ "$before" = "$after" ] && [ "$running" = "true" ] || { echo "still restarting"; exit 1; }
echo "running for 15 s without a restart"
\`\`\`

## Roll back by hand

\`\`\`manual step=rollback kind=manual when="IMAGE_MOVED == 'yes' && !steps.settle.ok"
Set the service's image back to the previous tag in the Compose file and run
docker compose up -d --no-deps SERVICE in the project's directory; then run this runbook again.
\`\`\`
`;
