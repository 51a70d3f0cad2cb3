# vcn test harness: simulated libvirt hosts on one machine. Source after common.sh.
# shellcheck shell=bash
#
# Each "host" is one libvirtd (+ its own virtlogd) in its own network namespace and
# private mount namespace, reachable at qemu+tcp://ADDR/system. A test run gets one
# bridge in the main namespace (vcnbr<N>, 10.251.N.1/24) and every host a veth on it
# (host INDEX at 10.251.N.(10+INDEX)), so the main namespace and the hosts reach each
# other. N is reserved machine-wide under a lock, so parallel tests never collide.
#
# Inside its mount namespace a host sees its own /etc/libvirt, /run/libvirt,
# /var/lib/libvirt, /var/log/libvirt and /var/cache/libvirt, bound from
# $VCN_SCRATCH/nshost/NAME/{etc,run,lib,log,cache}; paths under $VCN_SCRATCH are
# shared by all hosts, which is what makes shared-storage live migration work.
# Each libvirtd runs in its own child cgroup (per hierarchy, under the caller's) and
# cgroup namespace, so its machines land in .../vcn-nshost-<netns>/machine/...: two
# hosts never share a machine cgroup (libvirt names them qemu-ID-NAME and IDs
# restart at 1 on every libvirtd) and per-host limits stay apart.
# Machine-wide state in $VCN_NSHOST_STATE: subnet reservations and a cache of qemu
# capabilities (saves ~7 s per libvirtd start).
#
#   vcn_nshost_up NAME INDEX   start host NAME; sets VCN_NSHOST_URI_<INDEX> and
#                              VCN_NSHOST_ADDR_<INDEX>; cleanup is registered
#   vcn_nshost_uri NAME        print qemu+tcp://ADDR/system (works in subshells)
#   vcn_nshost_addr NAME       print ADDR
#   vcn_nshost_exec NAME CMD.. run CMD in the host's network + mount namespace
#   vcn_nshost_guest_pid NAME GUEST   PID of GUEST's qemu on that host
#   vcn_nshost_down NAME       stop it now (idempotent; cleanup calls it too)

# Machine-wide reservations of test subnets: one directory per taken N.
VCN_NSHOST_STATE=${VCN_NSHOST_STATE:-/run/vcn-nshost}
VCN_NSHOST_PREFIX=${VCN_NSHOST_PREFIX:-10.251}

# vcn_nshost_dir NAME: where host NAME keeps its state (one place, so helpers agree).
vcn_nshost_dir() { printf '%s/nshost/%s\n' "$VCN_SCRATCH" "$1"; }

vcn_nshost_addr() { cat "$(vcn_nshost_dir "$1")/addr"; }
vcn_nshost_uri() { printf 'qemu+tcp://%s/system\n' "$(vcn_nshost_addr "$1")"; }

# vcn_nshost_conf_set FILE KEY VALUE: libvirt confs are "key = value"; replace, don't
# stack, so the last word is ours whatever the seeded copy said.
vcn_nshost_conf_set() {
	local f=$1 k=$2 v=$3
	touch "$f"
	sed -i "/^[[:space:]]*${k}[[:space:]]*=/d" "$f"
	printf '%s = %s\n' "$k" "$v" >>"$f"
}

# vcn_nshost_subnet_free N: nothing on this machine uses PREFIX.N.0/24 yet.
vcn_nshost_subnet_free() {
	local net="$VCN_NSHOST_PREFIX.$1"
	[ -z "$(ip -4 -o addr show to "$net.0/24")" ] &&
		! ip -4 route show to match "$net.1" | grep -qv '^default' &&
		! ip link show "vcnbr$1" >/dev/null 2>&1
}

