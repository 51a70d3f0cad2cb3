#!/bin/bash
# System test: the web UI operators use, against the real stack: a namespace
# hypervisor "hv-a" whose gmond runs vcn_module, gmond + gmetad +
# ganglia-web (nginx + php-fpm) installed by web/gweb-install, vcnd with
# two VOs (physics: CPU-bound, bio: disk-bound) and real guests.
#   - every page (meta, cluster, VM host, physical host, vcnd host, VO view,
#     fairness view, aggregate, search, vcn.php) answers 200 with no PHP
#     warning or error logged; load times are logged;
#   - a VM host page offers the VM reports and not load/memory; the
#     physical host the fairness report beside the stock ones;
#   - the reports are PNGs with plotted data (decoded), JSON export has numbers;
#   - the VO view's aggregate graph holds exactly that VO's VCNs; a VO added
#     by a reload gets its view (vcnd runs vcn-gweb-views);
#   - vcnd's launches, scale actions and reloads are events on the graphs;
#   - vcn.php shows VOs, VCNs, limits and audit records, escaped, read from
#     the read-only status socket (which refuses "scale");
#   - Chromium renders the VM host page, the VO view and the controller page
#     (screenshots in $VCN_BUILD/tests/artefacts/).
set -euo pipefail
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/../harness/libvirt.sh"
. "$(dirname "$0")/../harness/nshost.sh"
. "$(dirname "$0")/../harness/ganglia.sh"

vcn_need_root
vcn_need_cmd virsh libvirtd qemu-system-x86_64 gmond gmetad nginx php-fpm8.2 rrdtool chromium curl jq python3 nsenter setsid
VCND="$VCN_BUILD/controller/vcnd"
VCNCTL="$VCN_BUILD/controller/vcnctl"
[ -x "$VCND" ] && [ -x "$VCNCTL" ] || vcn_skip "vcnd/vcnctl not built (run make)"
getent group www-data >/dev/null || vcn_skip "no www-data group (the PHP user)"
vcn_scratch_init 10-web-ui
T0=$(date +%s)
ART=$VCN_BUILD/tests/artefacts
mkdir -p "$ART"
CL=vcn-t10
S=$VCN_SCRATCH
STATUS_SOCK=$S/run/vcnd-status.sock
GSTATE=$S/ganglia/gweb-state

vcn_guest_image
vcn_nshost_up a 1
URI=$(vcn_nshost_uri a)
VCN_LIBVIRT_URI=$URI vcn_net_up vcn10net vcn10br0 10.250.10.1/24

# ganglia-web knows vcnd's status socket and the cluster (vcn.php)
VCN_GWEB_EXTRA="--vcnd-socket $STATUS_SOCK --cluster $CL" vcn_ganglia_up "$CL"
vcn_gmond_sender hv-a "$(vcn_nshost_addr a)" uri="$URI" phys_host=hv-a interval=2s libvirt_timeout=1s \
	dmax=60s metadata_interval=10s

# vcnd: one host, the web options; the conf's name holds markup, which
# reaches vcn.php through the audit log ("reload" records name the file)
CONF="$S/vcnd-<i>web.conf"
mkdir -p "$S/scratch"
chmod 755 "$S/scratch" "$S/run"
write_conf() { # extra VO name or ""
	cat >"$CONF" <<CONF
/* vcnd for system test 10 */
globals {
  state_dir = "$S/state"
  scratch_dir = "$S/scratch"
  control_socket = "$S/run/vcnd.sock"
  audit_log = "$S/audit.jsonl"
  interval = "2s"
  gmond_conf = "$VCN_GMOND_CONF"
  fairness_target = 0
  status_socket = "$STATUS_SOCK"
  status_socket_group = "www-data"
  web_events_file = "$GSTATE/conf/events.json"
  web_events_max = 200
  web_views_command = "$VCN_TOP/web/vcn-gweb-views --conf-dir $GSTATE/conf --cluster $CL --owner www-data"
}
host "hv-a" { uri = "$URI" }
CONF
	local vo wl
	for vo in physics bio ${1:-}; do
		case $vo in physics) wl=cpu=1 ;; bio) wl=disk ;; *) wl=idle ;; esac
		cat >>"$CONF" <<CONF
