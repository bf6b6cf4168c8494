#!/usr/bin/env bash
# One-step set-up on Debian 12 with Node 20: system packages where missing, `npm ci`, build.
#   scripts/setup.sh          what the library, the CLI and the examples need
#   scripts/setup.sh --test   that, plus what the test suite and the benchmarks compare against,
#                             and a running libvirtd with the QEMU driver (scripts/setup-libvirtd.sh)
# Idempotent and non-interactive. Installing packages needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

runtime_pkgs=(libvirt0 libvirt-dev pkg-config qemu-utils)
test_pkgs=(gcc libc6-dev python3 python3-libvirt time)

want=("${runtime_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then want+=("${test_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if (( ${#missing[@]} )); then
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
npm run -s build

# The tests also run against a real libvirtd with the QEMU driver (real TCG guests).
if [[ "${1:-}" == "--test" ]]; then bash scripts/setup-libvirtd.sh; fi
