#!/usr/bin/env bash
# Brings up a local libvirtd with the QEMU driver (TCG guests, no KVM needed) for the daemon
# tests in tests/daemon/, on Debian 12 without systemd:
#   - installs the packages that are missing (the dir storage pool backend ships in libvirt-daemon)
#   - creates the user and groups the QEMU driver insists on (libvirt-qemu, kvm)
#   - sets the few /etc/libvirt/qemu.conf keys that let guests run as root without
#     cgroups, label or ownership changes (the original file is kept once as qemu.conf.orig)
#   - starts virtlogd, then libvirtd, unless they already run, and waits for qemu:///system
# Idempotent and non-interactive; needs root (re-runs itself with sudo otherwise).
# No networks are defined: the tests need neither dnsmasq nor a bridge.
# Environment: LIBVIRTD_WAIT_SECONDS (default 60) bounds the wait for the daemon.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  exec sudo -n -- env LIBVIRTD_WAIT_SECONDS="${LIBVIRTD_WAIT_SECONDS:-60}" bash "$0" "$@"
fi

URI="qemu:///system"
WAIT_SECONDS="${LIBVIRTD_WAIT_SECONDS:-60}"
QEMU_CONF=/etc/libvirt/qemu.conf
LOG_DIR=/var/log/libvirt
PKGS=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils)

say() { echo "setup-libvirtd: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# 1. Packages.
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  say "installing ${missing[*]}"
  apt_log=$(mktemp)
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
         DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
    tail -n 30 "$apt_log" >&2
    die "apt-get failed (full output: $apt_log)"
  fi
  rm -f "$apt_log"
fi
for exe in libvirtd virtlogd virsh qemu-system-x86_64 qemu-img; do
  command -v "$exe" >/dev/null || die "$exe not found after installing ${PKGS[*]}"
done

# 2. User and groups ("Failed to parse user 'libvirt-qemu'" otherwise).
getent group kvm >/dev/null || groupadd -r kvm
getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
if ! getent passwd libvirt-qemu >/dev/null; then
  useradd -r -g libvirt-qemu -G kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
fi

# 3. qemu.conf: drop any active line for the keys we own, then append them in one marked block.
BEGIN_MARK="# >>> tsvirt daemon tests >>>"
END_MARK="# <<< tsvirt daemon tests <<<"
mkdir -p /etc/libvirt
[[ -f $QEMU_CONF && ! -e $QEMU_CONF.orig ]] && cp -p "$QEMU_CONF" "$QEMU_CONF.orig"
desired=$(mktemp)
trap 'rm -f "$desired"' EXIT
{
  if [[ -f $QEMU_CONF ]]; then
    sed -e "/^$BEGIN_MARK\$/,/^$END_MARK\$/d" \
        -e '/^[[:space:]]*\(user\|group\|dynamic_ownership\|security_driver\|cgroup_controllers\|remember_owner\)[[:space:]]*=/d' \
        "$QEMU_CONF"
  fi
  cat <<EOF
$BEGIN_MARK
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
$END_MARK
EOF
} >"$desired"
conf_changed=0
if ! cmp -s "$desired" "$QEMU_CONF" 2>/dev/null; then
  install -m 0644 "$desired" "$QEMU_CONF"
  conf_changed=1
fi

# 4. Daemons. A daemon counts as running when its pid file names a live process of that name.
running_pid() { # name pidfile -> prints the pid of the running daemon, or fails
  local pid
  pid=$(cat "$2" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$1" ]] || return 1
  # A daemon killed a moment ago can linger as a zombie (where nothing reaps it): not running.
  [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != "Z" ]] || return 1
  echo "$pid"
}

mkdir -p "$LOG_DIR"
if [[ -d /run/systemd/system ]] && systemctl cat libvirtd.service >/dev/null 2>&1; then
  # A systemd host with libvirt-daemon-system: let systemd own the daemons.
  systemctl start virtlogd.service libvirtd.service
  (( conf_changed )) && systemctl restart libvirtd.service
  started_by="systemd"
else
  started_by="already running"
  if ! running_pid virtlogd /run/virtlogd.pid >/dev/null; then
    LIBVIRT_LOG_OUTPUTS="3:file:$LOG_DIR/virtlogd.log" virtlogd --daemon
    started_by="started"
  fi
  if pid=$(running_pid libvirtd /run/libvirtd.pid); then
    if (( conf_changed )); then
      say "qemu.conf changed: restarting libvirtd ($pid)"
      kill "$pid"
      for _ in $(seq 1 100); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
      [[ -d /proc/$pid ]] && die "libvirtd ($pid) did not exit after SIGTERM"
      LIBVIRT_LOG_OUTPUTS="3:file:$LOG_DIR/libvirtd.log" libvirtd --daemon
      started_by="restarted"
    fi
  else
    LIBVIRT_LOG_OUTPUTS="3:file:$LOG_DIR/libvirtd.log" libvirtd --daemon
    started_by="started"
  fi
fi

# 5. Wait until the QEMU driver answers.
deadline=$((SECONDS + WAIT_SECONDS))
until out=$(virsh -q -c "$URI" version 2>&1); do
  if (( SECONDS >= deadline )); then
    say "last virsh output: $out"
    [[ -f $LOG_DIR/libvirtd.log ]] && { say "tail of $LOG_DIR/libvirtd.log:"; tail -n 20 "$LOG_DIR/libvirtd.log" >&2; }
    die "$URI did not answer within ${WAIT_SECONDS}s"
  fi
  sleep 0.2
done
hyp=$(awk -F': *' '/hypervisor/ {print $2; exit}' <<<"$out")
lib=$(awk -F': *' '/libvirt/ {print $2; exit}' <<<"$out")
echo "setup-libvirtd: ok: $URI answers (libvirtd $started_by; ${lib:-libvirt ?}; ${hyp:-hypervisor ?})"
