# vcn test harness: libvirtd, isolated networks and test guests. Source after common.sh.
#
#   vcn_libvirtd_up                       libvirtd + virtlogd for qemu:///system (main netns),
#                                         serialised machine-wide by a lock (see below)
#   vcn_net_up NAME BRIDGE ADDR/PREFIX [START-END]
#                                         isolated libvirt network (no <forward>: no NAT)
#   vcn_guest_image                       build guest/out if needed; sets VCN_GUEST_OUT
#   vcn_virt_type                         print kvm or qemu (guest/kvm-probe, cached)
#   vcn_guest_start NAME [opts]           overlay + domain XML (vcn-domxml) + virsh create
#   vcn_guest_wait_ready NAME TIMEOUT     wait for "VCN-READY NAME"; print seconds since start
#   vcn_guest_destroy NAME                destroy the domain, remove its overlay (idempotent)
#   vcn_guest_stat NAME KEY               one value of virsh domstats (e.g. cpu.time)
#   vcn_guest_dir NAME                    where a guest keeps overlay, console, XML
#
# Per guest, under $VCN_SCRATCH/guests/NAME: overlay.qcow2, console.log (the guest's
# ttyS0), domain.xml, uri, started (ns timestamp of virsh create), qemu.pid.
# URIs: functions use $VCN_LIBVIRT_URI (default qemu:///system) unless given --uri.

