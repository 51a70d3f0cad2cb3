#!/bin/bash
# System test: rebalancing on 3 namespace hosts with real libvirtd and guests.
# Three VCNs all start on h1 (h2 and h3 drained); once h2 and h3 take VCNs again,
# vcnd (rebalance auto, load = allocated vCPUs) converges to one per host with the
# minimum of 2 live migrations and then moves nothing more; --dry-run shows the
# plan and the expected deviation; drain h1 empties it; vcnd killed with SIGKILL
# while a migration runs comes back with every VCN on exactly one host, running,
# and knows where.
set -euo pipefail
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/../harness/libvirt.sh"
. "$(dirname "$0")/../harness/nshost.sh"
. "$(dirname "$0")/../harness/vcnd.sh"

vcn_vcnd_need
vcn_scratch_init 20-cluster-rebalance
S=$VCN_SCRATCH
t_start=$(date +%s)

vcn_cluster_up 3
vcn_on_exit vcn_vcnd_stop
vcn_vcnd_conf "$S/vcnd.conf" '
  rebalance = "auto"
  load = "vcpus"
  threshold = "0.15"
  migrations_per_round = "1"
  rebalance_interval = "4s"
  hold = "60s"
  shared_storage = "yes"'
"$VCND" -n -c "$S/vcnd.conf" >/dev/null || vcn_fail "vcnd -n rejects the cluster config"
vcn_vcnd_start

# --- imbalanced start: everything on h1 -------------------------------------------
vcnctl drain h2 >/dev/null || vcn_fail "drain h2 refused"
vcnctl drain h3 >/dev/null || vcn_fail "drain h3 refused"
vcnctl launch physics 3 >"$S/launch.out" || { cat "$S/launch.out" >&2; vcn_fail "launch failed"; }
[ "$(vcn_cluster_count h1)" = 3 ] || vcn_fail "not all 3 VCNs on h1: $(vcn_cluster_domains | tr '\n' ' ')"
vcnctl rebalance --dry-run >"$S/dry1.out" || vcn_fail "rebalance --dry-run failed"
cat "$S/dry1.out" >&2
grep -q '^imbalance ' "$S/dry1.out" && grep -q 'dry run: nothing moved' "$S/dry1.out" || vcn_fail "dry run output"
# h2, h3 draining: not targets; nothing to plan
! grep -q '^migrate ' "$S/dry1.out" || vcn_fail "dry run plans moves to draining hosts"
[ "$(vcn_cluster_count h1)" = 3 ] || vcn_fail "the dry run moved something"

# --- converge -------------------------------------------------------------------------
t0=$(date +%s)
vcnctl undrain h2 >/dev/null && vcnctl undrain h3 >/dev/null || vcn_fail "undrain refused"
one_each() { [ "$(vcn_cluster_count h1)" = 1 ] && [ "$(vcn_cluster_count h2)" = 1 ] && [ "$(vcn_cluster_count h3)" = 1 ]; }
vcn_wait_for 240 one_each || { vcn_cluster_domains >&2; tail -n 30 "$S/vcnd.log" >&2; vcn_fail "did not converge to one VCN per host"; }
vcn_log "converged to 1/1/1 in $(( $(date +%s) - t0 )) s"
vcn_wait_for 30 vcn_vcnd_agrees || vcn_fail "vcnd's list differs from libvirt's"
sleep 10 # two more rounds: nothing may move back
one_each || vcn_fail "something moved after convergence: $(vcn_cluster_domains | tr '\n' ' ')"
n=$(grep -c '"action":"migrate"' "$S/audit.jsonl" || true)
[ "$n" = 2 ] || vcn_fail "$n migrations, want the minimum 2"
grep '"action":"migrate"' "$S/audit.jsonl" | sed 's/.*"detail":"\([^"]*\)".*/\1/' | while read -r l; do vcn_log "migrate: $l"; done
# each migration is a ganglia-web overlay event on the graphs of its VCN
python3 - "$S/events.json" "$S/audit.jsonl" <<'PY' || vcn_fail "migrations are not events in events.json"
import json, re, sys
ev = json.load(open(sys.argv[1]))
moved = [json.loads(l)["vcn"] for l in open(sys.argv[2]) if '"action":"migrate"' in l]
for vcn in moved:
    # ganglia-web matches host_regex against a graph's path (.../HOST/...)
    mine = [e for e in ev if e["summary"].startswith("migrate " + vcn) and re.search(e["host_regex"], "/vcn/%s/" % vcn)]
    if not mine:
        sys.exit("no migrate event for %s among %d events" % (vcn, len(ev)))
