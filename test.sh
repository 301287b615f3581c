#!/usr/bin/env bash
# Runs Herd's whole test suite: installs what is missing, builds, tests, prints the counts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

eng/install-prerequisites.sh

echo "==> Installing the test clients' npm packages (Herd.Tests/Clients/node)"
npm ci --prefix Herd.Tests/Clients/node --no-audit --no-fund --loglevel=error

echo "==> Building Herd.sln (Release)"
dotnet build Herd.sln -c Release -nologo -clp:ErrorsOnly

results=artifacts/test-results
rm -rf "$results"
echo "==> Running the tests"
status=0
dotnet test Herd.sln -c Release --no-build -nologo \
  --logger "console;verbosity=normal" \
  --logger "trx;LogFileName=herd.trx" \
  --results-directory "$results" || status=$?

# One closing line with the counts, read from the run's own report.
trx="$results/herd.trx"
if [ -f "$trx" ]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  count() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  passed=$(count passed)
  failed=$(count failed)
  skipped=$(( $(count total) - $(count executed) ))
  echo "Tests: $passed passed, $failed failed, $skipped skipped"
else
  echo "error: no test report at $trx" >&2
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
