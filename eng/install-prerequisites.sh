#!/usr/bin/env bash
# Installs what Herd needs from the system package manager, once: the servers it runs
# (redis-server, PostgreSQL) and the tools its build uses: g++ for the node's native CPU kernels,
# and g++ and patchelf to make TorchSharp's native library loadable on older distributions;
# Node.js with npm for the tests' non-.NET gRPC client; and Chromium, the browser the dashboard's
# tests drive through Playwright (they never download one).
# Safe to run again: it installs only what is missing and says what it does.
set -euo pipefail

say() { printf '==> %s\n' "$*"; }

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET SDK is not installed. Install the .NET 10 SDK, then run this again." >&2
  exit 1
fi
sdk_major=$(dotnet --version | cut -d. -f1)
if [ "$sdk_major" -lt 10 ]; then
  echo "error: Herd needs the .NET 10 SDK or newer; this machine has $(dotnet --version)." >&2
  exit 1
fi

# Debian package name -> a file that shows it is installed.
declare -A wanted=(
  [redis-server]=/usr/bin/redis-server
  [postgresql]=/usr/bin/pg_config
  [g++]=/usr/bin/g++
  [patchelf]=/usr/bin/patchelf
  [nodejs]=/usr/bin/node
  [npm]=/usr/bin/npm
  [chromium]=/usr/bin/chromium
)

missing=()
for package in "${!wanted[@]}"; do
  [ -e "${wanted[$package]}" ] || missing+=("$package")
done
# PostgreSQL's server binaries live off PATH; pg_config alone does not prove them.
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && ! command -v initdb >/dev/null; then
  [[ " ${missing[*]} " == *" postgresql "* ]] || missing+=(postgresql)
fi

if [ ${#missing[@]} -eq 0 ]; then
  say "System prerequisites present (redis-server, postgresql, g++, patchelf, nodejs, npm, chromium)."
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: missing ${missing[*]}, and this is not a Debian-family system; install them with your package manager." >&2
  exit 1
fi

run_as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "error: installing ${missing[*]} needs root (or sudo)." >&2; exit 1; }
  run_as_root=(sudo)
fi

say "Installing ${missing[*]} with apt-get"
"${run_as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${run_as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
say "Installed ${missing[*]}."
