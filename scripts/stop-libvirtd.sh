#!/usr/bin/env bash
# Stops the libvirtd and virtlogd that scripts/setup-libvirtd.sh started (no-op when they do not
# run). Guests that still run keep running: libvirtd picks them up again on its next start.
# Pass --destroy-guests to power off every running guest of qemu:///system first.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  exec sudo -n -- bash "$0" "$@"
fi

say() { echo "stop-libvirtd: $*" >&2; }

if [[ "${1:-}" == "--destroy-guests" ]] && virsh -q -c qemu:///system version >/dev/null 2>&1; then
  for dom in $(virsh -q -c qemu:///system list --name); do
    virsh -q -c qemu:///system destroy "$dom" >/dev/null && say "destroyed guest $dom"
  done
fi

if [[ -d /run/systemd/system ]] && systemctl cat libvirtd.service >/dev/null 2>&1; then
  systemctl stop libvirtd.service 'libvirtd*.socket' virtlogd.service 'virtlogd*.socket' || true
  echo "stop-libvirtd: ok: stopped through systemd"
  exit 0
fi

stop_daemon() { # name pidfile
  local pid
  pid=$(cat "$2" 2>/dev/null) || { say "$1 not running"; return 0; }
  if [[ ! $pid =~ ^[0-9]+$ || "$(cat "/proc/$pid/comm" 2>/dev/null)" != "$1" ]]; then
    say "$1 not running (stale $2)"
    return 0
  fi
  kill "$pid"
  for _ in $(seq 1 100); do [[ -d /proc/$pid ]] || { say "stopped $1 ($pid)"; return 0; }; sleep 0.1; done
  say "$1 ($pid) ignored SIGTERM for 10 s: sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

stop_daemon libvirtd /run/libvirtd.pid
stop_daemon virtlogd /run/virtlogd.pid
echo "stop-libvirtd: ok: libvirtd and virtlogd are not running"
