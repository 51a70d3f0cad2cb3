#!/bin/bash
# System test: the VCN count of a VO follows a demand trace read from a file.
# Two namespace hosts; VO physics scales 0..3 with 1 job per VCN, step up 2,
# step down 1, cooldown 6 s, idle after 8 s below 10 % CPU (the guests are idle),
# graceful shutdown then destroy after 5 s. Trace: 0 -> 3 -> 1 -> 0 pending jobs.
# Scale out spreads over both hosts; scale in removes one VCN at a time, only after
# the cooldown; every action is audited as "scale"; libvirt agrees with vcnd.
set -euo pipefail
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/../harness/libvirt.sh"
. "$(dirname "$0")/../harness/nshost.sh"
. "$(dirname "$0")/../harness/vcnd.sh"

vcn_vcnd_need
vcn_scratch_init 23-cluster-autoscale
S=$VCN_SCRATCH
t_start=$(date +%s)

vcn_cluster_up 2
echo 0 >"$S/demand"
vcn_on_exit vcn_vcnd_stop
vcn_vcnd_conf "$S/vcnd.conf" '  shared_storage = "yes"' "
  autoscale {
    source = \"file\"
    file = \"$S/demand\"
    jobs_per_vcn = \"1\"
    step_up = \"2\"
    step_down = \"1\"
    cooldown = \"6s\"
    idle_threshold = \"0.1\"
    idle_period = \"8s\"
    shutdown_timeout = \"5s\"
  }"
sed -i 's/max = 8/max = 3/' "$S/vcnd.conf"
"$VCND" -n -c "$S/vcnd.conf" >/dev/null || vcn_fail "vcnd -n rejects the autoscale config"
vcn_vcnd_start
total() { vcn_cluster_domains | wc -l; }
sleep 6
[ "$(total)" = 0 ] || vcn_fail "demand 0 but $(total) VCNs"

# --- step up: 3 jobs -> 3 VCNs (2, then 1 after the cooldown), on both hosts ---------
t0=$(date +%s)
echo 3 >"$S/demand"
vcn_wait_for 180 vcn_vcnd_ready 3 || { vcnctl status >&2; vcn_fail "did not scale out to 3 ready VCNs"; }
vcn_log "scale out 0 -> 3 ready in $(( $(date +%s) - t0 )) s"
[ "$(vcn_cluster_count h1)" -ge 1 ] && [ "$(vcn_cluster_count h2)" -ge 1 ] ||
	vcn_fail "scale out did not use both hosts: $(vcn_cluster_domains | tr '\n' ' ')"
ups=$(grep '"action":"scale"' "$S/audit.jsonl" | grep -c 'scale out' || true)
[ "$ups" = 2 ] || vcn_fail "$ups scale-out actions, want 2 (step 2, then 1)"

# --- step down: 1 job -> 1 VCN, one at a time ----------------------------------------------
t0=$(date +%s)
echo 1 >"$S/demand"
vcn_wait_for 180 vcn_cluster_total_is 1 || { vcnctl status >&2; vcn_fail "did not scale in to 1"; }
vcn_log "scale in 3 -> 1 in $(( $(date +%s) - t0 )) s"
downs=$(grep '"action":"scale"' "$S/audit.jsonl" | grep -c 'scale in)' || true)
[ "$downs" = 2 ] || vcn_fail "$downs scale-in decisions, want 2 (step 1)"
# the two scale-ins are at least a cooldown apart
python3 - "$S/audit.jsonl" <<'PY' || vcn_fail "scale-in actions closer than the cooldown"
import json, sys, datetime
ts = [datetime.datetime.fromisoformat(r["ts"].rstrip("Z")) for r in map(json.loads, open(sys.argv[1]))
      if r["action"] == "scale" and "scale in)" in r["detail"]]
sys.exit(0 if len(ts) == 2 and (ts[1] - ts[0]).total_seconds() >= 6 else 1)
PY
sleep 8
[ "$(total)" = 1 ] || vcn_fail "demand 1 but $(total) VCNs after settling"

# --- to zero ----------------------------------------------------------------------------------
echo 0 >"$S/demand"
vcn_wait_for 120 vcn_cluster_total_is 0 || vcn_fail "did not scale in to 0"
vcn_wait_for 30 vcn_vcnd_ready 0 || vcn_fail "vcnd still counts VCNs"
# a broken source holds (no scale to min on garbage)
echo 2 >"$S/demand"
vcn_wait_for 180 vcn_vcnd_ready 2 || vcn_fail "did not scale out to 2"
echo "lots" >"$S/demand"
sleep 20
[ "$(total)" = 2 ] || vcn_fail "an unreadable demand changed the count to $(total)"
grep -q "is not a demand" "$S/vcnd.log" || vcn_fail "the bad demand file was not reported"
vcn_log "audit: $(grep -c '"action":"scale"' "$S/audit.jsonl") scale records"
vcn_log "PASS in $(( $(date +%s) - t_start )) s"
