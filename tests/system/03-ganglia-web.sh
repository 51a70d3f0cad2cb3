#!/bin/bash
# System test: the private Ganglia stack (gmond -> gmetad -> RRDs -> ganglia-web on
# PHP 8.2) shows spoofed hosts, as the project's gmond modules will send them.
# Feeds three spoofed "VMs" with gmetric, then checks gmond's and gmetad's XML,
# the RRDs, the main ganglia-web pages (HTTP 200, no PHP warning or error logged),
# a graph with plotted data, JSON and CSV export, and a Chromium rendering of the
# cluster page, kept in $VCN_BUILD/tests/artefacts/.
set -euo pipefail
. "$(dirname "$0")/../harness/common.sh"
. "$VCN_TOP/tests/harness/ganglia.sh"

vcn_need_root
vcn_need_cmd gmond gmetad gmetric nginx php-fpm8.2 rrdtool chromium curl jq nc python3 ss setsid
vcn_scratch_init 03-ganglia-web

ART=$VCN_BUILD/tests/artefacts
mkdir -p "$ART"
CL=vcn-t03
VMS=(1:vm-a 2:vm-b 3:vm-c)
T0=$(date +%s)

# feed ROUNDS: spoofed heartbeats and stock metrics for each VM every 3 s, bounded.
# The 10.254/16 addresses are labels only: nothing is sent to them.
feed() {
	local i v g
	# stopped by PID at cleanup: take the running sleep along
	trap 'kill "$!" 2>/dev/null; exit 0' TERM
	for ((i = 0; i < $1; i++)); do
		for v in "${VMS[@]}"; do
			g=(-S "10.254.0.${v%%:*}:${v#*:}")
			vcn_gmetric "${g[@]}" -H
			vcn_gmetric "${g[@]}" -n cpu_user -v $((20 + RANDOM % 50)) -t float -u % -g cpu -x 60
			vcn_gmetric "${g[@]}" -n cpu_system -v $((RANDOM % 20)) -t float -u % -g cpu -x 60
			vcn_gmetric "${g[@]}" -n cpu_idle -v $((RANDOM % 30)) -t float -u % -g cpu -x 60
			vcn_gmetric "${g[@]}" -n cpu_num -v 1 -t uint16 -g cpu -x 60
			vcn_gmetric "${g[@]}" -n load_one -v "$((1 + RANDOM % 3)).$((10 + RANDOM % 89))" -t float -g load -x 60
			vcn_gmetric "${g[@]}" -n mem_total -v 131072 -t float -u KB -g memory -x 60
			vcn_gmetric "${g[@]}" -n mem_free -v $((40000 + RANDOM % 60000)) -t float -u KB -g memory -x 60
			vcn_gmetric "${g[@]}" -n bytes_in -v $((RANDOM * 8)) -t float -u bytes/sec -g network -x 60
			vcn_gmetric "${g[@]}" -n bytes_out -v $((RANDOM * 4)) -t float -u bytes/sec -g network -x 60
			vcn_gmetric "${g[@]}" -n vm_cpu_pct -v $((20 + RANDOM % 80)) -t float -u % -g vm \
				-T "VM CPU" -x 60
		done
		sleep 3 &
		wait "$!"
	done
}

# xml_has_host PORT HOST [PATH]: does the XML served on PORT name HOST?
gmond_has() { vcn_gmond_xml | grep -q "<HOST NAME=\"$1\""; }
gmetad_has() { vcn_gmetad_xml | grep -q "<HOST NAME=\"$1\""; }
gmetad_metric() { vcn_gmetad_xml "/$CL/$1" | grep -q "<METRIC NAME=\"$2\""; }
rrds_exist() { local v; for v in "${VMS[@]}"; do [ -s "$VCN_RRD_DIR/$CL/${v#*:}/$1.rrd" ] || return 1; done; }

# get URL_SUFFIX OUT: fetch from ganglia-web; fail unless HTTP 200.
get() {
	local code
	code=$(curl -sS -m 60 -o "$2" -w '%{http_code}' "$VCN_WEB_URL/$1") || code=curl-failed
	[ "$code" = 200 ] || { vcn_log "HTTP $code for $1"; head -c 400 "$2" >&2 || true; return 1; }
}
# page_has URL_SUFFIX REGEX: HTTP 200 and the body matches.
page_has() { get "$1" "$VCN_SCRATCH/page" && grep -Eq "$2" "$VCN_SCRATCH/page"; }
# graph_has_data URL_SUFFIX OUT: the PNG has plotted data (rrdtool needs two steps of data).
graph_has_data() { get "$1" "$2" && vcn_png_has_data "$2"; }
# json_has_numbers URL_SUFFIX [N]: graph.php json export holds N (1) numeric datapoints.
json_has_numbers() {
	get "$1" "$VCN_SCRATCH/json" &&
		jq -e --argjson n "${2:-1}" '[.[].datapoints[] | .[0] | select(type == "number")] | length >= $n' \
			"$VCN_SCRATCH/json" >/dev/null
}

vcn_ganglia_up "$CL"

feed 15 &
FEED=$!
vcn_on_exit "vcn_stop_pid $FEED feeder"

vcn_wait_for 20 gmond_has vm-a || vcn_fail "gmond XML has no spoofed host vm-a"
vcn_log "gmond XML shows vm-a"
vcn_wait_for 30 gmetad_has vm-c || vcn_fail "gmetad XML (port $VCN_GMETAD_XML_PORT) has no vm-c"
vcn_wait_for 20 gmetad_metric vm-b vm_cpu_pct ||
	vcn_fail "gmetad interactive port has no vm_cpu_pct for /$CL/vm-b"
