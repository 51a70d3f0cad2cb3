#!/bin/bash
# System test: vcnd + vcnctl on one host with real libvirtd and guests.
# vcnd -n accepts a good config and rejects a bad one with file:line; vcnctl
# launches 4 VCNs of a VO with progress and they become ready; vcnd killed
# with SIGKILL in the middle of scaling, again and again, comes back, adopts
# what runs and converges with no duplicate, orphan or lost VCN; a bad
# config on reload is refused and the running one stays; destroy and scale
# to zero leave no domain and no overlay behind.
set -euo pipefail
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/../harness/libvirt.sh"
. "$(dirname "$0")/../harness/nshost.sh"
. "$(dirname "$0")/../harness/vcnd.sh"

vcn_vcnd_need
vcn_scratch_init 06-vcnd-launch

# A namespace host of its own (no lock on the machine's libvirtd: runs beside
# the other system tests); vcnd reaches it over TCP like any remote host.
vcn_guest_image
vcn_nshost_up h 1
URI=$(vcn_nshost_uri h)
VCN_LIBVIRT_URI=$URI vcn_net_up vcn06net vcn06br0 10.250.6.1/24
VIRSH=(vcn_virsh "$URI")
S=$VCN_SCRATCH
SOCK=$S/vcnd.sock
mkdir -p "$S/scratch"
chmod 755 "$S/scratch"

write_conf() { # FILE VO-MAX
	cat >"$1" <<CONF
/* vcnd for system test 06 */
globals {
  state_dir = "$S/state"
  scratch_dir = "$S/scratch"
  control_socket = "$SOCK"
  audit_log = "$S/audit.jsonl"
  interval = "2s"
}
host "local" {
  uri = "$URI"
}
vo "physics" {
  image = "$VCN_GUEST_OUT/base.qcow2"
  kernel = "$VCN_GUEST_OUT/vmlinuz"
  initrd = "$VCN_GUEST_OUT/initrd.img"
  cmdline = "console=ttyS0 quiet vcn.workload=idle"
  vcpus = 1
  memory = "128M"
  network = "vcn06net"
  min = 0
  max = $2
}
CONF
}
write_conf "$S/vcnd.conf" 8

# --- vcnd -n -------------------------------------------------------------------
"$VCND" -n -c "$S/vcnd.conf" || vcn_fail "vcnd -n rejects a valid config"
sed 's/vcpus = 1/vcpus = 1x/' "$S/vcnd.conf" >"$S/bad.conf"
if "$VCND" -n -c "$S/bad.conf" 2>"$S/bad.err"; then vcn_fail "vcnd -n accepted vcpus = 1x"; fi
line=$(grep -n 'vcpus = 1x' "$S/bad.conf" | cut -d: -f1)
grep -q "$S/bad.conf:$line:" "$S/bad.err" || vcn_fail "no '$S/bad.conf:$line:' in: $(cat "$S/bad.err")"
vcn_log "vcnd -n: valid accepted, bad rejected with $(head -n 1 "$S/bad.err")"

# --- start, launch 4 with progress ---------------------------------------------
vcn_on_exit vcn_vcnd_stop
# whatever vcnd leaves running is destroyed when the namespace host goes down
vcn_vcnd_start
t0=$(date +%s)
"$VCNCTL" -s "$SOCK" launch physics 4 | tee "$S/launch.out" || vcn_fail "vcnctl launch failed"
vcn_log "launch 4: $(( $(date +%s) - t0 )) s"
grep -c ' ready on local in ' "$S/launch.out" | grep -qx 4 || vcn_fail "not 4 'ready' progress lines"
"$VCNCTL" -s "$SOCK" --json list >"$S/list.json"
python3 - "$S/list.json" <<'PY' || vcn_fail "list --json: not 4 ready VCNs with a launch-to-ready time"
import json, sys
d = json.load(open(sys.argv[1]))
v = [x for x in d["vcns"] if x["state"] == "ready" and isinstance(x["ready_s"], (int, float))]
sys.exit(0 if d["ok"] and len(v) == 4 else 1)
PY

