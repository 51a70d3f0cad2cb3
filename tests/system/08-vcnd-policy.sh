#!/bin/bash
# System test: vcnd applies policies and placement at launch, on a namespace
# host with real libvirtd and TCG guests. A rules file with weight, cap and
# pin strategies and VOs with a cpu_mode: the domain XML carries the
# expected <cputune> (shares, global quota, vcpupin/emulatorpin) and <cpu>
# (host-passthrough falls back to TCG's "maximum"; migration-safe is the
# baseline of the connected hosts); `vcnctl pin` shows the map; dedicated
# placement that would overcommit fails the launch with the reason; a bad
# rules file makes `vcnd -n` and `vcnctl check` fail with file:line and a
# reload with it is refused while the old rules stay in force.
set -euo pipefail
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/../harness/libvirt.sh"
. "$(dirname "$0")/../harness/nshost.sh"
. "$(dirname "$0")/../harness/vcnd.sh"

vcn_vcnd_need
vcn_scratch_init 08-vcnd-policy

vcn_guest_image
vcn_nshost_up h 1
URI=$(vcn_nshost_uri h)
VCN_LIBVIRT_URI=$URI vcn_net_up vcn08net vcn08br0 10.250.8.1/24
VIRSH=(vcn_virsh "$URI")
S=$VCN_SCRATCH
SOCK=$S/vcnd.sock
mkdir -p "$S/scratch"
chmod 755 "$S/scratch"
NCPUS=$(nproc)

vo() { # NAME VCPUS CPU_MODE
	cat <<VO
vo "$1" {
  image = "$VCN_GUEST_OUT/base.qcow2"
  kernel = "$VCN_GUEST_OUT/vmlinuz"
  initrd = "$VCN_GUEST_OUT/initrd.img"
  cmdline = "console=ttyS0 quiet vcn.workload=idle"
  vcpus = $2
  memory = "128M"
  cpu_mode = "$3"
  network = "vcn08net"
  min = 0
  max = 4
}
VO
}
cat >"$S/vcnd.conf" <<CONF
globals {
  state_dir = "$S/state"
  scratch_dir = "$S/scratch"
  control_socket = "$SOCK"
  audit_log = "$S/audit.jsonl"
  interval = "2s"
  rules_file = "rules.conf"
}
host "local" {
  uri = "$URI"
}
$(vo physics 2 host-passthrough)
$(vo chem 1 migration-safe)
$(vo big $((NCPUS + 1)) default)
CONF
cat >"$S/rules.conf" <<'RULES'
# test 08
vo:physics   weight=3000 cpu_cap=150 pin=spread
vo:chem      pin=pack
vo:big       pin=dedicated
*            weight=auto
RULES
cp "$S/rules.conf" "$S/rules.good"

# --- vcnd -n with rules; a bad rules file gives file:line --------------------------
"$VCND" -n -c "$S/vcnd.conf" >"$S/n.out" || vcn_fail "vcnd -n rejects valid config + rules"
grep -q "rules $S/rules.conf: 4" "$S/n.out" || vcn_fail "vcnd -n does not count the rules: $(cat "$S/n.out")"
sed 's/weight=3000/weight=3000x/' "$S/rules.good" >"$S/rules.conf"
if "$VCND" -n -c "$S/vcnd.conf" 2>"$S/bad.err"; then vcn_fail "vcnd -n accepted weight=3000x"; fi
grep -q "$S/rules.conf:2:" "$S/bad.err" || vcn_fail "no '$S/rules.conf:2:' in: $(cat "$S/bad.err")"
vcn_log "vcnd -n: bad rules rejected with $(grep -m1 rules.conf: "$S/bad.err")"
sed 's/weight=3000/weight=3000 partition=\/machine\/vo-none/' "$S/rules.good" >"$S/rules.conf"
if "$VCND" -n -c "$S/vcnd.conf" 2>"$S/bad2.err"; then vcn_fail "vcnd -n accepted a rule naming no partition"; fi
grep -q "$S/rules.conf:2: partition '/machine/vo-none'" "$S/bad2.err" ||
	vcn_fail "unknown partition not reported at file:line: $(cat "$S/bad2.err")"
