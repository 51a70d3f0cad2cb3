#!/bin/bash
# System test: vcnd's fairness loop on CPU. Three busy 1-vCPU VCNs on a
# 2-core host; the rules give "big" weight 2048 and the others the default
# 1024: their entitlement is 2:1:1. With fairness off (fairness_target = 0:
# vcnd measures but never acts) every domain has libvirt's default
# cpu_shares, so each gets about a third; with fairness on vcnd must set
# cpu_shares (audit "limit" entries with their reason) and, where shares
# alone do not get there (other work on the host), caps: Jain's index of
# the measured shares against 2:1:1 must reach 0.93 and big's share at least
# 0.42 (a third without vcnd; caps lag the other load by up to 20 s, so more
# than half is possible, and Jain bounds it). The target is 0.99 here so that
# vcnd goes on to caps (at 0.95, shares alone leave big at about 0.41, which
# is within that target). Shares are measured here, independently of vcnd,
# from `virsh domstats --cpu-total` cpu.time deltas.
#
# Why 1-vCPU VCNs with weights rather than VCNs of 2, 1 and 1 vCPUs: on this
# kernel (cgroup v1) a 2-vCPU domain already gets about two threads' worth
# with equal shares, so that shape is nearly fair without vcnd and could not
# show whether vcnd acts (bench/fairness measures it anyway).
set -euo pipefail
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/../harness/libvirt.sh"
. "$(dirname "$0")/../harness/nshost.sh"
. "$(dirname "$0")/../harness/vcnd.sh"

vcn_vcnd_need
vcn_scratch_init 07-vcnd-fairness-cpu
WINDOW=${VCN_FAIR_WINDOW:-30}   # seconds per measurement (TCG is noisy: not less than 20)

vcn_guest_image
vcn_nshost_up h 1
URI=$(vcn_nshost_uri h)
VCN_LIBVIRT_URI=$URI vcn_net_up vcn07net vcn07br0 10.250.7.1/24
VIRSH=(vcn_virsh "$URI")
S=$VCN_SCRATCH
SOCK=$S/vcnd.sock
mkdir -p "$S/scratch"
chmod 755 "$S/scratch"

# vcnd publishes its indices through a gmond.conf of ours: to a UDP port on
# loopback where a listener records what arrives (nothing leaves the machine)
GPORT=$((20000 + RANDOM % 20000))
cat >"$S/gmond.conf" <<CONF
globals { daemonize = no }
udp_send_channel { host = 127.0.0.1
  port = $GPORT }
CONF
python3 - "$GPORT" "$S/ganglia.bin" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
with open(sys.argv[2], "ab") as f:
    while True:
        f.write(s.recv(65536)); f.flush()
PY
echo $! >"$S/glisten.pid"
vcn_on_exit "vcn_stop_pidfile '$S/glisten.pid' listener"

printf 'vo:big  weight=2048\n' >"$S/rules.conf"
vo() { # NAME
	cat <<CONF
vo "$1" {
  image = "$VCN_GUEST_OUT/base.qcow2"
  kernel = "$VCN_GUEST_OUT/vmlinuz"
  initrd = "$VCN_GUEST_OUT/initrd.img"
  cmdline = "console=ttyS0 quiet vcn.workload=cpu=1"
  vcpus = 1
  memory = "128M"
  network = "vcn07net"
  min = 0
  max = 1
}
CONF
}
write_conf() { # TARGET
	{
		cat <<CONF
/* vcnd for system test 07 */
globals {
  state_dir = "$S/state"
  scratch_dir = "$S/scratch"
  control_socket = "$SOCK"
  audit_log = "$S/audit.jsonl"
  interval = "2s"
  fairness_target = "$1"
  gmond_conf = "$S/gmond.conf"
  rules_file = "$S/rules.conf"
}
host "local" {
  uri = "$URI"
}
CONF
		vo big
		vo smalla
		vo smallb
	} >"$S/vcnd.conf"
}

vcn_on_exit vcn_vcnd_stop

# measure SECONDS: each VCN's share of the CPU time all three used, and
# Jain's index of share/entitlement against 2:1:1. Prints one JSON line.
measure() {
	"${VIRSH[@]}" domstats --cpu-total big-1 smalla-1 smallb-1 >"$S/m0"
	local t0 t1
	t0=$(date +%s.%N)
	sleep "$1"
	"${VIRSH[@]}" domstats --cpu-total big-1 smalla-1 smallb-1 >"$S/m1"
	t1=$(date +%s.%N)
	python3 "$VCN_TOP/tests/harness/domstats-shares.py" "$S/m0" "$S/m1" "$t0" "$t1" big-1=2 smalla-1=1 smallb-1=1
}
jain_of() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["jain"])' "$1"; }