print("events: %d, migrate events for %s" % (len(ev), ", ".join(moved)))
PY
vcnctl --json rebalance --dry-run >"$S/dry2.json"
python3 - "$S/dry2.json" <<'PY' || vcn_fail "balanced: dry run should plan nothing, deviation 0"
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["ok"] and d["dry_run"] and d["migrations"] == [] and d["imbalance"] < 1e-9 else 1)
PY
vcn_cluster_no_dups || vcn_fail "a VCN runs twice"

# --- drain h1 ---------------------------------------------------------------------------
t0=$(date +%s)
vcnctl drain h1 >"$S/drain.out" || vcn_fail "drain h1 refused"
grep -q 'draining' "$S/drain.out" || vcn_fail "drain output: $(cat "$S/drain.out")"
empty_h1() { [ "$(vcn_cluster_count h1)" = 0 ] && [ "$(vcn_cluster_domains | wc -l)" = 3 ]; }
vcn_wait_for 180 empty_h1 || { vcn_cluster_domains >&2; vcn_fail "drain did not empty h1"; }
vcn_log "drain emptied h1 in $(( $(date +%s) - t0 )) s"
grep -q '"action":"drain"' "$S/audit.jsonl" || vcn_fail "no drain audit record"
vcn_wait_for 30 vcn_vcnd_agrees || vcn_fail "after drain: vcnd's list differs from libvirt's"

# --- kill -9 during a migration -----------------------------------------------------------
# h1 back: the deviation (0, 1, 0.5 CPUs per pCPU... ) makes vcnd move one VCN to h1
: >"$S/vcnd.log.mark"
lines=$(wc -l <"$S/vcnd.log")
vcnctl undrain h1 >/dev/null
migrating() { tail -n +"$((lines + 1))" "$S/vcnd.log" | grep "migrating VCN" >/dev/null; }
vcn_wait_for 60 migrating || vcn_fail "no migration started after undrain h1"
sleep 0.5
vcn_vcnd_kill9
vcn_log "vcnd killed during: $(tail -n +"$((lines + 1))" "$S/vcnd.log" | grep 'migrating VCN' | tail -n 1)"
vcn_vcnd_start
settled() { vcn_cluster_no_dups && [ "$(vcn_cluster_domains | wc -l)" = 3 ] && vcn_vcnd_agrees; }
vcn_wait_for 120 settled || { vcn_cluster_domains >&2; vcnctl list >&2; vcn_fail "after kill -9: not one copy each, or vcnd does not know where"; }
for i in 1 2 3; do
	for dom in $(virsh -c "$(vcn_nshost_uri "h$i")" list --name | grep '^physics-'); do
		st=$(virsh -c "$(vcn_nshost_uri "h$i")" domstate "$dom" | sed -n 1p)
		[ "$st" = running ] || vcn_fail "$dom on h$i is '$st' after the interrupted migration"
	done
done
vcn_wait_for 120 vcn_vcnd_ready 3 || vcn_fail "after kill -9: not 3 ready VCNs"
vcn_log "after kill -9 during a migration: $(vcn_cluster_domains | tr '\n' ' ')"
vcnctl hosts >&2
vcn_log "PASS in $(( $(date +%s) - t_start )) s"
