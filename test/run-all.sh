#!/usr/bin/env bash
# The whole test suite, as CI runs it: compile, bundle, unit + TUI tests (no lab), then the lab
# and the end-to-end tests against it. The lab is stopped again only if this run started it, so
# a developer's running lab survives `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "typecheck (app and tests)"
npx tsc -p tsconfig.json --noEmit
npx tsc -p tsconfig.test.json

step "layers (dependency-cruiser: rooms, no circles, no I/O in components and screens)"
npm run --silent layers

step "build and bundle"
npm run --silent build
npm run --silent bundle

# The unit tests need no daemon, but some run Debian tools (shellcheck on the generated backup
# script): install the lab's packages first, so that a machine with only Node, npm and apt passes.
step "Debian packages the tests use"
npx tsx test/lab/cli.ts packages

step "unit and TUI tests (no lab)"
npx vitest run --project unit --project tui

started_lab=0
if ! npx tsx test/lab/cli.ts status --quiet; then
  step "lab up"
  started_lab=1
  npx tsx test/lab/cli.ts up
fi
stop_lab() {
  if [ "$started_lab" = 1 ]; then
    step "lab down"
    npx tsx test/lab/cli.ts down || true
  fi
}
trap stop_lab EXIT

step "end-to-end tests (lab)"
npx vitest run --project e2e