vo "$vo" {
  image = "$VCN_GUEST_OUT/base.qcow2"
  kernel = "$VCN_GUEST_OUT/vmlinuz"
  initrd = "$VCN_GUEST_OUT/initrd.img"
  cmdline = "console=ttyS0 quiet vcn.workload=$wl"
  vcpus = 1
  memory = "128M"
  network = "vcn10net"
  min = 0
  max = 4
}
CONF
	done
}
write_conf ""
"$VCND" -n -c "$CONF" >/dev/null || vcn_fail "vcnd -n rejects the test's config"
"$VCND" -f -c "$CONF" >>"$S/vcnd.log" 2>&1 &
echo $! >"$S/run/vcnd.pid"
vcn_on_exit "vcn_stop_pidfile '$S/run/vcnd.pid' vcnd"
vcn_wait_for 20 test -S "$STATUS_SOCK" || { tail -n 20 "$S/vcnd.log" >&2; vcn_fail "vcnd did not open its status socket"; }
[ "$(stat -c %G "$STATUS_SOCK")" = www-data ] || vcn_fail "status socket not in group www-data"
ctl() { "$VCNCTL" -s "$S/run/vcnd.sock" "$@"; }
if "$VCNCTL" -s "$STATUS_SOCK" scale physics 3 >"$S/ro.out" 2>&1; then vcn_fail "the status socket accepted 'scale'"; fi
grep -q "not allowed on the status socket" "$S/ro.out" || vcn_fail "status socket refusal: $(cat "$S/ro.out")"
vcn_log "status socket: group www-data, read-only ('scale' refused)"

t=$(date +%s)
# both VOs at once (each vcnctl waits for its VO to converge)
ctl scale bio 1 >"$S/scale-bio.out" 2>&1 &
bio=$!
ctl scale physics 2 >"$S/scale.out" || vcn_fail "vcnctl scale physics 2 failed"
wait "$bio" || vcn_fail "vcnctl scale bio 1 failed: $(cat "$S/scale-bio.out")"
vcn_log "3 VCNs ready in $(($(date +%s) - t)) s"

# --- data arrives: VM hosts, vcnd's numbers ------------------------------------
R=$VCN_RRD_DIR/$CL
have_rrds() {
	local f
	for f in physics-1/cpu_user physics-1/cpu_steal physics-2/vcn_cpu_used bio-1/vcn_disk_write_bytes \
		vcnd/vcn_vo_physics_ready vcnd/vcn_vo_bio_target hv-a/vcn_fair_cpu vcnd/vcn_ready_s_physics-1; do
		[ -s "$R/$f.rrd" ] || return 1
	done
}
vcn_wait_for 90 have_rrds || { ls -R "$R" >&2 || true; vcn_fail "RRDs of the VM hosts or of vcnd missing"; }
vcn_log "RRDs for the VCNs and vcnd's VO/fairness metrics exist"
vcn_wait_for 20 test -s "$GSTATE/conf/view_vo-physics.json" || vcn_fail "vcnd did not write the VO views"