VCN_LIBVIRT_URI=${VCN_LIBVIRT_URI:-qemu:///system}
# Machine-wide lock serialising users of the main-namespace libvirtd.
VCN_LIBVIRTD_LOCK=${VCN_LIBVIRTD_LOCK:-/run/vcn-libvirtd.lock}

# vcn_virsh URI ARGS...: virsh with a bound on how long a wedged libvirtd can stall a test.
vcn_virsh() {
	local uri=$1
	shift
	timeout 60 virsh -q -c "$uri" "$@"
}

# vcn_libvirtd_up: make qemu:///system answer in the main network namespace.
#
# Parallel system tests (make -j2 check) share this one libvirtd and its guests,
# networks and cgroups; so each test takes an exclusive flock on
# $VCN_LIBVIRTD_LOCK through a file descriptor it keeps open until it exits, i.e. the
# main libvirtd has one user at a time (wait bounded by $VCN_LIBVIRTD_LOCK_WAIT s,
# default 1800). Tests that need several hosts use nshost.sh instead, which does not
# take this lock.
#
# A libvirtd that already answers (started by the admin or another tool) is used
# as is and never stopped. Otherwise virtlogd + libvirtd are started daemonized with
# pid files in the scratch dir and stopped by PID at exit; they read the stock
# qemu.conf (qemu runs as libvirt-qemu: scripts/deps creates that user) and a copy of
# libvirtd.conf/virtlogd.conf that only sends their logs to the scratch dir.
vcn_libvirtd_up() {
	local d="$VCN_SCRATCH/libvirtd" f
	vcn_need_cmd libvirtd virtlogd virsh flock
	if [ -z "${VCN_LIBVIRTD_LOCK_FD:-}" ]; then
		exec {VCN_LIBVIRTD_LOCK_FD}>>"$VCN_LIBVIRTD_LOCK"
		vcn_log "libvirtd: waiting for $VCN_LIBVIRTD_LOCK"
		flock -w "${VCN_LIBVIRTD_LOCK_WAIT:-1800}" "$VCN_LIBVIRTD_LOCK_FD" ||
			vcn_fail "libvirtd: $VCN_LIBVIRTD_LOCK still held after ${VCN_LIBVIRTD_LOCK_WAIT:-1800} s"
		export VCN_LIBVIRTD_LOCK_FD
	fi
	if virsh -c qemu:///system version >/dev/null 2>&1; then
		vcn_log "libvirtd: using the one already running"
		return 0
	fi
	getent passwd libvirt-qemu >/dev/null || vcn_skip "no libvirt-qemu user: libvirtd cannot start its qemu driver (run scripts/deps)"
	mkdir -p "$d" /run/libvirt /var/lib/libvirt /var/log/libvirt
	for f in libvirtd virtlogd; do
		if [ -f "/etc/libvirt/$f.conf" ]; then cp "/etc/libvirt/$f.conf" "$d/$f.conf"; else : >"$d/$f.conf"; fi
		vcn_libvirt_conf_set "$d/$f.conf" log_outputs "\"3:file:$d/$f.log\""
	done
	# Registered before starting, so a half-started pair is stopped too.
	vcn_on_exit "vcn_libvirtd_down '$d'"
	# The daemons must not inherit the lock fd: they would hold it past our exit.
	virtlogd -d -p "$d/virtlogd.pid" -f "$d/virtlogd.conf" {VCN_LIBVIRTD_LOCK_FD}>&- ||
		vcn_fail "virtlogd: cannot start"
	libvirtd -d -p "$d/libvirtd.pid" -f "$d/libvirtd.conf" {VCN_LIBVIRTD_LOCK_FD}>&- ||
		vcn_fail "libvirtd: cannot start"
	vcn_wait_for 30 virsh -c qemu:///system version ||
		{ grep -E ' (error|warning) ' "$d/libvirtd.log" | tail -n 10 >&2; vcn_fail "libvirtd: qemu:///system does not answer"; }
	vcn_log "libvirtd: started (pid $(cat "$d/libvirtd.pid"), virtlogd pid $(cat "$d/virtlogd.pid"))"
}

# vcn_libvirtd_down DIR: stop the libvirtd + virtlogd we started in DIR. We hold the
# lock, so whatever still runs on it is ours (e.g. guests vcnd launched): stop those
# guests and networks first, or their qemu and dnsmasq would outlive libvirtd.
vcn_libvirtd_down() {
	local d=$1 x
	if [ -s "$d/libvirtd.pid" ] && virsh -c qemu:///system version >/dev/null 2>&1; then
		for x in $(vcn_virsh qemu:///system list --name 2>/dev/null); do
			vcn_log "libvirtd: destroying leftover guest $x"
			vcn_virsh qemu:///system destroy "$x" >/dev/null 2>&1 || true
		done
		for x in $(vcn_virsh qemu:///system net-list --name 2>/dev/null); do
			vcn_log "libvirtd: destroying leftover network $x"
			vcn_virsh qemu:///system net-destroy "$x" >/dev/null 2>&1 || true
		done
	fi
	vcn_stop_pidfile "$d/libvirtd.pid" libvirtd
	vcn_stop_pidfile "$d/virtlogd.pid" virtlogd
}

# vcn_libvirt_conf_set FILE KEY VALUE: libvirt confs are "key = value"; replace, don't stack.
vcn_libvirt_conf_set() {
	local f=$1 k=$2 v=$3
	touch "$f"
	sed -i "/^[[:space:]]*${k}[[:space:]]*=/d" "$f"
	printf '%s = %s\n' "$k" "$v" >>"$f"
}

# vcn_valid_name WHAT VALUE: names reach XML and file paths; allow only a safe alphabet.
vcn_valid_name() {
	case "$2" in
	'' | *[!A-Za-z0-9_.-]* | .*) vcn_fail "$1 '$2': use letters, digits, '_', '.', '-'" ;;
	esac
}

# vcn_valid_ipv4 VALUE: dotted quad, each part 0-255.
vcn_valid_ipv4() {
	local IFS=. p n=0
	for p in $1; do
		case "$p" in '' | *[!0-9]*) return 1 ;; esac
		[ "${#p}" -le 3 ] && [ "$p" -le 255 ] || return 1
		n=$((n + 1))
	done
	[ "$n" = 4 ] && case "$1" in *.) false ;; *) true ;; esac
}

