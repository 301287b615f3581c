#!/usr/bin/env bash
# Runs the whole herd on this machine through Herd.AppHost: installs what is missing, then
# builds and starts it. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

eng/install-prerequisites.sh

echo "==> Starting Herd.AppHost (Release)"
exec dotnet run -c Release --project Herd.AppHost -- "$@"
