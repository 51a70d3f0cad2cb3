#!/usr/bin/env python3
"""domstats-shares: each domain's share of what all of them used between two
`virsh domstats --cpu-total --block --interface` dumps, and Jain's index of
share / entitlement (the fairness measure of issue 4), measured outside vcnd.

  domstats-shares.py BEFORE AFTER T0 T1 NAME=WEIGHT...

Prints one JSON object: per resource (cpu: cpu.time; disk: block rd+wr bytes;
net: interface rx+tx bytes) the shares, the rate per domain (CPUs, or bytes/s)
and Jain's index over share / (weight / sum of weights)."""
import json
import sys


def load(path):
    doms, cur = {}, None
    for line in open(path):
        line = line.strip()
        if line.startswith("Domain:"):
            cur = line.split("'")[1]
            doms[cur] = {"cpu": 0, "disk": 0, "net": 0}
        elif cur and "=" in line:
            k, v = line.split("=", 1)
            try:
                v = int(v)
            except ValueError:
                continue
            if k == "cpu.time":
                doms[cur]["cpu"] = v / 1e9
            elif k.startswith("block.") and (k.endswith(".rd.bytes") or k.endswith(".wr.bytes")):
                doms[cur]["disk"] += v
            elif k.startswith("net.") and (k.endswith(".rx.bytes") or k.endswith(".tx.bytes")):
                doms[cur]["net"] += v
    return doms


def jain(x):
    s2 = sum(v * v for v in x)
    return sum(x) ** 2 / (len(x) * s2) if s2 > 0 else 1.0


def main():
    a, b = load(sys.argv[1]), load(sys.argv[2])
    wall = float(sys.argv[4]) - float(sys.argv[3])
    weights = dict((kv.split("=")[0], float(kv.split("=")[1])) for kv in sys.argv[5:])
    wsum = sum(weights.values())
    out = {"wall_s": round(wall, 1)}
    for r in ("cpu", "disk", "net"):
        used = {k: max(0.0, b[k][r] - a[k][r]) for k in weights if k in a and k in b}
        if len(used) != len(weights):
            sys.exit("domstats-shares: missing domains: %s" % sorted(set(weights) - set(used)))
        tot = sum(used.values())
        share = {k: (used[k] / tot if tot > 0 else 0.0) for k in weights}
        x = [share[k] / (weights[k] / wsum) for k in weights]
        out[r] = {"jain": round(jain(x), 4), "share": {k: round(v, 4) for k, v in share.items()},
                  "rate": {k: round(used[k] / wall, 3) for k in weights}}
    # test 07 and older callers read these at the top level
    out["jain"], out["share"], out["cpus"] = out["cpu"]["jain"], out["cpu"]["share"], out["cpu"]["rate"]
    print(json.dumps(out))


main()
