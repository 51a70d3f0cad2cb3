#!/bin/bash
# System test: auto-scaling on a real Slurm queue. munged and slurmctld from
# Debian, started here with a private key, socket, port and state dir; the
# partition's nodes are FUTURE, so every job sbatch submits stays pending. vcnd's
# VO physics scales on `squeue -h -t PENDING -o %i` (argv, no shell; 1 job per
# VCN): 2 pending jobs -> 2 VCNs, one cancelled -> 1, all cancelled -> 0.
set -euo pipefail
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/../harness/libvirt.sh"
. "$(dirname "$0")/../harness/nshost.sh"
. "$(dirname "$0")/../harness/vcnd.sh"

vcn_vcnd_need munged slurmctld sbatch squeue scancel
vcn_scratch_init 24-cluster-slurm
S=$VCN_SCRATCH
t_start=$(date +%s)

# --- munge and slurmctld, private to this test ---------------------------------------
mkdir -p "$S/slurm/state"
dd if=/dev/urandom of="$S/slurm/munge.key" bs=1024 count=1 2>/dev/null
chmod 600 "$S/slurm/munge.key"
munged -F -f --socket="$S/slurm/munge.sock" --key-file="$S/slurm/munge.key" --log-file="$S/slurm/munged.log" \
	--pid-file="$S/slurm/munged.pid" --seed-file="$S/slurm/munged.seed" >"$S/slurm/munged.out" 2>&1 &
echo $! >"$S/slurm/munged.pidfile"
vcn_on_exit "vcn_stop_pidfile '$S/slurm/munged.pidfile' munged"
vcn_wait_for 10 test -S "$S/slurm/munge.sock" || vcn_fail "munged did not start: $(cat "$S/slurm/munged.out")"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$S/slurm/slurm.conf" <<CONF
ClusterName=vcntest
SlurmctldHost=$(hostname)(127.0.0.1)
SlurmctldPort=$port
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$S/slurm/munge.sock
CredType=cred/munge
StateSaveLocation=$S/slurm/state
SlurmctldPidFile=$S/slurm/slurmctld.pid
SlurmctldLogFile=$S/slurm/slurmctld.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/linear
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=vcnnode[1-4] CPUs=1 State=FUTURE
PartitionName=vcn Nodes=vcnnode[1-4] Default=YES State=UP MaxTime=INFINITE
CONF
export SLURM_CONF="$S/slurm/slurm.conf"
slurmctld -D -f "$SLURM_CONF" >"$S/slurm/slurmctld.out" 2>&1 &
echo $! >"$S/slurm/slurmctld.pidfile"
vcn_on_exit "vcn_stop_pidfile '$S/slurm/slurmctld.pidfile' slurmctld"
vcn_wait_for 30 squeue -h || vcn_fail "slurmctld does not answer: $(tail -n 5 "$S/slurm/slurmctld.log" 2>/dev/null)"
vcn_log "slurmctld up on port $port"

# --- vcnd scaling on squeue ------------------------------------------------------------
vcn_cluster_up 2
vcn_on_exit vcn_vcnd_stop
vcn_vcnd_conf "$S/vcnd.conf" '  shared_storage = "yes"' '
  autoscale {
    source = "command"
    command = { "squeue", "-h", "-t", "PENDING", "-o", "%i" }
    jobs_per_vcn = "1"
    step_up = "2"
    step_down = "1"
    cooldown = "6s"
    idle_period = "8s"
    shutdown_timeout = "5s"
  }'
sed -i 's/max = 8/max = 3/' "$S/vcnd.conf"
vcn_vcnd_start # inherits SLURM_CONF
total() { vcn_cluster_domains | wc -l; }
sleep 6
[ "$(total)" = 0 ] || vcn_fail "no pending job but $(total) VCNs"

j1=$(sbatch --parsable --wrap "sleep 600" -o /dev/null)
j2=$(sbatch --parsable --wrap "sleep 600" -o /dev/null)
[ "$(squeue -h -t PENDING -o %i | wc -l)" = 2 ] || vcn_fail "jobs are not pending: $(squeue)"
t0=$(date +%s)
vcn_wait_for 180 vcn_vcnd_ready 2 || { vcnctl status >&2; tail -n 20 "$S/vcnd.log" >&2; vcn_fail "did not scale out to 2 for 2 pending jobs"; }
vcn_log "2 pending jobs -> 2 ready VCNs in $(( $(date +%s) - t0 )) s"
grep -q '"action":"scale".*demand 2' "$S/audit.jsonl" || vcn_fail "no scale record with demand 2"

scancel "$j1"
t0=$(date +%s)
vcn_wait_for 120 vcn_cluster_total_is 1 || vcn_fail "did not scale in to 1 after a cancel"
vcn_log "1 pending job -> 1 VCN in $(( $(date +%s) - t0 )) s"
scancel "$j2"
vcn_wait_for 120 vcn_cluster_total_is 0 || vcn_fail "did not scale in to 0"
vcn_wait_for 30 vcn_vcnd_ready 0 || vcn_fail "vcnd still counts VCNs"
vcn_log "PASS in $(( $(date +%s) - t_start )) s"