# --- the invariant: domains == desired, one each, overlays == domains ------------
check_converged() { # WANT
	local doms overlays dups
	doms=$("${VIRSH[@]}" list --name | grep -c '^physics-' || true)
	dups=$("${VIRSH[@]}" list --name | grep '^physics-' | sort | uniq -d | wc -l)
	overlays=$(find "$S/scratch" -name 'physics-*.qcow2' | wc -l)
	[ "$doms" = "$1" ] && [ "$dups" = 0 ] && [ "$overlays" = "$1" ]
}
status_ready() { "$VCNCTL" -s "$SOCK" --json status | python3 -c '
import json, sys
d = json.load(sys.stdin); vo = d["vos"][0]
sys.exit(0 if vo["ready"] == vo["desired"] == int(sys.argv[1]) == vo["running"] else 1)' "$1"; }
check_converged 4 || vcn_fail "after launch: not exactly 4 domains and 4 overlays"
desired_now() { "$VCNCTL" -s "$SOCK" --json status | python3 -c '
import json, sys; print(json.load(sys.stdin)["vos"][0]["desired"])'; }

# --- kill -9 while scaling, restart, adopt, converge -----------------------------
want=4
for delay in 0.3 1.5 3; do
	prev=$want
	want=$((want == 4 ? 6 : 4))
	"$VCNCTL" -s "$SOCK" scale physics "$want" >"$S/scale.out" 2>&1 &
	sleep "$delay"
	vcn_vcnd_kill9
	vcn_log "vcnd killed $delay s into 'scale physics $want'"
	vcn_vcnd_start
	# vcnd says "N VCNs wanted" only once the count is saved: then it must
	# survive the kill. Killed before that, either count is right (the user
	# saw no answer and asks again, as done here).
	got=$(desired_now)
	if grep -q "VO physics: $want VCNs wanted" "$S/scale.out"; then
		[ "$got" = "$want" ] || vcn_fail "acknowledged 'scale physics $want' lost: desired $got after restart"
	else
		[ "$got" = "$want" ] || [ "$got" = "$prev" ] || vcn_fail "desired $got after restart (neither $prev nor $want)"
		vcn_log "killed before the answer: desired $got after restart; asking again"
		"$VCNCTL" -s "$SOCK" scale physics "$want" >/dev/null || vcn_fail "scale physics $want after restart failed"
	fi
	vcn_wait_for 180 status_ready "$want" || { "$VCNCTL" -s "$SOCK" list >&2; vcn_fail "did not converge on $want after restart"; }
	vcn_wait_for 20 check_converged "$want" || {
		"${VIRSH[@]}" list --all >&2; ls "$S/scratch" >&2
		vcn_fail "after restart: domains/overlays do not match $want"
	}
	vcn_log "restart: converged on $want (no duplicate, orphan or lost VCN)"
done
grep -q '"action":"adopt"' "$S/audit.jsonl" || vcn_fail "no adopt entries in the audit log"

# --- bad config on reload keeps the running one ----------------------------------
cp "$S/vcnd.conf" "$S/good.conf"
sed -i 's/min = 0/min = many/' "$S/vcnd.conf"
"$VCNCTL" -s "$SOCK" reload >/dev/null
vcn_wait_for 10 grep -q '"action":"reload-refused"' "$S/audit.jsonl" || vcn_fail "bad reload not refused"
"$VCNCTL" -s "$SOCK" status | grep -q '^physics' || vcn_fail "VO lost after a refused reload"
cp "$S/good.conf" "$S/vcnd.conf"
write_conf "$S/vcnd.conf" 5
kill -HUP "$(cat "$S/vcnd.pid")"
vcn_wait_for 10 grep -q '"action":"reload"' "$S/audit.jsonl" || vcn_fail "good reload not applied"
"$VCNCTL" -s "$SOCK" scale physics 6 >"$S/scale6.out" 2>&1 && vcn_fail "scale beyond the reloaded max (5) accepted"
grep -q "allows 0 to 5" "$S/scale6.out" || vcn_fail "scale refusal does not say why: $(cat "$S/scale6.out")"
# the new max also caps what runs: 6 -> 5
vcn_wait_for 60 status_ready 5 || vcn_fail "did not scale in to the reloaded max 5"
vcn_wait_for 20 check_converged 5 || vcn_fail "after reload: not 5 domains and 5 overlays"
vcn_log "reload: bad file refused (running config kept), good file applied (max 5, scaled in to 5)"

# --- destroy one, then scale to zero ----------------------------------------------
n=$("${VIRSH[@]}" list --name | grep -c '^physics-')
"$VCNCTL" -s "$SOCK" destroy physics-2 || vcn_fail "destroy physics-2 failed"
! "${VIRSH[@]}" domid physics-2 >/dev/null 2>&1 || vcn_fail "physics-2 still exists"
[ ! -e "$S/scratch/physics-2.qcow2" ] || vcn_fail "physics-2's overlay left"
sleep 5
[ "$("${VIRSH[@]}" list --name | grep -c '^physics-')" = $((n - 1)) ] || vcn_fail "destroyed VCN was relaunched"
"$VCNCTL" -s "$SOCK" scale physics 0 || vcn_fail "scale to 0 failed"
vcn_wait_for 30 check_converged 0 || vcn_fail "scale 0 left domains or overlays"
"$VCNCTL" -s "$SOCK" audit 5 | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' ||
	vcn_fail "audit lines are not JSON"
vcn_log "PASS"