# vcn_nshost_net_init: once per test run, reserve a subnet number and make the bridge.
# A reservation whose owner died and whose bridge is gone is reclaimed. One whose
# bridge is still there is left alone: a detached run (vcn_scratch_detach, the demo)
# outlives its shell, and vcn_scratch_teardown releases it later.
vcn_nshost_net_init() {
	local top="$VCN_SCRATCH/nshost" n i owner fd
	mkdir -p "$top" "$VCN_NSHOST_STATE"
	exec {fd}>>"$top/lock"
	flock "$fd"
	if [ -s "$top/net" ]; then
		exec {fd}>&-
		return 0
	fi
	(
		flock 9
		for i in $(seq 0 249); do
			n=$(((($$ + i) % 250) + 1))
			if [ -d "$VCN_NSHOST_STATE/$n" ]; then
				owner=$(cat "$VCN_NSHOST_STATE/$n/owner" 2>/dev/null || true)
				[ -n "$owner" ] && kill -0 "$owner" 2>/dev/null && continue
				ip link show "vcnbr$n" >/dev/null 2>&1 && continue
				rm -rf "${VCN_NSHOST_STATE:?}/$n"
			fi
			vcn_nshost_subnet_free "$n" || continue
			mkdir "$VCN_NSHOST_STATE/$n"
			printf '%s\n' "$$" >"$VCN_NSHOST_STATE/$n/owner"
			printf '%s\n' "$VCN_SCRATCH" >"$VCN_NSHOST_STATE/$n/scratch"
			printf '%s\n' "$n" >"$top/net"
			exit 0
		done
		exit 1
	) 9>>"$VCN_NSHOST_STATE/lock" || { exec {fd}>&-; vcn_fail "nshost: no free subnet $VCN_NSHOST_PREFIX.N.0/24"; }
	n=$(cat "$top/net")
	vcn_on_exit "vcn_nshost_net_release $n"
	ip link add "vcnbr$n" type bridge
	ip addr add "$VCN_NSHOST_PREFIX.$n.1/24" dev "vcnbr$n"
	ip link set "vcnbr$n" up
	vcn_log "nshost: subnet $VCN_NSHOST_PREFIX.$n.0/24 on bridge vcnbr$n"
	exec {fd}>&-
}

# vcn_nshost_net_release N: undo vcn_nshost_net_init (hosts are gone by then).
vcn_nshost_net_release() {
	ip link del "vcnbr$1" 2>/dev/null || true
	rm -rf "${VCN_NSHOST_STATE:?}/$1"
}

# vcn_nshost_write_conf DIR ADDR: private libvirt configs for one host. Tests only:
# unauthenticated TCP, qemu as root, no security driver.
vcn_nshost_write_conf() {
	local d=$1 addr=$2 c
	cp -a /etc/libvirt/. "$d/etc/"
	c="$d/etc/libvirtd.conf"
	vcn_nshost_conf_set "$c" listen_tcp 1
	vcn_nshost_conf_set "$c" listen_tls 0
	vcn_nshost_conf_set "$c" auth_tcp '"none"'
	vcn_nshost_conf_set "$c" auth_unix_rw '"none"'
	vcn_nshost_conf_set "$c" listen_addr "\"$addr\""
	# Migration refuses a source and destination with the same host UUID.
	vcn_nshost_conf_set "$c" host_uuid "\"$(cat /proc/sys/kernel/random/uuid)\""
	vcn_nshost_conf_set "$c" log_outputs '"3:file:/var/log/libvirt/libvirtd.log"'
	# qemu as root without relabelling: both hosts open the same overlay, and a source
	# that restored ownership after migrating would lock the destination's qemu out.
	c="$d/etc/qemu.conf"
	vcn_nshost_conf_set "$c" user '"root"'
	vcn_nshost_conf_set "$c" group '"root"'
	vcn_nshost_conf_set "$c" dynamic_ownership 0
	vcn_nshost_conf_set "$c" remember_owner 0
	vcn_nshost_conf_set "$c" security_driver '"none"'
	# Incoming migrations must listen on, and be advertised as, this namespace's
	# address: the shared hostname resolves to the main namespace.
	vcn_nshost_conf_set "$c" migration_address "\"$addr\""
	vcn_nshost_conf_set "$c" migration_host "\"$addr\""
	c="$d/etc/virtlogd.conf"
	vcn_nshost_conf_set "$c" log_outputs '"3:file:/var/log/libvirt/virtlogd.log"'
}

