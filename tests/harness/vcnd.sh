# vcn test harness: vcnd + vcnctl against namespace hosts. Source after common.sh,
# libvirt.sh and nshost.sh.
# shellcheck shell=bash
#
#   vcn_cluster_up N         N namespace hosts h1..hN, each with the guest network
#                            vcnnet (isolated bridge vcnbr0 in its own namespace)
#   vcn_vcnd_conf FILE [CLUSTER-LINES] [VO-EXTRA]   a vcnd.conf for those hosts and
#                            one VO "physics" (128 MiB, 1 vCPU, idle guest)
#   vcn_vcnd_need [CMD...]   skip unless root, the commands vcnd tests use (and CMDs)
#                            and a built vcnd/vcnctl
#   vcn_vcnd_start / vcn_vcnd_stop / vcn_vcnd_kill9   by PID ($VCN_SCRATCH/vcnd.pid),
#                            with $VCN_SCRATCH/vcnd.conf, vcnd.sock and vcnd.log
#   vcnctl ARGS...           vcnctl on the test's socket
#   vcn_cluster_where VCN    the hosts whose libvirt runs VCN (one per line)
#   vcn_cluster_domains      "host vcn" for every running physics-* domain

VCND="$VCN_BUILD/controller/vcnd"
VCNCTL="$VCN_BUILD/controller/vcnctl"

vcn_vcnd_need() {
	vcn_need_root
	vcn_need_cmd virsh libvirtd qemu-system-x86_64 python3 nsenter "$@"
	[ -x "$VCND" ] && [ -x "$VCNCTL" ] || vcn_skip "vcnd/vcnctl not built (run make)"
}

vcn_cluster_up() {
	local i
	VCN_CLUSTER_N=$1
	vcn_guest_image
	for i in $(seq "$VCN_CLUSTER_N"); do
		vcn_nshost_up "h$i" "$i"
		VCN_LIBVIRT_URI=$(vcn_nshost_uri "h$i") vcn_net_up vcnnet vcnbr0 10.250.20.1/24
	done
	mkdir -p "$VCN_SCRATCH/scratch" "$VCN_SCRATCH/state"
	chmod 755 "$VCN_SCRATCH/scratch"
}

vcn_vcnd_conf() {
	local f=$1 cluster=${2:-} extra=${3:-} i S=$VCN_SCRATCH
	{
		cat <<CONF
globals {
  state_dir = "$S/state"
  scratch_dir = "$S/scratch"
  control_socket = "$S/vcnd.sock"
  audit_log = "$S/audit.jsonl"
  interval = "2s"
  web_events_file = "$S/events.json"
}
cluster {
$cluster
}
CONF
		for i in $(seq "$VCN_CLUSTER_N"); do
			printf 'host "h%s" {\n  uri = "%s"\n}\n' "$i" "$(vcn_nshost_uri "h$i")"
		done
		cat <<CONF
vo "physics" {
  image = "$VCN_GUEST_OUT/base.qcow2"
  kernel = "$VCN_GUEST_OUT/vmlinuz"
  initrd = "$VCN_GUEST_OUT/initrd.img"
  cmdline = "console=ttyS0 quiet vcn.workload=idle"
  vcpus = 1
  memory = "128M"
  network = "vcnnet"
  min = 0
  max = 8
$extra
}
CONF
	} >"$f"
}

vcnctl() { "$VCNCTL" -s "$VCN_SCRATCH/vcnd.sock" "$@"; }

vcn_vcnd_start() {
	"$VCND" -f -c "$VCN_SCRATCH/vcnd.conf" >>"$VCN_SCRATCH/vcnd.log" 2>&1 &
	echo $! >"$VCN_SCRATCH/vcnd.pid"
	vcn_wait_for 30 test -S "$VCN_SCRATCH/vcnd.sock" ||
		{ tail -n 20 "$VCN_SCRATCH/vcnd.log" >&2; vcn_fail "vcnd did not open its socket"; }
	vcn_wait_for 30 vcnctl status || vcn_fail "vcnd does not answer"
}

vcn_vcnd_stop() { vcn_stop_pidfile "$VCN_SCRATCH/vcnd.pid" vcnd; }

vcn_vcnd_kill9() {
	local pid
	pid=$(cat "$VCN_SCRATCH/vcnd.pid")
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	rm -f "$VCN_SCRATCH/vcnd.pid"
}

# vcn_cluster_domains: "HOST VCN" for each running physics-* domain on every host
# that answers (libvirt's view, not vcnd's).
vcn_cluster_domains() {
	local i dom
	for i in $(seq "$VCN_CLUSTER_N"); do
		for dom in $(timeout 20 virsh -c "$(vcn_nshost_uri "h$i")" list --name 2>/dev/null | grep '^physics-'); do
			printf 'h%s %s\n' "$i" "$dom"
		done
	done
}

# vcn_cluster_count HOST: physics-* domains on HOST
vcn_cluster_count() { timeout 20 virsh -c "$(vcn_nshost_uri "$1")" list --name 2>/dev/null | grep -c '^physics-' || true; }

# vcn_cluster_no_dups: every VCN name runs on one host only
vcn_cluster_no_dups() { [ -z "$(vcn_cluster_domains | awk '{print $2}' | sort | uniq -d)" ]; }

# vcn_vcnd_agrees: vcnd's list (name host) is libvirt's, for running VCNs
vcn_vcnd_agrees() {
	local a b
	a=$(vcn_cluster_domains | awk '{print $2" "$1}' | sort)
	b=$(vcnctl --json list | python3 -c '
import json, sys
d = json.load(sys.stdin)
for v in d["vcns"]:
    if v["state"] in ("ready", "booting"):
        print(v["name"], v["host"])' | sort)
	[ -n "$a" ] && [ "$a" = "$b" ]
}

# vcn_vcnd_ready N: vcnd reports N ready physics VCNs
vcn_vcnd_ready() {
	vcnctl --json status | python3 -c '
import json, sys
d = json.load(sys.stdin); vo = d["vos"][0]
sys.exit(0 if vo["ready"] == int(sys.argv[1]) == vo["running"] else 1)' "$1"
}

# vcn_cluster_total_is N / vcn_cluster_count_is HOST N: for vcn_wait_for (which
# re-runs a command; a $(...) in its arguments would be evaluated once)
vcn_cluster_total_is() { [ "$(vcn_cluster_domains | wc -l)" = "$1" ]; }
vcn_cluster_count_is() { [ "$(vcn_cluster_count "$1")" = "$2" ]; }