# --- fairness off: measure libvirt's defaults -------------------------------------
write_conf 0
"$VCND" -n -c "$S/vcnd.conf" >/dev/null || vcn_fail "vcnd -n rejects fairness_target = 0"
vcn_vcnd_start
for v in big smalla smallb; do
	"$VCNCTL" -s "$SOCK" launch "$v" >"$S/launch-$v.out" || vcn_fail "launch $v failed: $(cat "$S/launch-$v.out")"
done
# vcnd's launch may already set <cputune> shares from the rules; the "off"
# baseline is libvirt's default: the same cpu_shares for every domain
for v in big-1 smalla-1 smallb-1; do
	"${VIRSH[@]}" schedinfo "$v" --live --set cpu_shares=1024 >/dev/null || vcn_fail "cannot reset $v's cpu_shares"
done
vcn_log "3 VCNs ready (1 vCPU each, busy, weights 2:1:1), cpu_shares 1024 each; warming up 10 s"
sleep 10
off=$(measure "$WINDOW")
vcn_log "fairness OFF ($WINDOW s): $off"
! grep -q '"action":"limit"' "$S/audit.jsonl" || vcn_fail "vcnd changed limits with fairness_target = 0"
"$VCNCTL" -s "$SOCK" fairness | tee "$S/fairness-off.txt" >&2 || vcn_fail "vcnctl fairness failed"
grep -q '^host local' "$S/fairness-off.txt" || vcn_fail "vcnctl fairness: no host line"
"$VCNCTL" -s "$SOCK" --json fairness >"$S/fairness-off.json"
python3 - "$S/fairness-off.json" <<'PY' || vcn_fail "vcnctl --json fairness: not 3 measured VCNs with shares read back"
import json, sys
d = json.load(open(sys.argv[1]))
h = d["hosts"][0]
ok = d["ok"] and not d["acting"] and len(h["vcns"]) == 3 and all(v["limits"].get("cpu_shares", 0) > 0 for v in h["vcns"])
sys.exit(0 if ok else 1)
PY

# --- fairness on: vcnd restarts, adopts, reads limits back, and acts ---------------
vcn_vcnd_stop
write_conf 0.99
vcn_vcnd_start
vcn_wait_for 90 grep -q '"action":"limit"' "$S/audit.jsonl" || {
	"$VCNCTL" -s "$SOCK" fairness >&2 || true
	vcn_fail "no limit change within 90 s with fairness on"
}
sleep "${VCN_FAIR_SETTLE:-50}" # shares first; caps may follow after hold (10) + k_act (3) intervals
grep '"action":"limit"' "$S/audit.jsonl" | while read -r l; do vcn_log "audit: $l"; done
for v in big-1 smalla-1 smallb-1; do
	vcn_log "$v: $("${VIRSH[@]}" schedinfo "$v" | grep -E 'cpu_shares|global_quota' | tr -s ' ' | tr '\n' ' ')"
done
on=$(measure "$WINDOW")
vcn_log "fairness ON ($WINDOW s): $on"
"$VCNCTL" -s "$SOCK" fairness >&2 || true
j_off=$(jain_of "$off")
j_on=$(jain_of "$on")
vcn_log "Jain vs 2:1:1: off $j_off, on $j_on"
big_of() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["share"]["big-1"])' "$1"; }
# 0.93, not the 0.95 target: one 30 s window on a CI host whose other load
# comes and goes (caps follow it with a lag) measured 0.942 once; the share
# of big below is what tells vcnd's work from libvirt's defaults
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 0.93 else 1)' "$j_on" ||
	vcn_fail "Jain with fairness on is $j_on < 0.93"
# the VM that libvirt's defaults under-serve gets near its half (without vcnd it
# gets about a third: 0.32-0.39 measured); Jain above bounds over-serving it
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 0.42 else 1)' "$(big_of "$on")" ||
	vcn_fail "big's share with fairness on is $(big_of "$on") (entitled 0.5, a third without vcnd)"
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 0.42 else 1)' "$(big_of "$off")" ||
	vcn_log "note: big's share with fairness off was already $(big_of "$off") (other load on the host)"
grep -aq vcn_fair_cpu_local "$S/ganglia.bin" && grep -aq vcn_ready_s_big-1 "$S/ganglia.bin" ||
	vcn_fail "no vcn_fair_cpu_local / vcn_ready_s_big-1 metric reached the gmond channel"
vcn_log "Ganglia: $(grep -ao 'vcn_[a-z_]*[a-z0-9_.-]*' "$S/ganglia.bin" | sort -u | tr '\n' ' ')"
"$VCNCTL" -s "$SOCK" scale big 0 >/dev/null || true
"$VCNCTL" -s "$SOCK" scale smalla 0 >/dev/null || true
"$VCNCTL" -s "$SOCK" scale smallb 0 >/dev/null || true
vcn_log "PASS"