# vcn_nshost_caps_seed DIR: start a host with the qemu capabilities an earlier host
# probed; probing takes ~7 s per libvirtd on 2 cores. libvirt re-probes a stale cache
# (other qemu binary, libvirt or kernel), so a seed can only save time.
vcn_nshost_caps_seed() {
	local dst="$1/cache/qemu/capabilities" src
	mkdir -p "$dst"
	for src in "$VCN_NSHOST_STATE/qemu-caps" /var/cache/libvirt/qemu/capabilities; do
		if [ -n "$(ls -A "$src" 2>/dev/null)" ]; then
			cp -p "$src"/*.xml "$dst/" 2>/dev/null || true
			return 0
		fi
	done
}

# vcn_nshost_caps_keep DIR: remember what this host probed for the next host (any
# test run); files are replaced whole, so a reader never sees half of one.
vcn_nshost_caps_keep() {
	local src="$1/cache/qemu/capabilities" dst="$VCN_NSHOST_STATE/qemu-caps" f
	mkdir -p "$dst"
	for f in "$src"/*.xml; do
		[ -s "$f" ] || continue
		cmp -s "$f" "$dst/${f##*/}" && continue
		cp -p "$f" "$dst/.${f##*/}.$$" && mv -f "$dst/.${f##*/}.$$" "$dst/${f##*/}"
	done
}

# The launcher runs as "bash -c" inside the new network + mount namespaces; $1 is the
# host dir. It binds the private dirs, gives sysfs's net view of this namespace,
# drops copies of other namespaces' /run/netns mounts (they would keep those
# namespaces alive), moves itself into per-host cgroups, then starts both daemons;
# they daemonize and write their PIDs under the private /run/libvirt.
# shellcheck disable=SC2016
VCN_NSHOST_LAUNCHER='
set -eu
d=$1 tag=$2
# The daemons outlive this test step: they must not hold its lock files or pipes.
for f in /proc/$$/fd/*; do
	n=${f##*/}
	[ "$n" -gt 2 ] && eval "exec $n>&-" 2>/dev/null || true
done
for m in etc:/etc/libvirt run:/run/libvirt lib:/var/lib/libvirt log:/var/log/libvirt cache:/var/cache/libvirt; do
	mount --bind "$d/${m%%:*}" "${m#*:}"
done
findmnt -rn -t nsfs -o TARGET | while read -r t; do umount -l "$t" 2>/dev/null || true; done
mkdir -p "$d/sys"
mount -t sysfs sysfs "$d/sys"
mount --bind "$d/sys/class/net" /sys/class/net
mount --bind "$d/sys/devices/virtual/net" /sys/devices/virtual/net
umount -l "$d/sys"
: >"$d/cgroups"
own=$(cat /proc/self/cgroup)
while IFS=: read -r _ ctrls path; do
	if [ -z "$ctrls" ]; then
		mnt=$(findmnt -rn -t cgroup2 -o TARGET | head -n1)
	else
		mnt=
		while read -r t o; do
			ok=1
			for c in ${ctrls//,/ }; do
				case ",$o," in *",$c,"*) ;; *) ok= ;; esac
			done
			[ -n "$ok" ] && { mnt=$t; break; }
		done < <(findmnt -rn -t cgroup -o TARGET,OPTIONS)
	fi
	[ -n "$mnt" ] && [ -d "$mnt$path" ] || continue
	cg="${mnt%/}${path%/}/$tag"
	mkdir -p "$cg" 2>/dev/null || continue
	printf "%s\n" "$cg" >>"$d/cgroups"
	for f in cpuset.cpus cpuset.mems; do
		[ -f "$cg/$f" ] && [ -z "$(cat "$cg/$f")" ] && cat "$cg/../$f" >"$cg/$f"
	done
	echo $$ >"$cg/cgroup.procs" || true
