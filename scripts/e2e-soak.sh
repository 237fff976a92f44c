#!/usr/bin/env bash
# The browser tests under load (issue 10): run tests/browser/ N times in a row (default 10), each
# time beside the other test files (vitest, in parallel) and a CPU hog, and count the passes.
#   scripts/e2e-soak.sh [N] [LOG_DIR]
# Each round's output goes to LOG_DIR/round-K.log (default: a fresh temporary folder); the last
# line says how many rounds passed. Exit 0 only when every round passed.
set -uo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-10}"
logs="${2:-$(mktemp -d -t mia-e2e-soak-XXXX)}"
mkdir -p "$logs"

hog_pid=""
stop_hog() { if [[ -n "$hog_pid" ]]; then kill "$hog_pid" 2>/dev/null; wait "$hog_pid" 2>/dev/null; hog_pid=""; fi; }
trap stop_hog EXIT

passed=0
for round in $(seq 1 "$rounds"); do
  # A busy loop on one core for as long as the round lasts.
  node -e 'for (;;) {}' &
  hog_pid=$!
  # The other test files, in parallel with the browser tests, as `npm test` would load the machine.
  npx vitest run --exclude 'tests/browser/**' >"$logs/round-$round-others.log" 2>&1 &
  others_pid=$!
  started=$(date +%s)
  if npx vitest run tests/browser/ >"$logs/round-$round.log" 2>&1; then
    passed=$((passed + 1))
    verdict=passed
  else
    verdict=FAILED
  fi
  wait "$others_pid"; others_rc=$?
  stop_hog
  echo "round $round/$rounds: browser tests $verdict in $(( $(date +%s) - started )) s (other tests exit $others_rc; load $(cut -d' ' -f1-3 /proc/loadavg)); log $logs/round-$round.log"
  grep -h "e2e: " "$logs/round-$round.log" | sed 's/^/  /'
done
echo "$passed of $rounds rounds passed (logs in $logs)"
[[ "$passed" == "$rounds" ]]