# vcn_net_up NAME BRIDGE ADDR/PREFIX [START-END]: an isolated network (host side
# ADDR/PREFIX on BRIDGE, optional DHCP range). Transient (net-create), so a test that
# is killed outright leaves no persistent definition behind; destroyed at exit.
vcn_net_up() {
	local name=$1 br=$2 cidr=$3 range=${4:-} uri=$VCN_LIBVIRT_URI addr prefix xml lo hi
	vcn_valid_name network "$name"
	vcn_valid_name bridge "$br"
	[ "${#br}" -le 15 ] || vcn_fail "bridge '$br' longer than 15 characters"
	addr=${cidr%/*}
	prefix=${cidr#*/}
	if ! vcn_valid_ipv4 "$addr" || [ "$prefix" = "$cidr" ]; then
		vcn_fail "network '$name': '$cidr' is not ADDR/PREFIX"
	fi
	case "$prefix" in '' | *[!0-9]*) vcn_fail "network '$name': bad prefix '$prefix'" ;; esac
	if [ "$prefix" -lt 8 ] || [ "$prefix" -gt 30 ]; then
		vcn_fail "network '$name': prefix $prefix not in 8..30"
	fi
	if [ -n "$range" ]; then
		lo=${range%-*}
		hi=${range#*-}
		if ! vcn_valid_ipv4 "$lo" || ! vcn_valid_ipv4 "$hi"; then
			vcn_fail "network '$name': bad DHCP range '$range'"
		fi
	fi
	if ip link show "$br" >/dev/null 2>&1; then
		vcn_fail "network '$name': bridge $br already exists (leftover of an earlier run?)"
	fi
	xml="$VCN_SCRATCH/net-$name.xml"
	{
		printf "<network>\n  <name>%s</name>\n  <bridge name='%s' stp='off' delay='0'/>\n" "$name" "$br"
		# Guests need no DNS; without DHCP too, libvirt then starts no dnsmasq at all.
		printf "  <dns enable='no'/>\n"
		printf "  <ip address='%s' prefix='%s'>\n" "$addr" "$prefix"
		[ -z "$range" ] || printf "    <dhcp><range start='%s' end='%s'/></dhcp>\n" "$lo" "$hi"
		printf "  </ip>\n</network>\n"
	} >"$xml"
	vcn_on_exit "vcn_net_down '$name' '$uri'"
	vcn_virsh "$uri" net-create "$xml" >/dev/null || vcn_fail "network '$name': net-create failed"
	vcn_log "network $name up: $br $cidr${range:+ dhcp $range}"
}