# get SUFFIX OUT: HTTP 200 from ganglia-web, time logged to $S/times
get() {
	local out code time
	out=$(curl -gsS -m 90 -o "$2" -w '%{http_code} %{time_total}' "$VCN_WEB_URL/$1") || out="curl-failed 0"
	code=${out% *}
	time=${out#* }
	printf '%s %s %s\n' "$time" "$code" "$1" >>"$S/times"
	[ "$code" = 200 ] || { vcn_log "HTTP $code for $1"; head -c 400 "$2" >&2 || true; return 1; }
}
page_has() { get "$1" "$S/page" && grep -Eq "$2" "$S/page"; }
page_lacks() { get "$1" "$S/page" && ! grep -Eq "$2" "$S/page"; }
win() { echo "cs=$(($(date +%s) - 300))&ce=$(($(date +%s) + 10))"; }
graph_has_data() { get "$1&$(win)" "$2" && vcn_png_has_data "$2" >/dev/null; }

# the page's report list is rendered by the browser: graph URLs are in the HTML
vcn_wait_for 30 page_has "?c=$CL" 'physics-2' || vcn_fail "cluster page does not list physics-2"
pages=(
	"?|$CL"                                          # meta
	"?c=$CL|bio-1"                                   # cluster
	"?c=$CL&h=physics-1|vcn_vm_cpu_report"           # VM host
	"?c=$CL&h=bio-1|vcn_vm_disk_latency_report"      # VM host
	"?c=$CL&h=hv-a|vcn_fairness_report"              # physical host
	"?c=$CL&h=vcnd|vcn_vo_scale_report"              # vcnd's own host
	"?tab=v&vn=vo-physics|vo-physics"                # VO view
	"?tab=v&vn=fairness|fairness"                    # fairness view
	"views_view.php?views_menu=1|vo-bio"             # views menu lists the VO views
	"?tab=ch&hreg[]=physics-|physics-2"              # compare hosts
	"search.php?q=physics|physics-1"                 # search
	"vcn.php|physics-2"                              # controller page
	"vcn.php?embed=1|vcn-controller"                 # its tab fragment
	"events.php|launch physics-1 on hv-a"            # events tab lists vcnd's events
)
for p in "${pages[@]}"; do
	page_has "${p%%|*}" "${p#*|}" || vcn_fail "page ${p%%|*} is not 200 or lacks /${p#*|}/"
done
vcn_log "${#pages[@]} pages answer 200 with the expected content"

# which reports where
page_lacks "?c=$CL&h=physics-1" 'g=(mem_report|load_report|vcn_fairness_report)' ||
	vcn_fail "the VM host page offers physical-host reports"
page_has "?c=$CL&h=hv-a" 'g=load_report' || vcn_fail "the physical host page lost the stock reports"
for g in vcn_vm_disk_bytes_report vcn_vm_disk_ops_report vcn_vm_net_bytes_report vcn_vm_net_packets_report vcn_launch_ready_report; do
	page_has "?c=$CL&h=bio-1" "g=$g" || vcn_fail "VM host page does not offer $g"
done
vcn_log "VM host pages: VM reports only; physical host: stock + fairness"

# reports plot data
graphs=(
	"graph.php?c=$CL&h=physics-1&g=vcn_vm_cpu_report&z=medium"
	"graph.php?c=$CL&h=bio-1&g=vcn_vm_disk_bytes_report&z=medium"
	"graph.php?c=$CL&h=bio-1&g=vcn_vm_disk_ops_report&z=medium"
	"graph.php?c=$CL&h=bio-1&g=vcn_vm_disk_latency_report&z=medium"
	"graph.php?c=$CL&h=physics-1&g=vcn_launch_ready_report&z=medium"
	"graph.php?c=$CL&h=hv-a&g=vcn_fairness_report&z=medium"
	"graph.php?c=$CL&h=vcnd&g=vcn_vo_scale_report&z=medium"
	"graph.php?c=$CL&h=vcnd&g=vcn_launch_ready_report&z=medium"
	"graph.php?c=$CL&g=vcn_fairness_report&z=medium"
	"graph.php?c=$CL&h=physics-1&m=vcn_cpu_used&z=medium"
	"graph.php?hreg[]=^physics-[0-9]%2B\$&mreg[]=^vcn_cpu_used\$&aggregate=1&gtype=stack&z=medium"
	"stacked.php?c=$CL&m=vcn_cpu_used&r=hour"
)
i=0
for g in "${graphs[@]}"; do
	i=$((i + 1))
	vcn_wait_for 60 graph_has_data "$g" "$S/graph-$i.png" || vcn_fail "$g shows no data"
done
vcn_log "${#graphs[@]} graphs plot data"
# a stacked graph of a metric no host has is an image that says so (patch 14)
get "stacked.php?c=$CL&m=vcn_no_such_metric&r=hour" "$S/stacked-none.png" || vcn_fail "stacked.php, no host"
python3 "$VCN_TOP/tests/harness/png-stats.py" --stats "$S/stacked-none.png" >/dev/null ||
	vcn_fail "stacked.php for a metric no host has is not an image"
# the network reports: the guests send nothing here, so their lines sit at 0
# (not "data" to png-stats); they must still be real graphs with both series
for g in vcn_vm_net_bytes_report vcn_vm_net_packets_report; do
	get "graph.php?c=$CL&h=physics-1&g=$g&z=medium&json=1&$(win)" "$S/net.json" || vcn_fail "$g json"
	jq -e 'length >= 2 and ([.[].datapoints[] | .[0] | select(type == "number")] | length) > 0' "$S/net.json" >/dev/null ||
		vcn_fail "$g: no series with numbers"
done

# JSON export of a VM metric holds numbers
get "graph.php?c=$CL&h=physics-1&m=vcn_cpu_used&json=1&$(win)" "$S/cpu.json" || vcn_fail "json export"
n=$(jq '[.[].datapoints[] | .[0] | select(type == "number")] | length' "$S/cpu.json")
[ "$n" -ge 3 ] || vcn_fail "json export of vcn_cpu_used: $n numbers"
max=$(jq '[.[].datapoints[] | .[0] | select(type == "number")] | max' "$S/cpu.json")
vcn_log "json export: $n numbers for physics-1 vcn_cpu_used (max $max CPUs)"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > 0.05 else 1)" "$max" ||
	vcn_fail "physics-1 (a CPU-bound guest) used at most $max CPUs"

