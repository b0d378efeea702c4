#!/usr/bin/env bash
# Runs every test of Lockbox Portal on a fresh machine: installs what the tests need (Debian's Chromium
# for the browser tests, the local dotnet tools), builds once, runs the three test projects and prints
# the totals as its last line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")"

if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Chromium for the browser tests..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null || {
    echo "Could not install Chromium (apt-get install chromium); the browser tests need /usr/bin/chromium."; echo "0 passed, 1 failed"; exit 1; }
fi

# --- redis-server for the shared-state tests (tests/LockboxPortal.Tests/Scaling start and stop their own) ---
if ! command -v redis-server >/dev/null 2>&1; then
  echo "Installing redis-server for the shared-state tests..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null; } || {
    echo "Could not install redis-server (apt-get install redis-server); the shared-state tests need it."; echo "0 passed, 1 failed"; exit 1; }
  # Only the binary is needed: the package's own service is not used by the tests.
  { $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || $SUDO service redis-server stop >/dev/null 2>&1; } || true
fi
# --- end redis-server ---

dotnet tool restore >/dev/null
if ! dotnet build LockboxPortal.sln -nologo -v quiet; then
  echo "Build failed."; echo "0 passed, 1 failed"; exit 1
fi

results="artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
status=0
for project in tests/LockboxPortal.Tests tests/LockboxPortal.Web.Tests tests/LockboxPortal.EndToEnd.Tests; do
  name=$(basename "$project")
  echo "== $name"
  dotnet test "$project" --no-build -nologo --logger "trx;LogFileName=$PWD/$results/$name.trx" --logger "console;verbosity=minimal" || status=1
done

passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
expected=3; found=$(ls "$results"/*.trx 2>/dev/null | wc -l)
if [ "$found" -lt "$expected" ]; then failed=$((failed + expected - found)); status=1; echo "A test project did not report results."; fi
[ "$passed" -eq 0 ] && status=1
echo "$passed passed, $failed failed"
exit $status