# vcn_net_down NAME [URI]: destroy (and undefine, if someone made it persistent).
# Locally, also drop what libvirt 9.0 leaves under /run/libvirt/network once the
# network is gone: dnsmasq's pid file (written as nobody, never removed) and the
# empty per-network ports directory.
vcn_net_down() {
	local name=$1 uri=${2:-$VCN_LIBVIRT_URI} rd=/run/libvirt/network pid
	if vcn_virsh "$uri" net-info "$name" >/dev/null 2>&1; then
		vcn_virsh "$uri" net-destroy "$name" >/dev/null 2>&1 || true
		vcn_virsh "$uri" net-undefine "$name" >/dev/null 2>&1 || true
	fi
	[ "$uri" = qemu:///system ] || return 0
	vcn_virsh "$uri" net-info "$name" >/dev/null 2>&1 && return 0
	pid=$(cat "$rd/$name.pid" 2>/dev/null || true)
	# libvirt TERMs dnsmasq without waiting for it.
	if [ -n "$pid" ] && vcn_wait_for 5 vcn_pid_gone "$pid"; then
		rm -f "$rd/$name.pid"
	fi
	rmdir "$rd/$name/ports" "$rd/$name" 2>/dev/null || true
}

# vcn_pid_gone PID: true once no process has that PID.
vcn_pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# vcn_guest_image: build the guest image if inputs changed (cheap when up to date).
vcn_guest_image() {
	VCN_GUEST_OUT=${VCN_GUEST_OUT:-$VCN_BUILD/guest/out}
	export VCN_GUEST_OUT
	"$VCN_TOP/guest/build-image" "$VCN_GUEST_OUT" 2>"$VCN_SCRATCH/log/build-image.log" ||
		{ cat "$VCN_SCRATCH/log/build-image.log" >&2; vcn_fail "guest/build-image failed"; }
}

# vcn_virt_type: kvm when KVM really boots a guest here, else qemu (TCG). The probe
# boots once per machine boot (cached in guest/out/virt-type); $VCN_VIRT_TYPE overrides.
vcn_virt_type() {
	if [ -n "${VCN_VIRT_TYPE:-}" ]; then
		printf '%s\n' "$VCN_VIRT_TYPE"
		return 0
	fi
	vcn_guest_image
	"$VCN_TOP/guest/kvm-probe" "$VCN_GUEST_OUT" 2>>"$VCN_SCRATCH/log/kvm-probe.log"
}

vcn_guest_dir() { printf '%s/guests/%s\n' "$VCN_SCRATCH" "$1"; }

# vcn_guest_start NAME [--workload W] [--ip A/P|dhcp] [--vcpus N] [--memory-mib M]
#                 [--network NET] [--uri URI] [--append KERNEL-ARGS]
# Boots a transient guest on a fresh qcow2 overlay of the base disk; the guest's
# hostname is NAME. Destroy and overlay removal are registered for exit.
vcn_guest_start() {
	local name=$1 workload='' ip='' vcpus=1 mem=128 net='' uri=$VCN_LIBVIRT_URI extra='' type d
	local domxml="$VCN_BUILD/tests/harness/vcn-domxml" cmdline
	local -a args
	vcn_valid_name guest "$name"
	shift
	while [ $# -gt 0 ]; do
		[ $# -ge 2 ] || vcn_fail "vcn_guest_start: option '$1' needs a value"
		case "$1" in
		--workload) workload=$2 ;;
		--ip) ip=$2 ;;
		--vcpus) vcpus=$2 ;;
		--memory-mib) mem=$2 ;;
		--network) net=$2 ;;
		--uri) uri=$2 ;;
		--append) extra=$2 ;;
		*) vcn_fail "vcn_guest_start: unknown option '$1'" ;;
		esac
		shift 2
	done
	case "$workload" in *[[:space:]]*) vcn_fail "guest '$name': workload '$workload' has spaces" ;; esac
	case "$ip" in *[[:space:]]*) vcn_fail "guest '$name': ip '$ip' has spaces" ;; esac
	[ -x "$domxml" ] || vcn_skip "$domxml not built (run ./configure && make)"
	vcn_need_cmd qemu-img virsh
	vcn_guest_image
	type=$(vcn_virt_type) || vcn_fail "guest/kvm-probe failed"
	d=$(vcn_guest_dir "$name")
	[ ! -e "$d" ] || vcn_fail "guest '$name' already started in this test"
	mkdir -p "$d"
	chmod 755 "$VCN_SCRATCH/guests" "$d"
	printf '%s\n' "$uri" >"$d/uri"
	vcn_on_exit "vcn_guest_destroy '$name'"
	qemu-img create -q -f qcow2 -F qcow2 -b "$VCN_GUEST_OUT/base.qcow2" "$d/overlay.qcow2"
	cmdline="console=ttyS0 quiet vcn.hostname=$name"
	[ -z "$ip" ] || cmdline+=" vcn.ip=$ip"
	[ -z "$workload" ] || cmdline+=" vcn.workload=$workload"
	[ -z "$extra" ] || cmdline+=" $extra"
	args=(--name "$name" --type "$type" --vcpus "$vcpus" --memory-mib "$mem"
		--kernel "$VCN_GUEST_OUT/vmlinuz" --initrd "$VCN_GUEST_OUT/initrd.img"
		--cmdline "$cmdline" --disk "$d/overlay.qcow2" --console "$d/console.log" --hostname "$name")
	[ -z "$net" ] || args+=(--network "$net")
	# a static address is recorded in the domain's vcn metadata (Ganglia can key the VM by it)
	case "$ip" in '' | dhcp) ;; *) args+=(--address "${ip%/*}") ;; esac
	"$domxml" "${args[@]}" >"$d/domain.xml" || vcn_fail "guest '$name': vcn-domxml failed"
	date +%s%N >"$d/started"
	vcn_virsh "$uri" create "$d/domain.xml" >/dev/null || vcn_fail "guest '$name': virsh create failed"
	# Local libvirtd: remember qemu's PID so cleanup can stop it even if libvirtd died.
	if [ "$uri" = qemu:///system ] && [ -s "/run/libvirt/qemu/$name.pid" ]; then
		cp "/run/libvirt/qemu/$name.pid" "$d/qemu.pid"
	fi
	vcn_log "guest $name started ($type, $vcpus vCPU, $mem MiB${net:+, net $net}${ip:+, ip $ip}${workload:+, workload $workload})"
}

