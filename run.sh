#!/usr/bin/env bash
# Runs the whole herd on this machine through Herd.AppHost, the Aspire app host: installs what is
# missing, builds the herd and its command-line client (herd) in Release, then starts DCP, the Aspire
# dashboard, Redis, PostgreSQL, the gateway and the nodes. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

eng/install-prerequisites.sh

echo "==> Building the herd (Release)"
# Herd.Cli builds the app host and the services too; the banner's try-it line runs it without building.
dotnet build Herd.Cli -c Release -nologo -clp:ErrorsOnly
dotnet build Herd.AppHost -c Release -nologo -clp:ErrorsOnly

echo "==> Starting Herd.AppHost"
exec dotnet run -c Release --no-build --project Herd.AppHost -- "$@"
