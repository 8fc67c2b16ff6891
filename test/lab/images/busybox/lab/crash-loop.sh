#!/bin/sh
# A service that cannot start: it logs a config error and exits 1 after a moment, so its
# restart policy brings it back and RestartCount keeps climbing.
#
# Docker doubles the delay before each restart of a container that ran less than 10 s
# (100 ms, 200 ms, ... up to one minute) and resets it after a run of 10 s or more. Exiting
# quickly every time would soon mean one restart a minute; one slower run in four resets the
# back-off, so the count climbs every few seconds for as long as the lab runs.
# The run counter lives in the container's own file system, which survives restarts.
name=${LAB_SERVICE:-service}
runs=$(($(cat /tmp/runs 2>/dev/null || echo 0) + 1))
echo "$runs" >/tmp/runs

echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) INFO $name: starting (attempt $runs)"
if [ $((runs % 4)) -eq 0 ]; then
  sleep 11
else
  sleep 1.5
fi
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) ERROR $name: SMTP_PASSWORD is not set; cannot connect to smtp.example.com:587" >&2
exit 1