cp "$S/rules.good" "$S/rules.conf"

# --- start, launch, check the domain XML ------------------------------------------------
vcn_on_exit vcn_vcnd_stop
vcn_vcnd_start
"$VCNCTL" -s "$SOCK" launch physics 1 >"$S/l1.out" 2>&1 || vcn_fail "launch physics: $(cat "$S/l1.out")"
"$VCNCTL" -s "$SOCK" launch chem 1 >"$S/l2.out" 2>&1 || vcn_fail "launch chem: $(cat "$S/l2.out")"

"${VIRSH[@]}" dumpxml physics-1 >"$S/physics-1.xml"
"${VIRSH[@]}" dumpxml chem-1 >"$S/chem-1.xml"
python3 - "$S/physics-1.xml" "$S/chem-1.xml" <<'PY' || vcn_fail "domain XML does not carry the policy (see above)"
import sys, xml.etree.ElementTree as ET
p = ET.parse(sys.argv[1]).getroot()
c = ET.parse(sys.argv[2]).getroot()
bad = []
def want(cond, msg):
    if not cond: bad.append(msg)
t = p.find("cputune")
want(t is not None, "physics-1: no <cputune>")
if t is not None:
    want(t.findtext("shares") == "3000", "physics-1: shares %r, want 3000" % t.findtext("shares"))
    want(t.findtext("global_quota") == "150000", "physics-1: global_quota %r" % t.findtext("global_quota"))
    want(t.findtext("global_period") == "100000", "physics-1: global_period %r" % t.findtext("global_period"))
    pins = t.findall("vcpupin")
    want(len(pins) == 2 and all(x.get("cpuset") for x in pins), "physics-1: want 2 vcpupin, got %d" % len(pins))
    if len(pins) == 2:  # spread: the two vCPUs on different CPUs when there are two
        want(pins[0].get("cpuset") != pins[1].get("cpuset"), "physics-1: spread put both vCPUs on one CPU")
    want(t.find("emulatorpin") is not None, "physics-1: no emulatorpin")
cpu = p.find("cpu")
want(cpu is not None and cpu.get("mode") == "maximum",
     "physics-1: <cpu mode=%r>, want maximum (TCG's host-passthrough)" % (cpu.get("mode") if cpu is not None else None))
t = c.find("cputune")
want(t is not None and t.findtext("shares") == "1024", "chem-1: shares want 1024 (auto, 1 vCPU)")
want(t is not None and t.find("global_quota") is None, "chem-1: has a cap it was not given")
cpu = c.find("cpu")
want(cpu is not None and cpu.get("mode") == "custom" and cpu.findtext("model"),
     "chem-1: migration-safe should be a custom <cpu> with a model")
for b in bad: print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
vcn_log "domain XML: physics-1 $(grep -o '<shares>.*</shares>' "$S/physics-1.xml"), $(grep -o "<cpu mode='[a-z-]*'" "$S/physics-1.xml"); chem-1 $(grep -o '<model[^>]*>[^<]*' "$S/chem-1.xml" | head -1)"

# --- the pin map ----------------------------------------------------------------------
"$VCNCTL" -s "$SOCK" pin >"$S/pin.out" || vcn_fail "vcnctl pin failed"
grep -q physics-1 "$S/pin.out" && grep -q chem-1 "$S/pin.out" || vcn_fail "pin map lacks the VCNs: $(cat "$S/pin.out")"
"$VCNCTL" -s "$SOCK" --json pin >"$S/pin.json" || vcn_fail "vcnctl --json pin failed"
python3 - "$S/pin.json" "$S/physics-1.xml" <<'PY' || vcn_fail "pin --json does not match the domain's vcpupin"
import json, sys, xml.etree.ElementTree as ET
d = json.load(open(sys.argv[1]))
vms = {v["name"]: v for v in d["hosts"]["local"]["vms"]}
xml = {x.get("vcpu"): x.get("cpuset") for x in ET.parse(sys.argv[2]).getroot().find("cputune").findall("vcpupin")}
got = {str(x["vcpu"]): x["cpus"] for x in vms["physics-1"]["vcpus"]}
sys.exit(0 if d["ok"] and got == xml and "chem-1" in vms else 1)
PY
vcn_log "pin map: $(grep -c . "$S/pin.out") lines, JSON agrees with physics-1's <vcpupin>"
# the pins are in force in the running qemu, not only in the XML
"${VIRSH[@]}" vcpupin physics-1 >"$S/vcpupin.live"
python3 - "$S/vcpupin.live" "$S/physics-1.xml" <<'PY' || vcn_fail "live vCPU affinity differs from <vcpupin>: $(cat "$S/vcpupin.live")"
import re, sys, xml.etree.ElementTree as ET
live = dict(re.findall(r"^\s*(\d+)\s+(\S+)\s*$", open(sys.argv[1]).read(), re.M))
xml = {x.get("vcpu"): x.get("cpuset") for x in ET.parse(sys.argv[2]).getroot().find("cputune").findall("vcpupin")}
sys.exit(0 if live == xml else 1)
PY
vcn_log "live affinity of physics-1: $(tr -s ' \n' ' ' <"$S/vcpupin.live")"

