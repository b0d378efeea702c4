#!/usr/bin/env bash
# Runs every test of Lockbox Portal on a fresh machine: installs what the tests need (Debian's Chromium
# for the browser tests, the local dotnet tools), builds once, runs the three test projects (the slow suites
# as a step of their own) and prints the totals as its last line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")"

if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Chromium for the browser tests..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null || {
    echo "Could not install Chromium (apt-get install chromium); the browser tests need /usr/bin/chromium."; echo "0 passed, 1 failed"; exit 1; }
fi

# --- Audit anchors on Azure Blob Storage are tested against Azurite (npm): Node.js from Debian when missing,
# Azurite at the version in tests/LockboxPortal.Tests/Audit/azurite.version into artifacts/azurite (ignored).
azurite_version=$(cat tests/LockboxPortal.Tests/Audit/azurite.version)
if ! command -v npm >/dev/null 2>&1; then
  echo "Installing Node.js and npm for the Azure Storage emulator..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null || {
    echo "Could not install Node.js and npm (apt-get install nodejs npm); the audit anchor tests need Azurite."; echo "0 passed, 1 failed"; exit 1; }
fi
if [ "$(node -p "require('./artifacts/azurite/node_modules/azurite/package.json').version" 2>/dev/null)" != "$azurite_version" ]; then
  echo "Installing Azurite $azurite_version..."
  npm install --prefix artifacts/azurite "azurite@$azurite_version" --no-audit --no-fund --silent >/dev/null || {
    echo "Could not install Azurite (npm install azurite@$azurite_version)."; echo "0 passed, 1 failed"; exit 1; }
fi
# --- end Azurite
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
# --- Test steps: the quick tests of each project first, then the slow suites of LockboxPortal.Tests
# (SIGKILL faults, abuse corpus, load; [Trait("Category","Slow")]) as a step of their own. Each step writes
# its own .trx; the totals below sum them all. Steps: "project|name|filter".
steps=(
  "tests/LockboxPortal.Tests|LockboxPortal.Tests|Category!=Slow"
  "tests/LockboxPortal.Web.Tests|LockboxPortal.Web.Tests|FullyQualifiedName!~LockboxPortal.Web.Tests.Telemetry"
  # Telemetry reads process-wide instruments (ActivitySource and Meter listeners, EF's DiagnosticListener):
  # the portals other tests leave behind in the same process would feed them, so these run in their own.
  "tests/LockboxPortal.Web.Tests|LockboxPortal.Web.Tests.Telemetry|FullyQualifiedName~LockboxPortal.Web.Tests.Telemetry"
  "tests/LockboxPortal.EndToEnd.Tests|LockboxPortal.EndToEnd.Tests|"
  # The protocol-level circuit client of bench/ (bench/LockboxPortal.CircuitLoad) against the portal on Kestrel.
  "tests/LockboxPortal.CircuitLoad.Tests|LockboxPortal.CircuitLoad.Tests|"
  "tests/LockboxPortal.Tests|LockboxPortal.Tests.Slow|Category=Slow"
)
for step in "${steps[@]}"; do
  IFS='|' read -r project name filter <<<"$step"
  echo "== $name"
  started=$SECONDS
  dotnet test "$project" --no-build -nologo ${filter:+--filter "$filter"} \
    --logger "trx;LogFileName=$PWD/$results/$name.trx" --logger "console;verbosity=minimal" || status=1
  echo "   $name took $((SECONDS - started)) s"
done
# --- end of test steps

passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
expected=${#steps[@]}; found=$(ls "$results"/*.trx 2>/dev/null | wc -l)
if [ "$found" -lt "$expected" ]; then failed=$((failed + expected - found)); status=1; echo "A test project did not report results."; fi
[ "$passed" -eq 0 ] && status=1
echo "$passed passed, $failed failed"
exit $status