vcn_log "gmetad XML and interactive query show the spoofed hosts"
vcn_wait_for 30 rrds_exist vm_cpu_pct || vcn_fail "no RRDs under $VCN_RRD_DIR/$CL"
vcn_log "RRDs written: $(find "$VCN_RRD_DIR" -name '*.rrd' | wc -l) files"

# cachetime is 5 s: the cluster page lists new hosts within seconds
vcn_wait_for 30 page_has "?c=$CL" 'vm-a' || vcn_fail "cluster page does not list vm-a"
G="c=$CL&h=vm-a&m=vm_cpu_pct&r=hour&z=medium"
# the last 4 minutes only: a minute of data is a few pixels wide on an hour graph
win() { echo "cs=$(($(date +%s) - 240))&ce=$(($(date +%s) + 10))"; }
# three RRD steps stored, so the graphs below show more than one point
vcn_wait_for 60 json_has_numbers "graph.php?$G&$(win)&json=1" 3 || vcn_fail "graph.php?$G&json=1: < 3 numbers"
vcn_wait_for 60 graph_has_data "graph.php?$G&$(win)" "$ART/03-ganglia-web-graph.png" ||
	vcn_fail "graph.php?$G&$(win) shows no data"
vcn_log "graph.php plots data (kept as $ART/03-ganglia-web-graph.png)"

pages=(
	"?|$CL"                                      # meta (grid) view
	"?c=$CL|vm-b"                                # cluster view
	"?c=$CL&h=vm-a|vm_cpu_pct"                   # host view
	"?c=$CL&h=vm-a&m=vm_cpu_pct&r=day|vm-a"      # host view, other range
	"?c=$CL&p=2|vm-c"                            # physical view
	"?tab=v|[Vv]iew"                             # views
	"views_view.php?views_menu=1|."              # views menu (ajax)
	"?tab=ch&hreg[]=vm-|vm-a"                    # compare hosts
	"?dg=1&hreg[]=vm-&mreg[]=vm_cpu_pct&aggregate=1|vm_cpu_pct" # decompose aggregate
	"search.php?q=vm-|vm-a"                      # search
	"graph_all_periods.php?$G|graph.php"         # all periods of one metric
	"graph.php?$G&csv=1|^[0-9T:+-]+,[0-9.]+\$"   # CSV export
	"api/host.php?action=list|\"vm-a\""          # API
)
for p in "${pages[@]}"; do
	page_has "${p%%|*}" "${p#*|}" || vcn_fail "page ${p%%|*} is not 200 or lacks /${p#*|}/"
done
vcn_log "${#pages[@]} pages answer 200 with the expected content"

graphs=(
	"graph.php?c=$CL&m=vm_cpu_pct&r=hour&z=medium"                    # cluster summary of a metric
	"graph.php?c=$CL&g=cpu_report&r=hour&z=medium"                     # cluster CPU report
	"graph.php?c=$CL&h=vm-b&g=cpu_report&r=hour&z=medium"              # host CPU report
	"graph.php?c=$CL&g=load_report&r=hour&z=medium"                    # load report
	"graph.php?c=$CL&g=mem_report&r=hour&z=medium"                     # memory report
	"graph.php?c=$CL&h=vm-c&g=network_report&r=hour&z=medium"          # network report
	"graph.php?hreg[]=vm-&mreg[]=vm_cpu_pct&aggregate=1&r=hour"        # aggregate graph
	"graph.php?hreg[]=vm-&mreg[]=vm_cpu_pct&aggregate=1&gtype=stack&r=hour" # stacked aggregate
	"stacked.php?c=$CL&m=vm_cpu_pct&r=hour"                            # stacked per host
)
i=0
for g in "${graphs[@]}"; do
	i=$((i + 1))
	vcn_wait_for 30 graph_has_data "$g&$(win)" "$VCN_SCRATCH/graph-$i.png" || vcn_fail "$g&$(win) shows no data"
done
vcn_log "${#graphs[@]} more graphs plot data"

for j in "graph.php?$G&json=1" "graph.php?hreg[]=vm-&mreg[]=vm_cpu_pct&aggregate=1&r=hour&json=1"; do
	json_has_numbers "$j" || vcn_fail "$j: no numeric datapoints"
done
vcn_log "JSON export holds numbers"

# Rendered by a browser: the page's scripts ran and the graphs were inserted.
vcn_chromium_dom "$VCN_WEB_URL/?c=$CL" >"$VCN_SCRATCH/cluster.dom" || vcn_fail "chromium --dump-dom failed"
grep -q 'vm-c' "$VCN_SCRATCH/cluster.dom" || vcn_fail "rendered cluster page does not name vm-c"
n=$(grep -o '<img[^>]*graph\.php[^>]*>' "$VCN_SCRATCH/cluster.dom" | wc -l)
[ "$n" -ge 3 ] || vcn_fail "rendered cluster page has $n graph images"
vcn_chromium_shot "$ART/03-ganglia-web-cluster.png" "$VCN_WEB_URL/?c=$CL" 1400,1100 ||
	vcn_fail "chromium screenshot failed"
vcn_log "Chromium rendered the cluster page ($n graphs): $ART/03-ganglia-web-cluster.png"

if vcn_php_errors >"$VCN_SCRATCH/php-errors"; then
	cat "$VCN_SCRATCH/php-errors" >&2
	vcn_fail "PHP warnings or errors logged (above)"
fi
vcn_log "no PHP warning or error logged"
vcn_log "PASS in $(($(date +%s) - T0)) s"
