#!/bin/sh
# The API stand-in: one JSON object per line, forever, with the fields the log view filters on
# (time, level, event, request_id, msg), mostly info, some warn and error, and a share of
# "stripe.webhook" events (some failing), like the JSON logs described in the seeds.
#
# LAB_LOG_EVERY  seconds between lines (fractions allowed)
every=${LAB_LOG_EVERY:-0.5}
instance=$(hostname)

trap 'kill "$gen" 2>/dev/null; exit 0' TERM INT

awk -v every="$every" -v instance="$instance" '
# 16 hex digits from four 16-bit draws: %x in busybox awk overflows above 2^31.
function id() { return sprintf("%04x%04x%04x%04x", int(rand() * 65536), int(rand() * 65536), int(rand() * 65536), int(rand() * 65536)) }
function emit(level, event, msg) {
  printf "{\"time\":\"%s\",\"level\":\"%s\",\"event\":\"%s\",\"request_id\":\"%s\",\"instance\":\"%s\",\"msg\":\"%s\"}\n",
    strftime("%Y-%m-%dT%H:%M:%SZ", systime(), 1), level, event, id(), instance, msg
  fflush()
}
BEGIN {
  # Replicas start in the same second: seed by the host name (a container id) too, or they
  # print the same request ids. In awk: this busybox has no cksum.
  for (i = 1; i <= length(instance); i++) seed = (seed * 31 + index("0123456789abcdef", substr(instance, i, 1))) % 1000003
  srand(seed + systime())
  split("/api/products /api/products/42 /api/cart /api/orders /api/session", paths, " ")
  emit("info", "app.start", "listening on :3001")
  # A fixed cadence rather than dice, so a test waiting a few seconds always sees each kind.
  for (n = 1; ; n++) {
    path = paths[int(rand() * 5) + 1]
    if (n % 14 == 0)      emit("error", "stripe.webhook", "signature verification failed for evt_" id())
    else if (n % 7 == 0)  emit("info", "stripe.webhook", "processed invoice.paid evt_" id())
    else if (n % 11 == 0) emit("error", "db.query", "query timeout after 5000ms on orders")
    else if (n % 5 == 0)  emit("warn", "http.request", "slow request GET " path " took " int(rand() * 2000 + 1000) "ms")
    else                  emit("info", "http.request", "GET " path " 200 " int(rand() * 80 + 5) "ms")
    system("sleep " every)
  }
}' &
gen=$!
touch /tmp/ready
wait "$gen"
