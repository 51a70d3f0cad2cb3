# vcn test/demo harness: shared core. Source it; do not run it.
#
# Every daemon the harness starts is recorded in $VCN_SCRATCH/cleanup (one shell
# command per line) and stopped, newest first, by vcn_cleanup: on normal exit, on
# failure and on SIGINT/SIGTERM, because vcn_scratch_init installs the trap.
# Nothing is ever stopped by name: only by the PID the harness recorded.

VCN_TOP=${VCN_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# Build tree (binaries such as vcn-domxml, the guest image); out-of-tree builds set it.
VCN_BUILD=${VCN_BUILD:-$VCN_TOP}
export VCN_TOP VCN_BUILD

vcn_log()  { printf '%s [%s] %s\n' "$(date +%H:%M:%S)" "${VCN_NAME:-vcn}" "$*" >&2; }
vcn_fail() { vcn_log "FAIL: $*"; exit 1; }
# Exit 77 (automake's SKIP) with the reason; CI provides everything and skips nothing.
vcn_skip() { vcn_log "SKIP: $*"; exit 77; }

vcn_need_root() { [ "$(id -u)" = 0 ] || vcn_skip "needs root"; }
vcn_need_cmd() {
	local c
	for c in "$@"; do command -v "$c" >/dev/null 2>&1 || vcn_skip "'$c' not installed (run scripts/deps)"; done
}

# vcn_scratch_init NAME [DIR]: make the scratch directory (world-traversable: qemu
# runs as libvirt-qemu and must reach console logs and overlays) and arm cleanup.
vcn_scratch_init() {
	VCN_NAME=$1
	VCN_SCRATCH=${2:-$(mktemp -d "${TMPDIR:-/tmp}/vcn-$1.XXXXXX")}
	mkdir -p "$VCN_SCRATCH/run" "$VCN_SCRATCH/log"
	chmod 755 "$VCN_SCRATCH"
	: >"$VCN_SCRATCH/cleanup"
	export VCN_NAME VCN_SCRATCH
	trap 'vcn_cleanup' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	vcn_log "scratch: $VCN_SCRATCH"
}

# vcn_scratch_detach: leave what was started running when this shell exits
# (the demo); the recorded cleanup stays in $VCN_SCRATCH/cleanup for later.
vcn_scratch_detach() { trap - EXIT INT TERM; }

# vcn_scratch_teardown DIR: run the cleanup a detached run left in DIR.
vcn_scratch_teardown() {
	VCN_SCRATCH=$1
	export VCN_SCRATCH
	[ -f "$VCN_SCRATCH/cleanup" ] || return 0
	VCN_KEEP=${VCN_KEEP:-1} vcn_cleanup_steps
}

# vcn_on_exit CMD...: register a cleanup command (run newest first).
vcn_on_exit() { printf '%s\n' "$*" >>"$VCN_SCRATCH/cleanup"; }

# Run the registered cleanup commands, newest first, each even if one fails.
vcn_cleanup_steps() {
	local line
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		eval "$line" || vcn_log "cleanup step failed: $line"
	done < <(tac "$VCN_SCRATCH/cleanup")
	: >"$VCN_SCRATCH/cleanup"
}

vcn_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	[ -n "${VCN_SCRATCH:-}" ] && [ -f "$VCN_SCRATCH/cleanup" ] || return $rc
	vcn_cleanup_steps
	if [ $rc -eq 0 ] && [ -z "${VCN_KEEP:-}" ]; then
		rm -rf "$VCN_SCRATCH"
	else
		vcn_log "kept scratch dir $VCN_SCRATCH (exit $rc)"
	fi
	exit $rc
}

# vcn_stop_pid PID [NAME]: TERM, wait up to 10 s, then KILL. Never by name.
vcn_stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	vcn_log "pid $pid (${2:-?}) ignored TERM; killing"
	kill -KILL "$pid" 2>/dev/null || true
}

# vcn_stop_pidfile FILE [NAME]
vcn_stop_pidfile() {
	[ -s "$1" ] || return 0
	vcn_stop_pid "$(cat "$1")" "${2:-$1}"
	rm -f "$1"
}

# vcn_wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
vcn_wait_for() {
	local t=$1 end
	shift
	end=$(($(date +%s%N) / 1000000 + t * 1000))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $(($(date +%s%N) / 1000000)) -lt $end ] || return 1
		sleep 0.2
	done
}

# vcn_port_listening PORT [ADDR]: is a TCP port open (in this network namespace)?
vcn_port_listening() { ss -Hltn "sport = :$1" | grep -q .; }
