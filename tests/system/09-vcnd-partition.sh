#!/bin/bash
# System test: a VO's partition on this machine's libvirtd (qemu:///system,
# a local host for vcnd). vcnd creates the partitions file's groups through
# libcgroup at start (cgroup v1 here: machine/vo-x.partition in each
# controller's hierarchy, which libvirt needs and does not create without
# systemd), the VCN's domain XML has <resource><partition>, and its qemu
# runs in that cgroup with the group's cpu.shares. Uses the machine's
# libvirtd, so it holds the harness lock while it runs.
set -euo pipefail
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/../harness/libvirt.sh"
. "$(dirname "$0")/../harness/vcnd.sh"

vcn_vcnd_need
[ -d /sys/fs/cgroup/cpu ] || vcn_skip "needs a cgroup v1 cpu hierarchy at /sys/fs/cgroup/cpu"
vcn_scratch_init 09-vcnd-partition

vcn_guest_image
vcn_libvirtd_up
URI=qemu:///system
VCN_LIBVIRT_URI=$URI vcn_net_up vcn09net vcn09br0 10.250.9.1/24
VIRSH=(vcn_virsh "$URI")
S=$VCN_SCRATCH
SOCK=$S/vcnd.sock
mkdir -p "$S/scratch"
chmod 755 "$S/scratch"
# every VO name is unique to this test: no clash with other VCNs on the machine
cat >"$S/partitions.conf" <<'P'
group machine/vo-t09 {
	cpu {
		cpu.shares = "2048";
	}
}
P
cat >"$S/vcnd.conf" <<CONF
globals {
  state_dir = "$S/state"
  scratch_dir = "$S/scratch"
  control_socket = "$SOCK"
  audit_log = "$S/audit.jsonl"
  interval = "2s"
  partitions_file = "partitions.conf"
}
host "machine" {
  uri = "$URI"
}
vo "t09" {
  image = "$VCN_GUEST_OUT/base.qcow2"
  kernel = "$VCN_GUEST_OUT/vmlinuz"
  initrd = "$VCN_GUEST_OUT/initrd.img"
  cmdline = "console=ttyS0 quiet vcn.workload=idle"
  vcpus = 1
  memory = "128M"
  network = "vcn09net"
  partition = "/machine/vo-t09"
  min = 0
  max = 2
}
CONF
# a VO partition the partitions file lacks: vcnd -n says where
sed 's|partition = "/machine/vo-t09"|partition = "/machine/vo-none"|' "$S/vcnd.conf" >"$S/bad.conf"
if "$VCND" -n -c "$S/bad.conf" 2>"$S/bad.err"; then vcn_fail "vcnd -n accepted a VO partition not in the partitions file"; fi
grep -q "$S/bad.conf:[0-9]*: VO 't09': partition '/machine/vo-none' is not a group" "$S/bad.err" ||
	vcn_fail "missing partition not reported: $(cat "$S/bad.err")"
"$VCND" -n -c "$S/vcnd.conf" || vcn_fail "vcnd -n rejects the config"

stop_all() {
	[ -S "$SOCK" ] && "$VCNCTL" -s "$SOCK" scale t09 0 >/dev/null 2>&1 || true
	vcn_vcnd_stop
	"${VIRSH[@]}" destroy t09-1 >/dev/null 2>&1 || true
}
vcn_on_exit "stop_all"
vcn_vcnd_start
vcn_wait_for 20 grep -q 'VO partitions of' "$S/vcnd.log" || vcn_fail "vcnd did not create the partitions: $(tail -n 5 "$S/vcnd.log")"
[ "$(cat /sys/fs/cgroup/cpu/machine/vo-t09.partition/cpu.shares)" = 2048 ] ||
	vcn_fail "cpu/machine/vo-t09.partition/cpu.shares is not 2048"
"$VCNCTL" -s "$SOCK" launch t09 1 >"$S/l.out" 2>&1 || vcn_fail "launch into the partition: $(cat "$S/l.out")"
"${VIRSH[@]}" dumpxml t09-1 | grep -q '<partition>/machine/vo-t09</partition>' || vcn_fail "no <partition> in t09-1's XML"
pid=$(pgrep -f 'guest=t09-1,' | head -n 1)
[ -n "$pid" ] || vcn_fail "no qemu for t09-1"
grep -E '[:,]cpu[,:]' "/proc/$pid/cgroup" >"$S/cg" || true
grep -q '/machine/vo-t09.partition/' "$S/cg" || vcn_fail "t09-1's qemu is not in the partition: $(cat "$S/cg")"
vcn_log "t09-1 qemu (pid $pid) cgroup: $(cat "$S/cg")"
"$VCNCTL" -s "$SOCK" scale t09 0 >/dev/null || vcn_fail "scale t09 0 failed"
vcn_log "PASS"
