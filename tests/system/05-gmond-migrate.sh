#!/bin/bash
# System test: a VM that live-migrates between two hypervisors (namespace hosts,
# each with its own gmond running vcn_module and sending to one cluster) stays
# one Ganglia host with one address and one RRD directory; its vcn_phys_host
# switches once from hv-a to hv-b (never back and forth: never two writers);
# at most about one interval of its numbers is missing.
set -euo pipefail
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/../harness/libvirt.sh"
. "$(dirname "$0")/../harness/nshost.sh"
. "$(dirname "$0")/../harness/ganglia.sh"

INTERVAL=2
GUEST=g-mig
CLUSTER=vcn-test05

vcn_need_root
vcn_need_cmd virsh qemu-system-x86_64 gmond gmetad python3 nsenter
vcn_scratch_init 05-gmond-migrate

vcn_guest_image
vcn_nshost_up a 1
vcn_nshost_up b 2
A=$(vcn_nshost_uri a)
B=$(vcn_nshost_uri b)
vcn_ganglia_up "$CLUSTER"
params=(interval=${INTERVAL}s libvirt_timeout=1s dmax=30s metadata_interval=10s)
vcn_gmond_sender hv-a "$(vcn_nshost_addr a)" uri="$A" phys_host=hv-a "${params[@]}"
vcn_gmond_sender hv-b "$(vcn_nshost_addr b)" uri="$B" phys_host=hv-b "${params[@]}"

vcn_guest_start "$GUEST" --uri "$A" --workload cpu=1
vcn_guest_wait_ready "$GUEST" 120 >/dev/null || vcn_fail "guest not ready on a"

# watch: every 0.5 s, the guest's host entries in the cluster gmond's XML:
# "<ns> <hosts-named-g-mig> <IP> <vcn_phys_host> <TN of vcn_phys_host>"
watch_py='
import sys, time, socket, xml.etree.ElementTree as ET
port, name, out = int(sys.argv[1]), sys.argv[2], open(sys.argv[3], "a", buffering=1)
def dump():
    s = socket.create_connection(("127.0.0.1", port), 10); data = b""
    while True:
        b = s.recv(65536)
        if not b: break
        data += b
    s.close()
    return ET.fromstring(data)
while True:
    try:
        root = dump()
    except (OSError, ET.ParseError) as e:  # a loaded host: gmond answers late; try again
        sys.stderr.write("watch: %s\n" % e); time.sleep(0.5); continue
    hosts = [h for h in root.iter("HOST") if h.get("NAME") == name]
    ph, tn, ip = "-", "-", "-"
    for h in hosts:
        ip = h.get("IP")
        for m in h.iter("METRIC"):
            if m.get("NAME") == "vcn_phys_host": ph, tn = m.get("VAL"), m.get("TN")
    out.write("%d %d %s %s %s\n" % (time.time_ns(), len(hosts), ip, ph, tn))
    time.sleep(0.5)
'
python3 -c "$watch_py" "$VCN_GMOND_PORT" "$GUEST" "$VCN_SCRATCH/watch.log" &
echo $! >"$VCN_SCRATCH/run/watch.pid"
vcn_on_exit "vcn_stop_pidfile '$VCN_SCRATCH/run/watch.pid' watcher"

on_host() { tail -n 1 "$VCN_SCRATCH/watch.log" 2>/dev/null | awk -v h="$1" '$4 == h { f = 1 } END { exit !f }'; }
# on failure, show what the cluster gmond said (the CI log keeps only the tail)
vcn_on_exit "tail -n 15 '$VCN_SCRATCH/watch.log' >&2"
vcn_wait_for 60 on_host hv-a || vcn_fail "$GUEST never showed up as a host on hv-a"
sleep $((3 * INTERVAL))
t0=$(date +%s%N)
vcn_virsh "$A" migrate --live --unsafe "$GUEST" "$B" || vcn_fail "migration failed"
printf '%s\n' "$B" >"$(vcn_guest_dir "$GUEST")/uri"
vcn_log "migrated a -> b in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
vcn_wait_for 60 on_host hv-b || vcn_fail "$GUEST never reported from hv-b"
sleep $((3 * INTERVAL))
vcn_stop_pidfile "$VCN_SCRATCH/run/watch.pid" watcher

# one host entry, one address, throughout
awk '$2 != "1" && $2 != "0" { exit 1 }' "$VCN_SCRATCH/watch.log" || vcn_fail "more than one host entry named $GUEST at some point"
ips=$(awk '$3 != "-" { print $3 }' "$VCN_SCRATCH/watch.log" | sort -u)
[ "$(wc -l <<<"$ips")" = 1 ] || vcn_fail "the host's address changed: $(tr '\n' ' ' <<<"$ips")"
# one switch hv-a -> hv-b, never back
seq=$(awk '$4 != "-" { print $4 }' "$VCN_SCRATCH/watch.log" | uniq | tr '\n' ' ')
[ "$seq" = "hv-a hv-b " ] || vcn_fail "vcn_phys_host went: $seq (want hv-a hv-b)"
# the longest silence of vcn_phys_host (sent every interval): TN grows while nothing arrives
max_tn=$(awk '$5 != "-" && $5 > m { m = $5 } END { print m + 0 }' "$VCN_SCRATCH/watch.log")
vcn_log "one host ($ips), phys host $seq, longest silence TN=$max_tn s (interval $INTERVAL s)"
# one missed interval = TN up to 2 intervals; +4 s for gmond's TN granularity, the
# migration's own switch-over pause under TCG and a loaded CI host (make -j2 runs a
# second system test beside this one: samplers then run late).
[ "$max_tn" -le $((2 * INTERVAL + 4)) ] || vcn_fail "$GUEST was silent $max_tn s across the migration"
vcn_wait_for 30 test -d "$VCN_RRD_DIR/$CLUSTER/$GUEST" || vcn_fail "no RRD dir for $GUEST"
n=$(find "$VCN_RRD_DIR/$CLUSTER" -maxdepth 1 -name "$GUEST*" | wc -l)
[ "$n" = 1 ] || vcn_fail "$n RRD dirs for $GUEST"
vcn_log "PASS"
