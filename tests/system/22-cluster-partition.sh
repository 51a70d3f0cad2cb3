#!/bin/bash
# System test: a network partition never leaves two copies of a VCN running.
# Two namespace hosts, one VCN each. (A) h2's veth goes down for longer than
# down_after with no fence command: h2 is suspect, nothing is relaunched, its VCN
# keeps running inside h2; the veth comes back: same two VCNs, no duplicate.
# (B) a fence command that wrongly confirms (exits 0 without powering anything off):
# h2's VCN is relaunched on h1 while the old copy still runs in h2; when the veth
# comes back, adoption sees both, the newer is kept, the older destroyed, and a
# duplicate-resolved record says so.
set -euo pipefail
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/../harness/libvirt.sh"
. "$(dirname "$0")/../harness/nshost.sh"
. "$(dirname "$0")/../harness/vcnd.sh"

vcn_vcnd_need ip
vcn_scratch_init 22-cluster-partition
S=$VCN_SCRATCH
t_start=$(date +%s)

vcn_cluster_up 2
veth=$(cat "$S/nshost/h2/veth")
vcn_on_exit "ip link set $veth up 2>/dev/null || true"
vcn_on_exit vcn_vcnd_stop
conf() {
	vcn_vcnd_conf "$S/vcnd.conf" "
  rebalance = \"off\"
  shared_storage = \"yes\"
  suspect_after = \"4s\"
  down_after = \"10s\"
$1"
}
conf ""
vcn_vcnd_start
vcnctl launch physics 2 >"$S/launch.out" || { cat "$S/launch.out" >&2; vcn_fail "launch failed"; }
[ "$(vcn_cluster_count h1)" = 1 ] && [ "$(vcn_cluster_count h2)" = 1 ] || vcn_fail "launch did not spread"
inner=$(vcn_cluster_domains | awk '$1 == "h2" {print $2}')
# h2 seen from inside its own namespace (reachable whatever its veth does)
in_h2() { vcn_nshost_exec h2 virsh -c qemu:///system list --name | grep -c '^physics-' || true; }

# --- (A) partition, no fence: suspect only ---------------------------------------------
ip link set "$veth" down
vcn_log "A: h2's veth down"
vcn_wait_for 90 grep -q '"action":"host-suspect"' "$S/audit.jsonl" || vcn_fail "A: h2 never suspect"
sleep 15 # well past down_after
! grep -q '"action":"relaunch"' "$S/audit.jsonl" || vcn_fail "A: relaunched without confirmation"
[ "$(vcn_cluster_count h1)" = 1 ] || vcn_fail "A: h1 runs $(vcn_cluster_count h1) VCNs, want 1"
[ "$(in_h2)" = 1 ] || vcn_fail "A: h2's VCN is not running inside h2"
grep -q "no fence command confirms it down" "$S/vcnd.log" || vcn_fail "A: vcnd did not say why it waits"
ip link set "$veth" up
vcn_log "A: h2's veth up"
vcn_wait_for 90 grep -q '"action":"host-up"' "$S/audit.jsonl" || vcn_fail "A: h2 not back"
vcn_wait_for 60 vcn_vcnd_agrees || vcn_fail "A: vcnd's list differs from libvirt's"
[ "$(vcn_cluster_domains | wc -l)" = 2 ] && vcn_cluster_no_dups || vcn_fail "A: not the same 2 VCNs"
vcn_log "A: partition healed, $(vcn_cluster_domains | tr '\n' ' ')"

# --- (B) a fence that lies: relaunch, then the duplicate is resolved ---------------------
conf '  fence = { "/bin/true", "%h" }'
kill -HUP "$(cat "$S/vcnd.pid")"
vcn_wait_for 20 grep -q '"action":"reload"' "$S/audit.jsonl" || vcn_fail "B: reload not applied"
ip link set "$veth" down
vcn_log "B: h2's veth down, fence will say yes"
vcn_wait_for 120 grep -q "\"action\":\"relaunch\",\"vcn\":\"$inner\"" "$S/audit.jsonl" ||
	{ tail -n 20 "$S/vcnd.log" >&2; vcn_fail "B: $inner not relaunched"; }
vcn_wait_for 120 vcn_cluster_count_is h1 2 || vcn_fail "B: relaunched copy not running on h1"
[ "$(in_h2)" = 1 ] || vcn_fail "B: the old copy should still run inside h2 (the fence lied)"
vcn_log "B: two copies of $inner exist while h2 is cut off"
ip link set "$veth" up
vcn_log "B: h2's veth up"
vcn_wait_for 120 grep -q "\"action\":\"duplicate-resolved\",\"vcn\":\"$inner\"" "$S/audit.jsonl" ||
	{ tail -n 20 "$S/vcnd.log" >&2; vcn_fail "B: duplicate not resolved"; }
grep -q "\"action\":\"duplicate-resolved\".*kept the newer copy on h1" "$S/audit.jsonl" ||
	vcn_fail "B: the newer copy (h1) was not the one kept: $(grep duplicate-resolved "$S/audit.jsonl")"
vcn_wait_for 30 vcn_cluster_no_dups || vcn_fail "B: still two copies"
[ "$(in_h2)" = 0 ] || vcn_fail "B: the older copy still runs in h2"
vcn_wait_for 60 vcn_vcnd_agrees || vcn_fail "B: vcnd's list differs from libvirt's"
vcn_wait_for 120 vcn_vcnd_ready 2 || vcn_fail "B: not 2 ready VCNs"
vcn_log "PASS in $(( $(date +%s) - t_start )) s"
