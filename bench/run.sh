#!/usr/bin/env bash
# The whole scale harness in one command: builds the harness, publishes the portal in Release, seeds
# 1,000,000 access requests across 1,000 tenants (once; cached in bench/data/, BENCH_RESEED=1 to redo it),
# runs the service/query benchmarks and the browser/circuit benchmarks on a copy of that database, and
# rewrites the measured tables in docs/performance.md. BENCH_QUICK=1 runs every step with few iterations.
set -euo pipefail
cd "$(dirname "$0")/.."

SEEDED=bench/data/lockbox-1m.db
RUN_DB=bench/data/run.db
OUT=artifacts/bench
QUICK=()
[ "${BENCH_QUICK:-0}" = 1 ] && QUICK=(--quick)
mkdir -p "$OUT" bench/data
started=$(date +%s)
step() { echo "== $1 ($(( $(date +%s) - started )) s, load $(cut -d' ' -f1 /proc/loadavg))"; }

step "build"
dotnet tool restore >/dev/null
dotnet build bench/LockboxPortal.Bench -c Release -nologo -v q -o "$OUT/harness"
dotnet publish src/LockboxPortal.Web -c Release -nologo -v q -o "$OUT/publish"
BENCH=(dotnet "$OUT/harness/LockboxPortal.Bench.dll")

if [ ! -f "$SEEDED" ] || [ "${BENCH_RESEED:-0}" = 1 ]; then
  step "seed 1,000,000 requests"
  "${BENCH[@]}" seed --db "$SEEDED" --requests "${BENCH_REQUESTS:-1000000}" --tenants 1000 --contoso 50000
fi

# Every step starts from the same seeded history: the benchmarks approve requests they add themselves.
fresh_run_db() { rm -f "$RUN_DB" "$RUN_DB-wal" "$RUN_DB-shm"; cp "$SEEDED" "$RUN_DB"; }
fresh_run_db

step "service and query benchmarks"
"${BENCH[@]}" service --db "$RUN_DB" --out "$OUT" "${QUICK[@]}"

fresh_run_db # not the thousands of requests the service step added
step "browser and circuit benchmarks (Release build on Kestrel, Chromium)"
timeout 1500 "${BENCH[@]}" browser --db "$RUN_DB" --app "$OUT/publish" --out "$OUT" "${QUICK[@]}"

# Protocol-level circuits (bench/LockboxPortal.CircuitLoad, no browser): 5,000 idle circuits on the blade, then 200
# active users for 60 s on top of them. On a copy of the seeded database again, since the browser step approved some.
fresh_run_db
step "circuits without a browser (${BENCH_IDLE:-5000} idle, ${BENCH_ACTIVE:-200} active)"
timeout 900 "${BENCH[@]}" circuits --db "$RUN_DB" --app "$OUT/publish" --out "$OUT" --idle "${BENCH_IDLE:-5000}" --active "${BENCH_ACTIVE:-200}" --seconds 60 "${QUICK[@]}" \
  || echo "circuits step failed or timed out; its tables keep what it wrote"

"${BENCH[@]}" doc --out "$OUT" --doc docs/performance.md
step "done"
