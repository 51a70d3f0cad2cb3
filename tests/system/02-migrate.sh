#!/bin/bash
# System test: live migration of a running guest between two namespace "hosts".
# Boots a busy 128 MiB guest on host A, migrates it live to host B over TCP (its disk
# overlay sits in the shared scratch dir, so storage is shared), and checks that it
# then runs on B only and keeps running there: its CPU time grows, and it still
# powers off on an ACPI request, which needs its userspace alive.
set -euo pipefail
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/../harness/libvirt.sh"
. "$(dirname "$0")/../harness/nshost.sh"

vcn_need_root
vcn_need_cmd virsh qemu-system-x86_64 qemu-img ip nsenter
vcn_scratch_init 02-migrate

GUEST=vcn-mig

# dom_state URI: "running", "shut off", ... or "absent" when the host does not know it.
dom_state() {
	local out
	out=$(vcn_virsh "$1" domstate "$GUEST" 2>/dev/null) || out=
	out=${out%%$'\n'*}
	printf '%s\n' "${out:-absent}"
}

# ms_since NS: milliseconds from a date +%s%N stamp to now.
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

vcn_nshost_up a 1
vcn_nshost_up b 2
A=$VCN_NSHOST_URI_1
B=$VCN_NSHOST_URI_2
# Migration needs the hosts to reach each other, not just the main namespace.
vcn_nshost_exec a virsh -c "$B" version >/dev/null || vcn_fail "host a cannot reach $B"
vcn_nshost_exec b virsh -c "$A" version >/dev/null || vcn_fail "host b cannot reach $A"

vcn_guest_start "$GUEST" --uri "$A" --workload cpu=1 --memory-mib 128
ready=$(vcn_guest_wait_ready "$GUEST" 120) || vcn_fail "guest not ready on A within 120 s"
vcn_log "guest ready on A after $ready s"

# --unsafe: the overlay's cache mode is not 'none'; the storage is one shared dir,
# so there is no second copy that could go stale.
t0=$(date +%s%N)
vcn_virsh "$A" migrate --live --unsafe "$GUEST" "$B" || vcn_fail "migration A -> B failed"
MIG_MS=$(ms_since "$t0")
# The guest's helpers (stats, destroy at exit) follow it to B.
printf '%s\n' "$B" >"$(vcn_guest_dir "$GUEST")/uri"
vcn_log "migrated A -> B in $MIG_MS ms (virsh migrate, wall clock)"
vcn_virsh "$B" domjobinfo --completed "$GUEST" 2>/dev/null |
	grep -E 'Time elapsed:|Total downtime|Memory processed|Iteration' |
	while IFS= read -r l; do vcn_log "  libvirt: $l"; done || true

st=$(dom_state "$B")
[ "$st" = running ] || vcn_fail "guest on B is '$st', want running"
st=$(dom_state "$A")
[ "$st" = absent ] || vcn_fail "guest still known on A ('$st')"
! vcn_nshost_guest_pid a "$GUEST" >/dev/null || vcn_fail "a qemu of the guest is still alive on A"
pid=$(vcn_nshost_guest_pid b "$GUEST") || vcn_fail "no qemu of the guest on B"
# B's machine cgroup is B's own (hosts must not share qemu-ID-NAME cgroups).
grep -q "/vcn-nshost-vcn-b-[0-9]*/machine/" "/proc/$pid/cgroup" ||
	vcn_fail "guest's qemu on B is not in B's cgroups: $(tr '\n' ' ' <"/proc/$pid/cgroup")"

c0=$(vcn_guest_stat "$GUEST" cpu.time)
t0=$(date +%s%N)
sleep 3
c1=$(vcn_guest_stat "$GUEST" cpu.time)
wall_ms=$(ms_since "$t0")
used_ms=$(((c1 - c0) / 1000000))
vcn_log "guest CPU on B: $used_ms ms in $wall_ms ms"
# cpu=1 keeps its vCPU busy: alone it takes a whole core; a paused or wedged guest
# takes next to nothing. 10% leaves room for a machine shared with parallel tests.
[ $((used_ms * 10)) -ge "$wall_ms" ] || vcn_fail "guest on B barely runs ($used_ms ms CPU in $wall_ms ms)"

t0=$(date +%s%N)
vcn_virsh "$B" shutdown "$GUEST" >/dev/null
vcn_wait_for 60 sh -c "! virsh -c '$B' domstate '$GUEST' 2>/dev/null | grep -q running" ||
	vcn_fail "guest on B ignored ACPI shutdown: its userspace is not alive"
vcn_log "guest on B powered off on ACPI request after $(ms_since "$t0") ms"
vcn_log "PASS: live migration A -> B in $MIG_MS ms; guest kept running on B"