# vcn_guest_wait_ready NAME TIMEOUT: wait for the guest's readiness line; print the
# seconds from virsh create to seeing it (launch-to-ready), e.g. 4.71.
vcn_guest_wait_ready() {
	local name=$1 t=$2 d line now start
	d=$(vcn_guest_dir "$name")
	[ -f "$d/started" ] || vcn_fail "guest '$name' was not started"
	start=$(cat "$d/started")
	while :; do
		line=$(tr -d '\r' 2>/dev/null <"$d/console.log" |
			awk -v p="VCN-READY $name " 'index($0, p) == 1 { print; exit }') || true
		now=$(date +%s%N)
		if [ -n "$line" ]; then
			printf '%s\n' "$line" >"$d/ready"
			awk -v ns="$((now - start))" 'BEGIN { printf "%.2f\n", ns / 1e9 }'
			return 0
		fi
		if [ $(((now - start) / 1000000000)) -ge "$t" ]; then
			vcn_log "guest $name: no VCN-READY within $t s; console tail:"
			tail -c 2000 "$d/console.log" >&2 2>/dev/null || true
			tail -n 5 "/var/log/libvirt/qemu/$name.log" >&2 2>/dev/null || true
			return 1
		fi
		sleep 0.1
	done
}

# vcn_guest_stat NAME KEY: e.g. cpu.time, vcpu.0.time, block.0.wr.bytes.
vcn_guest_stat() {
	local uri
	uri=$(cat "$(vcn_guest_dir "$1")/uri" 2>/dev/null || printf '%s' "$VCN_LIBVIRT_URI")
	vcn_virsh "$uri" domstats "$1" | awk -F= -v k="$2" '{ sub(/^[ \t]+/, "", $1) } $1 == k { print $2; f = 1 } END { exit !f }'
}

# vcn_guest_destroy NAME: stop the guest (libvirt first, by recorded qemu PID as a last
# resort) and delete its overlay. Idempotent; cleanup calls it again.
vcn_guest_destroy() {
	local name=$1 d uri pid
	d=$(vcn_guest_dir "$name")
	[ -d "$d" ] || return 0
	uri=$(cat "$d/uri" 2>/dev/null || printf '%s' "$VCN_LIBVIRT_URI")
	if vcn_virsh "$uri" domid "$name" >/dev/null 2>&1; then
		vcn_virsh "$uri" destroy "$name" >/dev/null 2>&1 || vcn_log "guest $name: virsh destroy failed"
	fi
	if [ -s "$d/qemu.pid" ]; then
		pid=$(cat "$d/qemu.pid")
		if tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q "guest=${name}[, ]"; then
			vcn_stop_pid "$pid" "qemu@$name"
		fi
	fi
	rm -f "$d/overlay.qcow2"
}