done <<<"$own"
exec unshare -C bash -c "$VCN_NSHOST_LAUNCHER2" launcher2
'
# Second stage, in a new cgroup namespace rooted at the per-host cgroups: remount
# every cgroup hierarchy so libvirtd sees only its subtree; libvirt places machines
# at absolute paths (/machine/qemu-ID-NAME), which now land inside this host.
# shellcheck disable=SC2016
VCN_NSHOST_LAUNCHER2='
set -eu
unset VCN_NSHOST_LAUNCHER2
# The kernel refuses to stack a hierarchy on its own mount: unmount (here only) first.
# The daemons then move to a leaf, /daemons: on cgroup v2 a cgroup with processes
# cannot hand controllers to children, and libvirt makes /machine a child of the root.
findmnt -rn -t cgroup,cgroup2 -o TARGET,FSTYPE,OPTIONS | while read -r t fs o; do
	umount -l "$t"
	if ! mount -t "$fs" -o "$o" "$fs" "$t"; then
		echo "cannot remount $fs on $t: libvirtd runs without it" >&2
		continue
	fi
	mkdir -p "$t/daemons" 2>/dev/null || continue
	for f in cpuset.cpus cpuset.mems; do
		[ -f "$t/daemons/$f" ] && [ -z "$(cat "$t/daemons/$f")" ] && cat "$t/$f" >"$t/daemons/$f"
	done
	echo $$ >"$t/daemons/cgroup.procs" || true
done
virtlogd -d -p /run/libvirt/virtlogd.pid -f /etc/libvirt/virtlogd.conf
libvirtd -d -l -p /run/libvirt/libvirtd.pid -f /etc/libvirt/libvirtd.conf
'

# vcn_nshost_up NAME INDEX: start host NAME at PREFIX.N.(10+INDEX); returns when its
# libvirtd answers over TCP from the main namespace.
vcn_nshost_up() {
	local name=$1 index=$2 n d ns veth addr uri
	# NAME ends up in a netns name, a cgroup name and paths: keep it short and plain.
	case "$name" in '' | *[!a-z0-9]*) vcn_fail "nshost: name '$name': use a-z, 0-9" ;; esac
	[ "${#name}" -le 16 ] || vcn_fail "nshost: name '$name' longer than 16"
	case "$index" in '' | *[!0-9]*) vcn_fail "nshost: INDEX '$index' is not a number" ;; esac
	[ "$index" -le 200 ] || vcn_fail "nshost: INDEX '$index' > 200"
	vcn_need_cmd ip nsenter unshare flock findmnt libvirtd virtlogd virsh
	# libvirt resolves its built-in qemu user before it reads qemu.conf.
	getent passwd libvirt-qemu >/dev/null ||
		vcn_skip "no libvirt-qemu user: libvirtd cannot start its qemu driver (run scripts/deps)"
	vcn_nshost_net_init
	n=$(cat "$VCN_SCRATCH/nshost/net")
	d=$(vcn_nshost_dir "$name")
	[ ! -e "$d" ] || vcn_fail "nshost: host '$name' already exists"
	ns="vcn-$name-$n"
	veth="vcn${n}h$index"
	addr="$VCN_NSHOST_PREFIX.$n.$((10 + index))"
	uri="qemu+tcp://$addr/system"
	mkdir -p "$d"/{etc,run,lib,log,cache} "$d/lib/dnsmasq" "$d/lib/network"
	printf '%s\n' "$addr" >"$d/addr"
	printf '%s\n' "$ns" >"$d/netns"
	printf '%s\n' "$veth" >"$d/veth"
	vcn_on_exit "vcn_nshost_down $name"

	ip netns add "$ns"
	ip link add "$veth" type veth peer name eth0 netns "$ns"
	ip link set "$veth" master "vcnbr$n" up
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$addr/24" dev eth0
	ip -n "$ns" link set eth0 up

	# Mount points for the binds; the packages would create them anyway.
	mkdir -p /etc/libvirt /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt
	vcn_nshost_write_conf "$d" "$addr"
	vcn_nshost_caps_seed "$d"
	nsenter --net="/run/netns/$ns" unshare -m --propagation private \
		env VCN_NSHOST_LAUNCHER2="$VCN_NSHOST_LAUNCHER2" \
		bash -c "$VCN_NSHOST_LAUNCHER" launcher "$d" "vcn-nshost-$ns" \
		>"$d/launcher.log" 2>&1 ||
		{ cat "$d/launcher.log" >&2; vcn_fail "nshost: cannot start libvirtd for '$name'"; }
	vcn_wait_for 30 virsh -c "$uri" version ||
		{ tail -n 20 "$d/log/libvirtd.log" >&2 2>/dev/null; vcn_fail "nshost: $uri does not answer"; }
	vcn_nshost_caps_keep "$d"
	printf -v "VCN_NSHOST_URI_$index" '%s' "$uri"
	printf -v "VCN_NSHOST_ADDR_$index" '%s' "$addr"
	export "VCN_NSHOST_URI_$index" "VCN_NSHOST_ADDR_$index"
	vcn_log "nshost: $name up at $uri (netns $ns, libvirtd pid $(cat "$d/run/libvirtd.pid"))"
}

