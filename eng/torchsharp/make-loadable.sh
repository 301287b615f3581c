#!/usr/bin/env bash
# Produces a copy of TorchSharp's native shim (libLibTorchSharp.so) that this system can load.
#
#   make-loadable.sh <path to libLibTorchSharp.so> <work folder>
#
# The shim shipped with TorchSharp is built against a newer libstdc++ than some distributions
# have (Debian 12 among them). When the system's libstdc++ provides every GLIBCXX version the
# shim asks for, this does nothing and leaves the work folder without a shim. Otherwise it writes
# <work folder>/libLibTorchSharp.so, whose missing version requirements are weakened, and
# <work folder>/libherd_glibcxx_compat.so, which provides what those versions added; the build
# copies both next to the original. Needs g++ and patchelf only in the second case.
set -euo pipefail

shim=$1
work=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
compat_symbols=(_ZSt21ios_base_library_initv)

fail() { echo "error: TorchSharp native shim: $*" >&2; exit 1; }

[ -f "$shim" ] || fail "$shim does not exist."

system_libstdcxx() {
  local path
  path=$( (/sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null) \
    | awk '/libstdc\+\+\.so\.6 \(libc6,x86-64\)/ { print $NF; exit }')
  [ -n "$path" ] || path=/usr/lib/x86_64-linux-gnu/libstdc++.so.6
  [ -f "$path" ] || fail "cannot find the system's libstdc++.so.6."
  echo "$path"
}

glibcxx_versions() { grep -ao 'GLIBCXX_[0-9.]*[0-9]' "$1" | sort -u; }

missing=$(comm -23 <(glibcxx_versions "$shim") <(glibcxx_versions "$(system_libstdcxx)"))
if [ -z "$missing" ]; then
  rm -f "$work/libLibTorchSharp.so" "$work/libherd_glibcxx_compat.so"
  exit 0
fi

# Work already done for this exact shim and these tools is kept.
stamp="$work/stamp"
fingerprint="$(stat -c '%s %Y' "$shim") $(cat "$here/weaken_version.cpp" "$here/glibcxx_compat.cpp" "$0" | cksum)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$fingerprint" ] \
   && [ -f "$work/libLibTorchSharp.so" ] && [ -f "$work/libherd_glibcxx_compat.so" ]; then
  exit 0
fi

command -v g++ >/dev/null || fail "the system libstdc++ lacks $(echo $missing); building the compat library needs g++ (apt-get install g++)."
command -v patchelf >/dev/null || fail "the system libstdc++ lacks $(echo $missing); patching the shim needs patchelf (apt-get install patchelf)."

echo "TorchSharp native shim needs $(echo $missing), which this system's libstdc++ lacks; building a loadable copy in $work"
mkdir -p "$work"
g++ -std=c++17 -O2 -o "$work/weaken_version" "$here/weaken_version.cpp"
g++ -std=c++17 -O2 -shared -fPIC -o "$work/libherd_glibcxx_compat.so" "$here/glibcxx_compat.cpp"

patched="$work/libLibTorchSharp.so.partial"
cp "$shim" "$patched"
chmod u+w "$patched"
for version in $missing; do
  "$work/weaken_version" "$patched" "$version" "${compat_symbols[@]}"
done
# The shim's RUNPATH already starts with $ORIGIN, so the compat library is found beside it.
patchelf --add-needed libherd_glibcxx_compat.so "$patched"
mv "$patched" "$work/libLibTorchSharp.so"
echo "$fingerprint" > "$stamp"
