#!/bin/bash
# System test: live migration of a running guest between two namespace "hosts".
# Boots a busy 128 MiB guest on host A, migrates it live to host B over TCP (its disk
# overlay sits in the shared scratch dir, so storage is shared), and checks that it
# then runs on B only and keeps running there (CPU time grows; it still powers off
# on an ACPI request, which needs its userspace alive).
set -euo pipefail
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/../harness/nshost.sh"

vcn_need_root
vcn_need_cmd virsh qemu-system-x86_64 qemu-img ip nsenter
OUT="$VCN_BUILD/guest/out"
for f in vmlinuz initrd.img base.qcow2; do
	[ -s "$OUT/$f" ] || vcn_skip "guest image missing: $OUT/$f (run guest/build-image)"
done
vcn_scratch_init 02-migrate

GUEST=vcn-mig
VIRT_TYPE=$(cat "$OUT/virt-type" 2>/dev/null || echo qemu)
[ "$VIRT_TYPE" = kvm ] || VIRT_TYPE=qemu

# guest_xml: temporary hand-written domain until the shared guest helpers land.
guest_xml() {
	cat <<EOF
<domain type='$VIRT_TYPE'>
  <name>$GUEST</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$OUT/vmlinuz</kernel>
    <initrd>$OUT/initrd.img</initrd>
    <cmdline>console=ttyS0 vcn.hostname=$GUEST vcn.workload=cpu=1</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$VCN_SCRATCH/$GUEST.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <serial type='file'>
      <source path='$VCN_SCRATCH/$GUEST.console' append='on'/>
      <target port='0'/>
    </serial>
  </devices>
</domain>
EOF
}

# cpu_time URI: the guest's cumulative CPU time in ns, as its host reports it.
cpu_time() {
	virsh -c "$1" domstats --cpu-total "$GUEST" | sed -n 's/^ *cpu.time=//p'
}

# dom_state URI: "running", "shut off", ... or "absent" when the host does not know it.
dom_state() {
	local out
	out=$(virsh -c "$1" domstate "$GUEST" 2>/dev/null) || out=
	out=${out%%$'\n'*}
	printf '%s\n' "${out:-absent}"
}

vcn_nshost_up a 1
vcn_nshost_up b 2
A=$VCN_NSHOST_URI_1
B=$VCN_NSHOST_URI_2

qemu-img create -q -f qcow2 -F qcow2 -b "$OUT/base.qcow2" "$VCN_SCRATCH/$GUEST.qcow2"
guest_xml >"$VCN_SCRATCH/$GUEST.xml"
virsh -c "$A" create "$VCN_SCRATCH/$GUEST.xml" >/dev/null
vcn_wait_for 90 grep -q VCN-READY "$VCN_SCRATCH/$GUEST.console" ||
	vcn_fail "guest not ready on A within 90 s"
vcn_log "guest ready on A ($VIRT_TYPE)"

t0=$(date +%s%N)
virsh -c "$A" migrate --live --unsafe "$GUEST" "$B" ||
	vcn_fail "migration A -> B failed"
t1=$(date +%s%N)
MIG_MS=$(((t1 - t0) / 1000000))
vcn_log "migrated A -> B in $MIG_MS ms (virsh migrate wall time)"
virsh -c "$B" domjobinfo --completed "$GUEST" 2>/dev/null |
	grep -E 'Time elapsed|Total downtime|Memory processed|Iteration' >&2 || true

st=$(dom_state "$B")
[ "$st" = running ] || vcn_fail "guest on B is '$st', want running"
st=$(dom_state "$A")
[ "$st" = absent ] || vcn_fail "guest still on A ('$st')"

c0=$(cpu_time "$B")
sleep 3
c1=$(cpu_time "$B")
used_ms=$(((c1 - c0) / 1000000))
vcn_log "guest CPU on B over 3 s: $used_ms ms"
[ "$used_ms" -ge 1000 ] || vcn_fail "guest on B barely runs ($used_ms ms CPU in 3 s)"

virsh -c "$B" shutdown "$GUEST" >/dev/null
vcn_wait_for 30 sh -c "! virsh -c '$B' domstate '$GUEST' 2>/dev/null | grep -q running" ||
	vcn_fail "guest on B ignored ACPI shutdown: userspace not alive"
vcn_log "PASS: live migration A -> B in $MIG_MS ms; guest kept running on B"