# vcn_nshost_exec NAME CMD...: run CMD where host NAME's libvirtd lives (its unix
# socket, its /run/libvirt, its network), e.g. virsh -c qemu:///system.
vcn_nshost_exec() {
	local d pid
	d=$(vcn_nshost_dir "$1")
	shift
	pid=$(cat "$d/run/libvirtd.pid")
	nsenter -t "$pid" -n -m -- "$@"
}

# vcn_nshost_guest_pid NAME GUEST: PID of GUEST's qemu on host NAME (libvirt's own pid
# file), e.g. to read /proc/PID/cgroup; fails when the host does not run it.
vcn_nshost_guest_pid() {
	local f
	f="$(vcn_nshost_dir "$1")/run/qemu/$2.pid"
	[ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"
}

# vcn_nshost_qemu_pids DIR: PIDs of the guests this host's libvirtd started, from its
# own pid files; a PID is only trusted while its command line is still qemu's.
vcn_nshost_qemu_pids() {
	local f pid
	for f in "$1"/run/qemu/*.pid; do
		[ -s "$f" ] || continue
		pid=$(cat "$f")
		tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q 'qemu.* -name guest=' &&
			printf '%s\n' "$pid"
	done
	return 0
}

# vcn_nshost_pid_of FILE WORD: the PID in FILE if that process is still WORD (a daemon
# killed hard leaves its pid file, and the number may belong to someone else by now).
vcn_nshost_pid_of() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 0
	tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q "^$2 " && printf '%s\n' "$pid"
	return 0
}

# vcn_nshost_down NAME: destroy its guests, stop its daemons by PID, kill any qemu
# left, remove its cgroups, veth and namespace. Safe to call twice.
vcn_nshost_down() {
	local name=$1 d uri dom pid cg lvd vld
	d=$(vcn_nshost_dir "$name")
	[ -d "$d" ] && [ ! -e "$d/down" ] || return 0
	uri="qemu+tcp://$(cat "$d/addr")/system"
	if [ -s "$d/run/libvirtd.pid" ] && kill -0 "$(cat "$d/run/libvirtd.pid")" 2>/dev/null; then
		for dom in $(timeout 10 virsh -c "$uri" list --name 2>/dev/null); do
			timeout 20 virsh -c "$uri" destroy "$dom" >/dev/null 2>&1 ||
				vcn_log "nshost: cannot destroy '$dom' on $name"
		done
	fi
	# Each daemon takes ~2 s to exit on TERM: signal both, then wait for each. PIDs
	# are read once: a daemon removes its own pid file as it exits.
	lvd=$(vcn_nshost_pid_of "$d/run/libvirtd.pid" libvirtd)
	vld=$(vcn_nshost_pid_of "$d/run/virtlogd.pid" virtlogd)
	for pid in $lvd $vld; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	vcn_stop_pid "$lvd" "libvirtd@$name"
	for pid in $(vcn_nshost_qemu_pids "$d"); do
		vcn_stop_pid "$pid" "qemu@$name"
	done
	vcn_stop_pid "$vld" "virtlogd@$name"
	if [ -f "$d/cgroups" ]; then
		while IFS= read -r cg; do
			if [ -d "$cg" ]; then
				find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
			fi
		done <"$d/cgroups"
	fi
	ip link del "$(cat "$d/veth")" 2>/dev/null || true
	ip netns del "$(cat "$d/netns")" 2>/dev/null || true
	touch "$d/down"
	vcn_log "nshost: $name down"
}