# CSV export of a VM metric: "time,value" lines with numbers
get "graph.php?c=$CL&h=physics-1&m=vcn_cpu_used&csv=1&$(win)" "$S/cpu.csv" || vcn_fail "csv export"
grep -Eq '^[0-9T:+-]+,[0-9.]+$' "$S/cpu.csv" || vcn_fail "csv export of vcn_cpu_used has no numbers: $(head -3 "$S/cpu.csv")"

# the VO view's graphs: exactly that VO's VCNs
# the hosts in that aggregate graph: its json export labels each series "HOST [METRIC]"
vo_hosts() { # VIEW ITEM-TITLE-REGEX
	local args
	args=$(jq -r --arg t "$2" '.items[] | select(.title | test($t)) |
		"hreg[]=" + (.host_regex[0].regex | @uri) + "&mreg[]=" + (.metric_regex[0].regex | @uri) + "&gtype=" + .graph_type' \
		"$GSTATE/conf/view_$1.json")
	get "graph.php?$args&aggregate=1&json=1&$(win)" "$S/view.json" &&
		jq -r '[.[].metric_name | split(" ")[0]] | unique | join(" ")' "$S/view.json"
}
[ "$(vo_hosts vo-physics 'CPUs used')" = "physics-1 physics-2" ] ||
	vcn_fail "VO view physics shows hosts '$(vo_hosts vo-physics 'CPUs used')'"
[ "$(vo_hosts vo-bio 'disk')" = "bio-1" ] || vcn_fail "VO view bio shows hosts '$(vo_hosts vo-bio 'disk')'"
[ "$(vo_hosts vo-physics 'scale')" = "vcnd" ] || vcn_fail "VO scale graph is not vcnd's"
vcn_log "VO views hold exactly their VO's VCNs"

# --- events --------------------------------------------------------------------
has_event() { jq -e --arg s "$1" 'any(.[]; .summary == $s)' "$GSTATE/conf/events.json" >/dev/null; }
for e in "launch physics-1 on hv-a" "launch physics-2 on hv-a" "launch bio-1 on hv-a" "scale"; do
	has_event "$e" || vcn_fail "no event '$e' in events.json"
done
# a reload adds VO chem: its view appears, a reload event is written
write_conf chem
ctl reload >/dev/null || vcn_fail "vcnctl reload failed"
vcn_wait_for 20 test -s "$GSTATE/conf/view_vo-chem.json" || vcn_fail "no view for VO chem after the reload"
vcn_wait_for 10 has_event reload || vcn_fail "no reload event"
ctl destroy bio-1 >/dev/null || vcn_fail "vcnctl destroy bio-1 failed"
vcn_wait_for 10 has_event "destroy bio-1 on hv-a" || vcn_fail "no destroy event"
vcn_log "events: $(jq -r '[.[].summary] | join(", ")' "$GSTATE/conf/events.json")"
# on the graphs: the rrdtool command (debug=3) has a VRULE at the launch with its summary
ts=$(jq -r '[.[] | select(.summary == "launch physics-1 on hv-a")][0].start_time' "$GSTATE/conf/events.json")
get "graph.php?c=$CL&h=physics-1&g=vcn_vm_cpu_report&z=medium&debug=3&$(win)" "$S/cmd.html" || vcn_fail "graph debug"
grep -q "VRULE:$ts#[0-9a-fA-F]*:&quot;launch physics-1 on hv-a&quot;" "$S/cmd.html" ||
	vcn_fail "the launch event is not drawn on physics-1's CPU graph: $(grep -o 'VRULE[^ ]*' "$S/cmd.html" | head -3)"
grep -q "launch physics-2" "$S/cmd.html" && vcn_fail "physics-2's launch is drawn on physics-1's graph"
get "graph.php?c=$CL&h=physics-1&g=vcn_vm_cpu_report&z=medium&$(win)" "$ART/10-web-ui-events-graph.png" ||
	vcn_fail "graph with events"
vcn_png_has_data "$ART/10-web-ui-events-graph.png" >/dev/null || vcn_fail "graph with events has no data"
vcn_log "events are drawn on the graphs of their VCN only (and reloads on all)"

# --- the controller page -------------------------------------------------------
get vcn.php "$S/vcn.html" || vcn_fail "vcn.php"
for want in 'physics-1' 'physics-2' '>ready<' 'hv-a' '>chem<' 'destroy' 'vcnd-&lt;i&gt;web\.conf' \
	'v0&rarr;' 'cpu_shares'; do
	grep -q -- "$want" "$S/vcn.html" || vcn_fail "vcn.php lacks /$want/"
done
grep -q '<i>web' "$S/vcn.html" && vcn_fail "vcn.php shows markup from vcnd unescaped"
vcn_log "vcn.php: VOs, VCNs, pinning, limits, audit; vcnd's text escaped"

# --- a browser renders them ----------------------------------------------------
shot() { # NAME URL-SUFFIX SIZE
	vcn_chromium_shot "$ART/10-web-ui-$1.png" "$VCN_WEB_URL/$2" "$3" || vcn_fail "chromium: $2"
	cp "$ART/10-web-ui-$1.png" "$S/"
	python3 "$VCN_TOP/tests/harness/png-stats.py" --stats "$ART/10-web-ui-$1.png" >/dev/null ||
		vcn_fail "screenshot of $2 is not a PNG"
}
# the last 10 minutes: the test's few minutes of data fill the graphs
since="cs=$(($(date +%s) - 600))&ce=$(date +%s)"
shot vm-host "?c=$CL&h=physics-1&$since" 1400,1500
shot vo-view "?tab=v&vn=vo-physics&$since" 1400,1300
shot controller "vcn.php" 1400,1100
vcn_chromium_dom "$VCN_WEB_URL/?c=$CL&h=physics-1" >"$S/vm.dom" || vcn_fail "chromium --dump-dom"
n=$(grep -o '<img[^>]*g=vcn_vm_[a-z_]*report' "$S/vm.dom" | sort -u | wc -l)
[ "$n" -ge 6 ] || vcn_fail "rendered VM host page has $n VM report images"
vcn_chromium_dom "$VCN_WEB_URL/?tab=v&vn=vo-physics" >"$S/view.dom" || vcn_fail "chromium --dump-dom view"
n=$(grep -o 'graph.php[^"]*hreg' "$S/view.dom" | wc -l)
[ "$n" -ge 6 ] || vcn_fail "rendered VO view has $n aggregate graphs"
vcn_log "Chromium rendered the VM host page, the VO view and the controller page ($ART/10-web-ui-*.png)"

if vcn_php_errors >"$S/php-errors"; then
	cat "$S/php-errors" >&2
	vcn_fail "PHP warnings or errors logged (above)"
fi
sort -rn "$S/times" | head -n 5 | while read -r t c u; do vcn_log "slowest: ${t}s $c $u"; done
vcn_log "$(wc -l <"$S/times") requests, median $(sort -n "$S/times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') s"
vcn_log "PASS in $(($(date +%s) - T0)) s"
