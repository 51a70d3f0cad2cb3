# vcn test/demo harness: a private Ganglia stack (gmond, gmetad, ganglia-web on
# nginx + php-fpm) and a headless Chromium. Source it after common.sh; do not run it.
#
# Design: every daemon runs in the host's network namespace, on loopback ports
# picked at run time, with all its files under $VCN_SCRATCH/ganglia.
# DESIGN.md said gmetad 3.7.2 ignores xml_port/interactive_port; measured on
# Debian 12 it honours both and only ignores the address (it binds 0.0.0.0,
# trusted_hosts 127.0.0.1 limits who gets answers). So free ports are enough to
# keep parallel stacks (make -j2 check) apart, and no network namespace is
# needed: curl, Chromium, gmetric and the project's daemons reach the stack on
# 127.0.0.1 as they are. A port taken between the check and the bind (another
# test, another program) is detected — the daemon must own the port — and the
# daemon is restarted on a fresh port.
#
# Exports after vcn_ganglia_up:
#   VCN_GANGLIA_DIR     $VCN_SCRATCH/ganglia (confs, rrds/, log/, www/)
#   VCN_GANGLIA_CLUSTER cluster name
#   VCN_GMOND_CONF      gmond.conf (gmetric and modules read its send channel)
#   VCN_GMOND_PORT      gmond UDP receive port = TCP XML port (127.0.0.1)
#   VCN_GMOND_D         directory whose *.conf gmond includes (project modules)
#   VCN_GANGLIA_MODDIR  where gmond's stock modules (modcpu.so ...) live
#   VCN_GMETAD_XML_PORT, VCN_GMETAD_INTERACTIVE_PORT   gmetad (0.0.0.0)
#   VCN_RRD_DIR         gmetad's rrd_rootdir
#   VCN_WEB_PORT        nginx (127.0.0.1)
#   VCN_WEB_URL         http://127.0.0.1:PORT/ganglia (ganglia-web's root; no slash)
#   VCN_PHP_LOG, VCN_NGINX_LOG   logs to scan for PHP warnings and errors

# Poll interval of gmetad's data source (s) = step of the RRDs it writes.
VCN_GMETAD_STEP=${VCN_GMETAD_STEP:-5}
# gmond forgets a host (a departed VM) after this many seconds of silence; Debian's
# default 0 means never. cleanup_threshold (how often gmond looks) is kept short.
VCN_GANGLIA_HOST_DMAX=${VCN_GANGLIA_HOST_DMAX:-120}

# vcn_free_port: print a loopback port that nothing uses for TCP or UDP right now.
# Below the ephemeral range (32768+) so outgoing connections cannot take it.
vcn_free_port() {
	local p _
	for _ in $(seq 200); do
		p=$((10000 + (RANDOM * 32768 + RANDOM) % 22000))
		ss -Hantu "sport = :$p" | grep -q . && continue
		echo "$p"
		return 0
	done
	vcn_log "no free port found"
	return 1
}

# vcn_pid_owns_port PID PORT [t|u]: does process PID (or its children) hold the listening socket?
vcn_pid_owns_port() {
	local pid=$1 port=$2 proto=${3:-t} kids
	kids=$(pgrep -P "$pid" | tr '\n' '|')
	ss -Hlnp -"$proto" "sport = :$port" | grep -Eq "pid=(${kids}${pid}),"
}

# _vcn_owns_or_died PID PORT PROTO: stop waiting once the daemon holds the port or has exited.
_vcn_owns_or_died() { vcn_pid_owns_port "$@" || ! kill -0 "$1" 2>/dev/null; }

