#!/bin/sh
# A long-running stand-in service: log lines in the style of the real one, /tmp/ready for the
# `test -f /tmp/ready` health check, and a clean exit 0 on SIGTERM. As PID 1 a shell ignores
# any signal it has no trap for, and `docker stop` would then wait its full 10 s and SIGKILL.
#
# LAB_SERVICE      name used in log lines
# LAB_LOG_STYLE    text | access | json | caddy
# LAB_LOG_EVERY    seconds between log lines
# LAB_READY_AFTER  seconds before /tmp/ready appears (the health check reports "starting" until then)
name=${LAB_SERVICE:-service}
style=${LAB_LOG_STYLE:-text}
every=${LAB_LOG_EVERY:-30}
ready_after=${LAB_READY_AFTER:-1}

stamp() { date -u +%Y-%m-%dT%H:%M:%SZ; }

say() {
  case $style in
    json) printf '{"time":"%s","level":"%s","service":"%s","msg":"%s"}\n' "$(stamp)" "$1" "$name" "$2" ;;
    caddy) printf '{"level":"%s","ts":%s,"logger":"http.log","msg":"%s"}\n' "$1" "$(date +%s)" "$2" ;;
    *) echo "$(stamp) $(echo "$1" | tr a-z A-Z) $name: $2" ;;
  esac
}

tick() {
  n=$((RANDOM % 5))
  case $style in
    access)
      set -- / /products /products/42 /cart /checkout
      shift $n
      echo "127.0.0.1 - - [$(date -u '+%d/%b/%Y:%H:%M:%S +0000')] \"GET $1 HTTP/1.1\" 200 $((RANDOM % 9000 + 500)) \"-\" \"Mozilla/5.0\""
      ;;
    caddy)
      printf '{"level":"info","ts":%s,"logger":"http.log.access","msg":"handled request","request":{"method":"GET","host":"shop.example.com","uri":"/api/products"},"status":200,"duration":0.0%s}\n' "$(date +%s)" "$((RANDOM % 90 + 10))"
      ;;
    json) say info "job processed in $((RANDOM % 900 + 50))ms (queue depth $n)" ;;
    *) say info "ok" ;;
  esac
}

trap 'say info "received SIGTERM, shutting down"; exit 0' TERM INT

say info "starting $name"
sleep "$ready_after"
touch /tmp/ready
say info "ready"
while :; do
  # sleep in the background so the TERM trap runs at once instead of after the sleep.
  sleep "$every" &
  wait $!
  tick
done
