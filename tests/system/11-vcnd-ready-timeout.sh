#!/bin/bash
# System test: a VCN that never becomes ready. The VO's kernel is told to run
# an init that does not exist, so the guest panics and never prints its
# readiness line. With ready_timeout = 15s vcnd must destroy it with its
# overlay, audit "launch-failed" with the reason, and `vcnctl launch` must
# fail instead of waiting out its 15 minutes; scaling to 0 leaves nothing.
set -euo pipefail
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/../harness/libvirt.sh"
. "$(dirname "$0")/../harness/nshost.sh"
. "$(dirname "$0")/../harness/vcnd.sh"

vcn_vcnd_need
vcn_scratch_init 11-vcnd-ready-timeout

vcn_guest_image
vcn_nshost_up h 1
URI=$(vcn_nshost_uri h)
VCN_LIBVIRT_URI=$URI vcn_net_up vcn11net vcn11br0 10.250.11.1/24
VIRSH=(vcn_virsh "$URI")
S=$VCN_SCRATCH
SOCK=$S/vcnd.sock
mkdir -p "$S/scratch"
chmod 755 "$S/scratch"

cat >"$S/vcnd.conf" <<CONF
globals {
  state_dir = "$S/state"
  scratch_dir = "$S/scratch"
  control_socket = "$SOCK"
  audit_log = "$S/audit.jsonl"
  interval = "2s"
  ready_timeout = "15s"
}
host "local" {
  uri = "$URI"
}
vo "broken" {
  image = "$VCN_GUEST_OUT/base.qcow2"
  kernel = "$VCN_GUEST_OUT/vmlinuz"
  initrd = "$VCN_GUEST_OUT/initrd.img"
  cmdline = "console=ttyS0 rdinit=/no/such/init panic=0"
  vcpus = 1
  memory = "128M"
  network = "vcn11net"
  min = 0
  max = 2
}
CONF
"$VCND" -n -c "$S/vcnd.conf" >/dev/null || vcn_fail "vcnd -n rejects the config"
vcn_on_exit vcn_vcnd_stop
vcn_vcnd_start

t0=$(date +%s)
rc=0
timeout 300 "$VCNCTL" -s "$SOCK" launch broken 1 >"$S/launch.out" 2>&1 || rc=$?
took=$(( $(date +%s) - t0 ))
vcn_log "vcnctl launch broken 1: exit $rc after $took s: $(tr '\n' ' ' <"$S/launch.out")"
[ "$rc" = 124 ] && vcn_fail "vcnctl launch still waiting after 300 s"
[ "$rc" = 1 ] || vcn_fail "vcnctl launch of a VCN that never gets ready exited $rc, not 1"
grep -q '"action":"launch-failed".*not ready within 15 s' "$S/audit.jsonl" ||
	vcn_fail "no launch-failed audit record saying why: $(grep -c . "$S/audit.jsonl") records"
first=$(grep -m1 '"action":"launch-failed"' "$S/audit.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["vcn"])')
vcn_log "audit: $(grep -m1 '"action":"launch-failed"' "$S/audit.jsonl")"
# the timed-out domain and its overlay are gone (another may be booting: desired is 1)
gone() { ! "${VIRSH[@]}" list --name | grep -qx "$first" && [ ! -e "$S/scratch/$first.qcow2" ]; }
vcn_wait_for 30 gone || vcn_fail "$first's domain or overlay left after the timeout"

# scale to 0: nothing left, and no more failures afterwards
"$VCNCTL" -s "$SOCK" scale broken 0 >/dev/null || vcn_fail "scale broken 0 failed"
empty() { ! "${VIRSH[@]}" list --name | grep -q '^broken-' && [ -z "$(ls "$S/scratch" | grep '^broken-' || true)" ]; }
vcn_wait_for 60 empty || vcn_fail "scale 0 left domains or overlays: $("${VIRSH[@]}" list --name | tr '\n' ' ') $(ls "$S/scratch" | tr '\n' ' ')"
vcn_log "PASS"