# _vcn_start_checked NAME PORTSPEC PIDFILE CMD...: run CMD (which starts NAME and
# writes its PID to PIDFILE), then wait until that PID owns every port
# in PORTSPEC ("t:PORT u:PORT ..."). Returns 1 (daemon stopped) if it does not
# within 15 s, so the caller can retry on other ports.
_vcn_start_checked() {
	local name=$1 ports=$2 pidfile=$3 pid='' spec ok
	shift 3
	"$@" || { vcn_log "$name: start command failed: $*"; return 1; }
	vcn_wait_for 10 test -s "$pidfile" || true
	pid=$(cat "$pidfile" 2>/dev/null || true)
	[ -n "$pid" ] || { vcn_log "$name: no pid"; return 1; }
	vcn_on_exit "vcn_stop_pid $pid $name"
	for spec in $ports; do
		ok=
		vcn_wait_for 15 _vcn_owns_or_died "$pid" "${spec#*:}" "${spec%%:*}" &&
			vcn_pid_owns_port "$pid" "${spec#*:}" "${spec%%:*}" && ok=1
		if [ -z "$ok" ]; then
			vcn_log "$name (pid $pid) does not own port ${spec#*:}/${spec%%:*}"
			vcn_stop_pid "$pid" "$name"
			return 1
		fi
	done
	vcn_log "$name up (pid $pid; ports $ports)"
	# shellcheck disable=SC2034  # read by the caller
	VCN_LAST_PID=$pid
}

# _vcn_write_gmond_conf: gmond with loopback unicast on one port (UDP in, TCP XML out).
# 4 MiB, or the kernel's ceiling if lower (gmond exits when it cannot get what it asks)
_vcn_rcvbuf() {
	local max
	max=$(cat /proc/sys/net/core/rmem_max 2>/dev/null || echo 212992)
	[ "$max" -lt 4194304 ] && echo "$max" || echo 4194304
}

_vcn_write_gmond_conf() {
	cat >"$VCN_GMOND_CONF" <<EOF
/* vcn test stack: gmond for cluster "$VCN_GANGLIA_CLUSTER", loopback only. */
globals {
  daemonize = no
  setuid = no
  debug_level = 0
  max_udp_msg_len = 1472
  mute = no
  deaf = no
  allow_extra_data = yes
  /* a silent host (departed VM) is dropped after host_dmax s; looked at every cleanup_threshold s */
  host_dmax = $VCN_GANGLIA_HOST_DMAX
  host_tmax = 20
  cleanup_threshold = 10
  gexec = no
  send_metadata_interval = 15
}
cluster { name = "$VCN_GANGLIA_CLUSTER"  owner = "vcn-test" }
host { location = "vcn-test" }
udp_send_channel { host = 127.0.0.1  port = $VCN_GMOND_PORT  ttl = 1 }
/* every VM's metrics arrive in one burst per interval; gmond's main loop may be
   late under load (ASan, busy TCG guests): a larger buffer than the 208 KiB
   default keeps the tail of the burst (the last VM's last metrics) */
udp_recv_channel { bind = 127.0.0.1  port = $VCN_GMOND_PORT  buffer = $(_vcn_rcvbuf) }
tcp_accept_channel { bind = 127.0.0.1  port = $VCN_GMOND_PORT }
modules {
  module { name = "core_metrics" }
  module { name = "cpu_module"  path = "$VCN_GANGLIA_MODDIR/modcpu.so" }
  module { name = "load_module" path = "$VCN_GANGLIA_MODDIR/modload.so" }
  module { name = "mem_module"  path = "$VCN_GANGLIA_MODDIR/modmem.so" }
  module { name = "net_module"  path = "$VCN_GANGLIA_MODDIR/modnet.so" }
}
collection_group { collect_once = yes  time_threshold = 20  metric { name = "heartbeat" } }
collection_group { collect_once = yes  time_threshold = 300
  metric { name = "cpu_num" }  metric { name = "mem_total" } }
collection_group { collect_every = 10  time_threshold = 30
  metric { name = "cpu_user" value_threshold = 0 }  metric { name = "cpu_system" value_threshold = 0 }
  metric { name = "cpu_idle" value_threshold = 0 }  metric { name = "load_one" value_threshold = 0 }
  metric { name = "mem_free" value_threshold = 0 }  metric { name = "mem_cached" value_threshold = 0 }
  metric { name = "mem_buffers" value_threshold = 0 }  metric { name = "mem_shared" value_threshold = 0 }
  metric { name = "swap_free" value_threshold = 0 }  metric { name = "swap_total" value_threshold = 0 }
  metric { name = "bytes_in" value_threshold = 0 }  metric { name = "bytes_out" value_threshold = 0 }
  metric { name = "pkts_in" value_threshold = 0 }  metric { name = "pkts_out" value_threshold = 0 } }
/* the project's modules (gmond-modules/*.conf) are dropped here */
include ('$VCN_GMOND_D/*.conf')
EOF
}

