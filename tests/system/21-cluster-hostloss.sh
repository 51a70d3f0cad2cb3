#!/bin/bash
# System test: host loss on 3 namespace hosts. One VCN per host; h3's libvirtd is
# killed with SIGKILL. vcnd marks h3 suspect, then, after down_after, runs the fence
# command (here: a script that powers the simulated host off by killing its qemus,
# as IPMI would) and, once it confirms, relaunches h3's VCN on h1 or h2. Never two
# copies; vcnd's list matches libvirt's.
set -euo pipefail
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/../harness/libvirt.sh"
. "$(dirname "$0")/../harness/nshost.sh"
. "$(dirname "$0")/../harness/vcnd.sh"

vcn_vcnd_need
vcn_scratch_init 21-cluster-hostloss
S=$VCN_SCRATCH
t_start=$(date +%s)

vcn_cluster_up 3
# the fence: "power off" host $1 = kill the qemus its libvirtd started, report 0
cat >"$S/fence" <<FENCE
#!/bin/bash
set -eu
d="$S/nshost/\$1"
[ -d "\$d" ] || exit 1
for f in "\$d"/run/qemu/*.pid; do
	[ -s "\$f" ] || continue
	pid=\$(cat "\$f")
	tr '\0' ' ' <"/proc/\$pid/cmdline" 2>/dev/null | grep -q 'qemu.* -name guest=' && kill -KILL "\$pid" || true
done
echo "fenced \$1" >>"$S/fenced"
FENCE
chmod +x "$S/fence"
vcn_on_exit vcn_vcnd_stop
vcn_vcnd_conf "$S/vcnd.conf" "
  rebalance = \"off\"
  shared_storage = \"yes\"
  suspect_after = \"4s\"
  down_after = \"10s\"
  fence = { \"$S/fence\", \"%h\" }"
vcn_vcnd_start
vcnctl launch physics 3 >"$S/launch.out" || { cat "$S/launch.out" >&2; vcn_fail "launch failed"; }
for h in h1 h2 h3; do
	[ "$(vcn_cluster_count $h)" = 1 ] || vcn_fail "launch did not spread: $(vcn_cluster_domains | tr '\n' ' ')"
done
lost=$(vcn_cluster_domains | awk '$1 == "h3" {print $2}')
vcn_log "h3 runs $lost"

t0=$(date +%s)
kill -KILL "$(cat "$S/nshost/h3/run/libvirtd.pid")"
vcn_log "killed h3's libvirtd"
relaunched() {
	[ "$(vcn_cluster_count h1)" -ge 1 ] && [ "$(vcn_cluster_count h2)" -ge 1 ] &&
		[ $(( $(vcn_cluster_count h1) + $(vcn_cluster_count h2) )) = 3 ]
}
vcn_wait_for 180 relaunched || { tail -n 30 "$S/vcnd.log" >&2; vcn_fail "h3's VCN not relaunched on h1/h2"; }
vcn_log "relaunched on the other hosts $(( $(date +%s) - t0 )) s after h3's libvirtd died"
grep -q '"action":"host-suspect"' "$S/audit.jsonl" || vcn_fail "no host-suspect record"
grep -q '"action":"host-down"' "$S/audit.jsonl" || vcn_fail "no host-down record"
grep -q "\"action\":\"relaunch\",\"vcn\":\"$lost\"" "$S/audit.jsonl" || vcn_fail "no relaunch record for $lost"
grep -q 'fenced h3' "$S/fenced" || vcn_fail "the fence command was not run for h3"
[ -z "$(vcn_nshost_qemu_pids "$S/nshost/h3")" ] || vcn_fail "h3's qemu still runs after fencing"
vcn_cluster_no_dups || vcn_fail "a VCN runs twice"
vcn_wait_for 120 vcn_vcnd_ready 3 || vcn_fail "not 3 ready VCNs after the relaunch"
vcn_wait_for 30 vcn_vcnd_agrees || vcn_fail "vcnd's list differs from libvirt's"
vcnctl hosts | tee "$S/hosts.out" >&2
grep -q '^h3 *down' "$S/hosts.out" || vcn_fail "h3 not shown down"
vcn_log "PASS in $(( $(date +%s) - t_start )) s"