# --- dedicated that would overcommit fails the launch with the reason ------------------
if "$VCNCTL" -s "$SOCK" launch big 1 >"$S/big.out" 2>&1; then vcn_fail "dedicated launch of $((NCPUS + 1)) vCPUs on $NCPUS CPUs succeeded"; fi
grep -q "pin=dedicated refused" "$S/big.out" || vcn_fail "dedicated refusal does not say why: $(cat "$S/big.out")"
! "${VIRSH[@]}" domid big-1 >/dev/null 2>&1 || vcn_fail "big-1 exists after a refused placement"
"$VCNCTL" -s "$SOCK" scale big 0 >/dev/null 2>&1 || true
vcn_log "dedicated: $(grep -o 'pin=dedicated refused.*' "$S/big.out" | head -1)"

# --- a bad rules file: check reports it, reload refused, old rules stay ---------------
sed 's/pin=pack/pin=packed/' "$S/rules.good" >"$S/rules.conf"
if "$VCNCTL" -s "$SOCK" check >"$S/check.out" 2>&1; then vcn_fail "vcnctl check accepted pin=packed"; fi
grep -q "$S/rules.conf:3:" "$S/check.out" || vcn_fail "vcnctl check: no file:line in $(cat "$S/check.out")"
"$VCNCTL" -s "$SOCK" reload >/dev/null
vcn_wait_for 10 grep -q '"action":"reload-refused"' "$S/audit.jsonl" || vcn_fail "bad rules reload not refused"
"$VCNCTL" -s "$SOCK" launch physics 1 >"$S/l3.out" 2>&1 || vcn_fail "launch after refused reload: $(cat "$S/l3.out")"
"${VIRSH[@]}" dumpxml physics-2 | grep -q '<shares>3000</shares>' || vcn_fail "physics-2 does not have the old rules' shares"
vcn_log "bad rules: check says $(grep -m1 rules.conf: "$S/check.out"); reload refused; old rules in force"

# a good change reloads: physics weight 3000 -> 500
sed 's/weight=3000/weight=500/' "$S/rules.good" >"$S/rules.conf"
"$VCNCTL" -s "$SOCK" check >"$S/check2.out" || vcn_fail "vcnctl check rejects good rules: $(cat "$S/check2.out")"
"$VCNCTL" -s "$SOCK" reload >/dev/null
vcn_wait_for 10 grep -q '"action":"reload"' "$S/audit.jsonl" || vcn_fail "good rules reload not applied"
"$VCNCTL" -s "$SOCK" launch physics 1 >"$S/l4.out" 2>&1 || vcn_fail "launch after reload: $(cat "$S/l4.out")"
"${VIRSH[@]}" dumpxml physics-3 | grep -q '<shares>500</shares>' || vcn_fail "physics-3 does not have the new rules' shares"
vcn_log "good rules reloaded: new launches get shares 500"

"$VCNCTL" -s "$SOCK" scale physics 0 >/dev/null || vcn_fail "scale physics 0 failed"
"$VCNCTL" -s "$SOCK" scale chem 0 >/dev/null || vcn_fail "scale chem 0 failed"
vcn_log "PASS"