# _vcn_write_gmetad_conf: gmetad polling our gmond, RRDs in scratch.
_vcn_write_gmetad_conf() {
	cat >"$VCN_GANGLIA_DIR/gmetad.conf" <<EOF
# vcn test stack: gmetad. Binds 0.0.0.0 whatever the config; trusted_hosts limits answers.
data_source "$VCN_GANGLIA_CLUSTER" $VCN_GMETAD_STEP 127.0.0.1:$VCN_GMOND_PORT
gridname "vcn-test"
trusted_hosts 127.0.0.1
all_trusted off
setuid off
xml_port $VCN_GMETAD_XML_PORT
interactive_port $VCN_GMETAD_INTERACTIVE_PORT
server_threads 2
rrd_rootdir "$VCN_RRD_DIR"
EOF
}

# _vcn_write_web_conf: php-fpm pool on a unix socket and nginx on a loopback port.
_vcn_write_web_conf() {
	local d=$VCN_GANGLIA_DIR
	cat >"$d/php-fpm.conf" <<EOF
[global]
pid = $d/run/php-fpm.pid
error_log = $d/log/php-fpm.log
daemonize = no
[gweb]
user = www-data
group = www-data
listen = $d/run/php-fpm.sock
listen.owner = www-data
listen.group = www-data
pm = static
pm.max_children = 3
catch_workers_output = yes
php_admin_value[auto_prepend_file] = $d/www/php8-compat.php
php_admin_flag[log_errors] = on
php_admin_value[error_log] = $VCN_PHP_LOG
; deprecations (\${} in strings, dynamic properties) are PHP 8.2 noise, not faults
php_admin_value[error_reporting] = E_ALL & ~E_DEPRECATED
EOF
	cat >"$d/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $d/run/nginx.pid;
error_log $VCN_NGINX_LOG;
user www-data;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  access_log $d/log/nginx-access.log;
  client_body_temp_path $d/nginx/b; fastcgi_temp_path $d/nginx/f; proxy_temp_path $d/nginx/p;
  uwsgi_temp_path $d/nginx/u; scgi_temp_path $d/nginx/s;
  server {
    listen 127.0.0.1:$VCN_WEB_PORT;
    location = / { return 302 /ganglia/; }
    log_not_found off;
    location /javascript/ { alias /usr/share/javascript/; }
    location /ganglia/ {
      alias $d/www/;
      index index.php;
      location ~ ^/ganglia/(.+\.php)\$ {
        include /etc/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME $d/www/\$1;
        fastcgi_read_timeout 60;
        fastcgi_pass unix:$d/run/php-fpm.sock;
      }
    }
  }
}
EOF
}

# _vcn_start_gmond: gmond in the foreground as our child (its PID is known, errors land in the log).
_vcn_start_gmond() {
	# A module built with ASan/UBSan needs their runtimes first in gmond (not built with them).
	env ${VCN_GMOND_PRELOAD:+LD_PRELOAD="$VCN_GMOND_PRELOAD"} ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" \
		gmond -f -c "$VCN_GMOND_CONF" </dev/null >>"$VCN_GANGLIA_DIR/log/gmond.log" 2>&1 &
	echo $! >"$VCN_GANGLIA_DIR/run/gmond.pid"
}

# _vcn_start_php_fpm: php-fpm master in the foreground as our child.
_vcn_start_php_fpm() {
	php-fpm8.2 -F -y "$VCN_GANGLIA_DIR/php-fpm.conf" </dev/null >>"$VCN_GANGLIA_DIR/log/php-fpm.out" 2>&1 &
	echo $! >"$VCN_GANGLIA_DIR/run/php-fpm.pid.child"
}

