#!/bin/bash
# System test: live migration of a running guest between two namespace "hosts".
# Boots a busy 128 MiB guest on host a, migrates it live to host b over TCP (its disk
# overlay sits in the shared scratch dir, so storage is shared) and back again, and
# checks after each move that it runs on the destination only, inside that host's
# cgroups, and keeps running: its CPU time grows, and at the end it still powers off
# on an ACPI request, which needs its userspace alive.
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

# migrate FROM TO: move the guest live between hosts, report how long it took, and
# check it left FROM and runs, busy, on TO.
migrate() {
	local from=$1 to=$2 src dst t0 ms st pid c0 c1 wall_ms used_ms
	src=$(vcn_nshost_uri "$from")
	dst=$(vcn_nshost_uri "$to")
	# --unsafe: the overlay's cache mode is not 'none'; the storage is one shared
	# dir, so there is no second copy that could go stale.
	t0=$(date +%s%N)
	vcn_virsh "$src" migrate --live --unsafe "$GUEST" "$dst" || vcn_fail "migration $from -> $to failed"
	ms=$(ms_since "$t0")
	# The guest's helpers (stats, destroy at exit) follow it.
	printf '%s\n' "$dst" >"$(vcn_guest_dir "$GUEST")/uri"
	vcn_log "migrated $from -> $to in $ms ms (virsh migrate, wall clock)"
	printf '%s %s\n' "$from-$to" "$ms" >>"$VCN_SCRATCH/migrations"
	vcn_virsh "$dst" domjobinfo --completed "$GUEST" 2>/dev/null |
		grep -E 'Time elapsed:|Total downtime|Memory processed|Iteration' |
		while IFS= read -r l; do vcn_log "  libvirt: $l"; done || true

	st=$(dom_state "$dst")
	[ "$st" = running ] || vcn_fail "guest on $to is '$st', want running"
	st=$(dom_state "$src")
	[ "$st" = absent ] || vcn_fail "guest still known on $from ('$st')"
	! vcn_nshost_guest_pid "$from" "$GUEST" >/dev/null || vcn_fail "a qemu of the guest is still alive on $from"
	pid=$(vcn_nshost_guest_pid "$to" "$GUEST") || vcn_fail "no qemu of the guest on $to"
	# Hosts must not share machine cgroups (libvirt names them qemu-ID-NAME).
	grep -q "/vcn-nshost-vcn-$to-[0-9]*/machine/" "/proc/$pid/cgroup" ||
		vcn_fail "guest's qemu on $to is not in $to's cgroups: $(tr '\n' ' ' <"/proc/$pid/cgroup")"

	c0=$(vcn_guest_stat "$GUEST" cpu.time)
	t0=$(date +%s%N)
	sleep 3
	c1=$(vcn_guest_stat "$GUEST" cpu.time)
	wall_ms=$(ms_since "$t0")
	used_ms=$(((c1 - c0) / 1000000))
	vcn_log "guest CPU on $to: $used_ms ms in $wall_ms ms"
	# cpu=1 keeps its vCPU busy: alone it takes a whole core; a paused or wedged
	# guest takes next to nothing. 10% leaves room for parallel tests.
	[ $((used_ms * 10)) -ge "$wall_ms" ] || vcn_fail "guest on $to barely runs ($used_ms ms CPU in $wall_ms ms)"
}

vcn_nshost_up a 1
vcn_nshost_up b 2
# Migration needs the hosts to reach each other, not just the main namespace.
vcn_nshost_exec a virsh -c "$(vcn_nshost_uri b)" version >/dev/null || vcn_fail "host a cannot reach host b"
vcn_nshost_exec b virsh -c "$(vcn_nshost_uri a)" version >/dev/null || vcn_fail "host b cannot reach host a"

vcn_guest_start "$GUEST" --uri "$(vcn_nshost_uri a)" --workload cpu=1 --memory-mib 128
ready=$(vcn_guest_wait_ready "$GUEST" 120) || vcn_fail "guest not ready on a within 120 s"
vcn_log "guest ready on a after $ready s"

migrate a b
migrate b a

A=$(vcn_nshost_uri a)
t0=$(date +%s%N)
vcn_virsh "$A" shutdown "$GUEST" >/dev/null
vcn_wait_for 60 sh -c "! virsh -c '$A' domstate '$GUEST' 2>/dev/null | grep -q running" ||
	vcn_fail "guest ignored ACPI shutdown after two migrations: its userspace is not alive"
vcn_log "guest powered off on ACPI request after $(ms_since "$t0") ms"
vcn_log "PASS: live migration (ms): $(tr '\n' ' ' <"$VCN_SCRATCH/migrations")"
