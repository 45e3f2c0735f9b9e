#!/usr/bin/env bash
# Measures how fast the history answers: query latency on a database of one million requests
# with their transactions. What recording costs the I/O rate is measured by scripts/bench.sh
# (its "io" rows, recording off and on; docs/performance.md).
# usage: scripts/bench-history.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DMAEMU_BUILD:-$root/build}

"$root/scripts/deps.sh" build
command -v sqlite3 >/dev/null || { "$root/scripts/deps.sh" build; apt-get install -y -qq sqlite3 >/dev/null; }
"$root/scripts/build.sh" "$build" -DDMAEMU_TESTS=OFF

work=$(mktemp -d)
cleanup() {
  set +e
  jobs -p | xargs -r kill 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cli="$build/client/dmaemu"

echo "== query latency, 1,000,000 requests with transactions"
db=$work/million.db
"$build/daemon/dmaemud" --socket "$work/q.sock" --db "$db" 2>/dev/null &
q=$!
for _ in $(seq 100); do [ -S "$work/q.sock" ] && break; sleep 0.05; done
kill -TERM $q; wait $q || true
sqlite3 "$db" <<'SQL'
BEGIN;
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000000)
INSERT INTO requests(run_id, number, device, type, length, status, information, submitted_ns,
                     completed_ns)
SELECT 1, x, 'plx' || (x % 2), CASE x % 3 WHEN 0 THEN 'read' WHEN 1 THEN 'write' ELSE 'ioctl' END,
       4096 * (1 + x % 16), CASE WHEN x % 100 = 0 THEN -1073741823 ELSE 0 END, 4096,
       1700000000000000000 + x * 1000000, 1700000000000000000 + x * 1000000 + 200000 + x % 7000
FROM n;
INSERT INTO transactions(run_id, session_id, txn_no, device, request_id, direction, length,
                         bytes, transfers, status, started_ns, ended_ns)
SELECT 1, 1, id % 2, device, id, type, length, length, 1, 0, submitted_ns, completed_ns
FROM requests;
COMMIT;
SQL
time_query() {
  local label=$1; shift
  local start end
  start=$(date +%s%N)
  for _ in 1 2 3 4 5; do "$cli" "$@" --db "$db" >/dev/null; done
  end=$(date +%s%N)
  awk -v t=$(( (end - start) / 5 )) -v l="$label" 'BEGIN { printf "%-46s %8.1f ms\n", l, t / 1e6 }'
}
time_query "history --device plx1 --status error --limit 100" history --device plx1 --status error --limit 100
time_query "history --since (last 1%) --type read" history --since 2023-11-25T10:00:00Z --type read --limit 100
time_query "history --cursor 900000 --limit 1000" history --cursor 900000 --limit 1000
time_query "show 777777" show 777777
time_query "stats --device plx0 (500,000 requests)" stats --device plx0