# _vcn_start_nginx: nginx master in the foreground as our child.
_vcn_start_nginx() {
	nginx -e "$VCN_NGINX_LOG" -p "$VCN_GANGLIA_DIR/nginx" -c "$VCN_GANGLIA_DIR/nginx.conf" \
		</dev/null >>"$VCN_GANGLIA_DIR/log/nginx.out" 2>&1 &
	echo $! >"$VCN_GANGLIA_DIR/run/nginx.pid.child"
}

# vcn_ganglia_up [CLUSTER]: start gmond, gmetad, php-fpm and nginx for CLUSTER
# (default vcn-test) under $VCN_SCRATCH/ganglia, each stopped by PID at exit;
# ports are chosen at run time (see the file header). ganglia-web is a private
# copy installed by web/gweb-install (extra options in VCN_GWEB_EXTRA, split on
# blanks: paths without spaces). Put module confs into $VCN_GMOND_D before
# calling, or call vcn_gmond_restart after adding them.
vcn_ganglia_up() {
	local try
	vcn_need_cmd gmond gmetad gmetric nginx php-fpm8.2 rrdtool curl ss
	VCN_GANGLIA_CLUSTER=${1:-vcn-test}
	VCN_GANGLIA_DIR=$VCN_SCRATCH/ganglia
	VCN_GMOND_CONF=$VCN_GANGLIA_DIR/gmond.conf
	VCN_GMOND_D=$VCN_SCRATCH/gmond.d
	VCN_RRD_DIR=$VCN_GANGLIA_DIR/rrds
	VCN_PHP_LOG=$VCN_GANGLIA_DIR/log/php-errors.log
	VCN_NGINX_LOG=$VCN_GANGLIA_DIR/log/nginx-error.log
	export VCN_GANGLIA_MODDIR VCN_GANGLIA_CLUSTER VCN_GANGLIA_DIR VCN_GMOND_CONF VCN_GMOND_D VCN_RRD_DIR VCN_PHP_LOG VCN_NGINX_LOG
	# gmond resolves a relative module path against its build-time libdir only
	local m
	VCN_GANGLIA_MODDIR=
	for m in /usr/lib/*/ganglia/modcpu.so /usr/lib/ganglia/modcpu.so; do
		[ -f "$m" ] && { VCN_GANGLIA_MODDIR=${m%/modcpu.so}; break; }
	done
	[ -f "$VCN_GANGLIA_MODDIR/modcpu.so" ] || vcn_skip "gmond's modcpu.so not found (run scripts/deps)"
	mkdir -p "$VCN_GANGLIA_DIR"/{run,log,rrds,nginx} "$VCN_GMOND_D"
	# php-fpm's workers (www-data) write the PHP log and read the RRDs
	: >"$VCN_PHP_LOG"
	chown www-data: "$VCN_PHP_LOG"
	chmod 755 "$VCN_GANGLIA_DIR" "$VCN_RRD_DIR"

	for try in 1 2 3; do
		VCN_GMOND_PORT=$(vcn_free_port) || return 1
		_vcn_write_gmond_conf
		_vcn_start_checked gmond "u:$VCN_GMOND_PORT t:$VCN_GMOND_PORT" \
			"$VCN_GANGLIA_DIR/run/gmond.pid" _vcn_start_gmond && break
		[ "$try" -lt 3 ] || { vcn_log "gmond failed to start; log:"; tail -n 20 "$VCN_GANGLIA_DIR/log/gmond.log" >&2; return 1; }
	done
	export VCN_GMOND_PORT

	for try in 1 2 3; do
		VCN_GMETAD_XML_PORT=$(vcn_free_port) || return 1
		VCN_GMETAD_INTERACTIVE_PORT=$(vcn_free_port) || return 1
		[ "$VCN_GMETAD_XML_PORT" != "$VCN_GMETAD_INTERACTIVE_PORT" ] || continue
		_vcn_write_gmetad_conf
		rm -f "$VCN_GANGLIA_DIR/run/gmetad.pid"
		# gmetad daemonizes (its only foreground mode is debug output); it writes its pid file
		_vcn_start_checked gmetad "t:$VCN_GMETAD_XML_PORT t:$VCN_GMETAD_INTERACTIVE_PORT" \
			"$VCN_GANGLIA_DIR/run/gmetad.pid" \
			gmetad -c "$VCN_GANGLIA_DIR/gmetad.conf" -p "$VCN_GANGLIA_DIR/run/gmetad.pid" && break
		[ "$try" -lt 3 ] || { vcn_log "gmetad failed to start"; return 1; }
	done
	export VCN_GMETAD_XML_PORT VCN_GMETAD_INTERACTIVE_PORT

	"$VCN_TOP/web/gweb-install" "$VCN_GANGLIA_DIR/www" --force \
		--rrds "$VCN_RRD_DIR" --state "$VCN_GANGLIA_DIR/gweb-state" \
		--gmetad "127.0.0.1:$VCN_GMETAD_INTERACTIVE_PORT" ${VCN_GWEB_EXTRA:-} >>"$VCN_GANGLIA_DIR/log/gweb-install.log" 2>&1 ||
		{ tail -n 20 "$VCN_GANGLIA_DIR/log/gweb-install.log" >&2; vcn_log "gweb-install failed"; return 1; }

	VCN_WEB_PORT=0 # php-fpm listens on a unix socket: no port to pick
	_vcn_write_web_conf
	_vcn_start_php_fpm
	local fpm
	fpm=$(cat "$VCN_GANGLIA_DIR/run/php-fpm.pid.child")
	vcn_on_exit "vcn_stop_pid $fpm php-fpm"
	vcn_wait_for 15 test -S "$VCN_GANGLIA_DIR/run/php-fpm.sock" ||
		{ tail -n 20 "$VCN_GANGLIA_DIR/log/php-fpm.log" >&2; vcn_log "php-fpm did not start"; return 1; }
	vcn_log "php-fpm up (pid $fpm)"

	for try in 1 2 3; do
		# The demo asks for a fixed port (VCN_WEB_PORT_WANT) on the first try.
		if [ "$try" = 1 ] && [ -n "${VCN_WEB_PORT_WANT:-}" ]; then VCN_WEB_PORT=$VCN_WEB_PORT_WANT; else VCN_WEB_PORT=$(vcn_free_port) || return 1; fi
		_vcn_write_web_conf
		_vcn_start_checked nginx "t:$VCN_WEB_PORT" \
			"$VCN_GANGLIA_DIR/run/nginx.pid.child" _vcn_start_nginx && break
		[ "$try" -lt 3 ] || { tail -n 20 "$VCN_NGINX_LOG" >&2; vcn_log "nginx failed to start"; return 1; }
	done
	VCN_WEB_URL=http://127.0.0.1:$VCN_WEB_PORT/ganglia
	export VCN_WEB_PORT VCN_WEB_URL
	vcn_log "ganglia stack up: gmond :$VCN_GMOND_PORT, gmetad :$VCN_GMETAD_XML_PORT/:$VCN_GMETAD_INTERACTIVE_PORT, web $VCN_WEB_URL/"
}

# vcn_gmond_restart: restart gmond (after adding module confs to $VCN_GMOND_D), same port.
vcn_gmond_restart() {
	vcn_stop_pidfile "$VCN_GANGLIA_DIR/run/gmond.pid" gmond
	_vcn_start_checked gmond "u:$VCN_GMOND_PORT t:$VCN_GMOND_PORT" \
		"$VCN_GANGLIA_DIR/run/gmond.pid" _vcn_start_gmond
}

# vcn_gmetric ARGS...: gmetric sending on the test gmond's channel.
vcn_gmetric() { gmetric -c "$VCN_GMOND_CONF" "$@"; }

# _vcn_tcp_dump PORT [REQUEST]: read everything a local TCP XML port answers.
_vcn_tcp_dump() {
	local port=$1 req=${2:-}
	if [ -n "$req" ]; then
		printf '%s\n' "$req" | nc -q 5 -w 10 127.0.0.1 "$port"
	else
		nc -d -w 10 127.0.0.1 "$port"
	fi
}

# vcn_gmond_xml: gmond's XML (the hosts and metrics it holds now).
vcn_gmond_xml() { _vcn_tcp_dump "$VCN_GMOND_PORT"; }

# vcn_gmetad_xml [PATH]: gmetad's XML; with PATH (e.g. /CLUSTER/HOST) ask the interactive port.
vcn_gmetad_xml() {
	if [ $# -gt 0 ]; then
		_vcn_tcp_dump "$VCN_GMETAD_INTERACTIVE_PORT" "$1"
	else
		_vcn_tcp_dump "$VCN_GMETAD_XML_PORT"
	fi
}

# vcn_php_errors: print PHP warnings/errors logged by the stack (exit 1 if none), so a
# test can fail on them. Deprecations are not logged (see the pool's error_reporting).
vcn_php_errors() {
	cat "$VCN_PHP_LOG" "$VCN_GANGLIA_DIR/log/php-fpm.log" "$VCN_NGINX_LOG" 2>/dev/null |
		grep -E 'PHP (Warning|Fatal error|Parse error|Notice)|Uncaught|FastCGI sent in stderr|\[(error|crit|alert|emerg)\]'
}

# _vcn_chromium OUT LOG ARGS...: run headless Chromium (stdout to OUT, stderr to LOG)
# in its own session with a fresh profile; killed (whole process group, by id) after VCN_CHROMIUM_TIMEOUT s.
_vcn_chromium() {
	local out=$1 log=$2 ud pid rc=0 t=${VCN_CHROMIUM_TIMEOUT:-60}
	shift 2
	vcn_need_cmd chromium setsid
	mkdir -p "$VCN_SCRATCH/chromium"
	ud=$(mktemp -d "$VCN_SCRATCH/chromium/profile.XXXXXX")
	setsid timeout -k 5 "$t" chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update --disable-sync \
		--disable-dev-shm-usage --user-data-dir="$ud" --hide-scrollbars "$@" \
		</dev/null >"$out" 2>>"$log" &
	pid=$!
	# setsid made $pid a process group leader: the group id is the pid
	vcn_on_exit "kill -KILL -- -$pid 2>/dev/null || true"
	wait "$pid" || rc=$?
	kill -KILL -- -"$pid" 2>/dev/null || true
	rm -rf "$ud"
	[ "$rc" -ne 124 ] || vcn_log "chromium timed out after ${t}s"
	return "$rc"
}

# vcn_chromium_shot OUT.png URL [W,H]: screenshot of URL as rendered (JS run for ~8 s of virtual time).
vcn_chromium_shot() {
	local out=$1 url=$2 size=${3:-1400,1000}
	rm -f "$out"
	_vcn_chromium /dev/null "$VCN_SCRATCH/chromium.log" --window-size="$size" \
		--virtual-time-budget="${VCN_CHROMIUM_BUDGET_MS:-8000}" --screenshot="$out" "$url" || return 1
	[ -s "$out" ] || { vcn_log "chromium wrote no screenshot of $url"; return 1; }
}

# vcn_chromium_dom URL: print the DOM of URL after its scripts ran.
vcn_chromium_dom() {
	local tmp rc=0
	tmp=$(mktemp "$VCN_SCRATCH/dom.XXXXXX")
	_vcn_chromium "$tmp" "$VCN_SCRATCH/chromium.log" \
		--virtual-time-budget="${VCN_CHROMIUM_BUDGET_MS:-8000}" --dump-dom "$1" || rc=$?
	cat "$tmp"
	rm -f "$tmp"
	return "$rc"
}

# vcn_png_has_data FILE: does a (rrdtool) PNG graph show plotted data, not just axes?
# Prints the measurement; see tests/harness/png-stats.py for how it decides.
vcn_png_has_data() {
	python3 "$VCN_TOP/tests/harness/png-stats.py" --has-data "$1"
}

# vcn_gmond_vcn_module [KEY=VALUE...]: enable the project's vcn_module in the test
# gmond: the shipped conf.d snippet (gmond-modules/vcn.conf) with the module path
# of this build and the given params replacing or adding to the snippet's. Call
# before vcn_ganglia_up, or call vcn_gmond_restart afterwards.
vcn_gmond_vcn_module() {
	local so="$VCN_BUILD/gmond-modules/.libs/modvcn.so" kv k v params=''
	[ -f "$so" ] || vcn_skip "$so not built (run make)"
	mkdir -p "${VCN_GMOND_D:-$VCN_SCRATCH/gmond.d}"
	for kv in "$@"; do
		k=${kv%%=*}
		v=${kv#*=}
		params+="    param $k { value = \"$v\" }"$'\n'
	done
	awk -v so="$so" -v params="$params" '
		/^ *param [a-z_]+ \{/ { k = $2; if (index(params, "param " k " {")) next }
		/^ *path = / { sub(/"[^"]*"/, "\"" so "\"") }
		/^ *name = "vcn_module"/ { print; printf "%s", params; next }
		{ print }' "$VCN_TOP/gmond-modules/vcn.conf" >"${VCN_GMOND_D:-$VCN_SCRATCH/gmond.d}/vcn.conf"
	# not grep -q: under pipefail, ldd killed by SIGPIPE would make the test false
	if ldd "$so" | grep libasan >/dev/null; then
		VCN_GMOND_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
		export VCN_GMOND_PRELOAD
	fi
}

# vcn_gmond_pid: the test gmond's PID.
vcn_gmond_pid() { cat "$VCN_GANGLIA_DIR/run/gmond.pid"; }

# vcn_gmond_sender NAME IP [KEY=VALUE...]: a hypervisor's gmond that only sends
# (deaf) to the test stack's gmond, as host NAME (override_hostname/ip), with
# vcn_module loaded with the given params (e.g. uri=qemu+tcp://ADDR/system).
# Several of them stand for several hypervisors feeding one cluster. Stopped by
# PID at exit. Prints nothing; its log is $VCN_GANGLIA_DIR/log/gmond-NAME.log.
vcn_gmond_sender() {
	local name=$1 ip=$2 d="$VCN_GANGLIA_DIR/sender-$1" pid
	shift 2
	mkdir -p "$d/conf.d"
	VCN_GMOND_D="$d/conf.d" vcn_gmond_vcn_module "$@"
	cat >"$d/gmond.conf" <<CONF
/* vcn test: hypervisor "$name" sending to the stack's gmond on :$VCN_GMOND_PORT */
globals {
  daemonize = no
  setuid = no
  debug_level = 0
  mute = no
  deaf = yes
  host_dmax = 0
  cleanup_threshold = 300
  gexec = no
  send_metadata_interval = 15
  override_hostname = "$name"
  override_ip = "$ip"
}
cluster { name = "$VCN_GANGLIA_CLUSTER" }
udp_send_channel { host = 127.0.0.1  port = $VCN_GMOND_PORT  ttl = 1 }
modules {
  module { name = "core_metrics" }
}
include ('$d/conf.d/*.conf')
collection_group { collect_once = yes  time_threshold = 20  metric { name = "heartbeat" } }
CONF
	env ${VCN_GMOND_PRELOAD:+LD_PRELOAD="$VCN_GMOND_PRELOAD"} ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" \
		gmond -f -c "$d/gmond.conf" </dev/null >>"$VCN_GANGLIA_DIR/log/gmond-$name.log" 2>&1 &
	pid=$!
	echo "$pid" >"$d/gmond.pid"
	vcn_on_exit "vcn_stop_pidfile '$d/gmond.pid' gmond-$name"
	sleep 0.5
	kill -0 "$pid" 2>/dev/null || { cat "$VCN_GANGLIA_DIR/log/gmond-$name.log" >&2; vcn_fail "gmond $name exited"; }
	vcn_log "gmond sender $name up (pid $pid)"
}
