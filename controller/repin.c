/* Re-pinning at run time: the vCPUs of spread-pinned VCNs follow measured
 * load. lib/pinning.c decides (imbalance over a threshold, moves that narrow
 * it, hysteresis so that a map it made is not moved again at the same
 * loads); this file feeds it the loads the fairness pass measured and
 * applies the moves through libvirt, each logged with its reason. Pack and
 * dedicated VCNs and unpinned ones (pin=none) are never moved. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "collector.h"
#include "log.h"
#include "pinning.h"
#include "vcnd.h"

struct repin {
	char vm[VCND_NAME_MAX];
	unsigned vcpu;
	int from, to;
	double load;
};

/* Measured busy fraction of @name's vCPU @i (0..1), or NAN when unknown. */
static double vcpu_load(const struct vcn_collector *c, const char *name, unsigned i)
{
	size_t k;

	for (k = 0; k < c->n; k++) {
		const struct vcn_vmmetrics *m = &c->vms[k].m;

		if (!c->vms[k].publish || strcmp(c->vms[k].name, name) != 0)
			continue;
		if (i >= m->nvcpus || i >= VCN_VMSAMPLE_MAX_VCPUS || isnan(m->vcpu[i].util_pct))
			return NAN;
		return m->vcpu[i].util_pct / 100.0 > 1.0 ? 1.0 : m->vcpu[i].util_pct / 100.0;
	}
	return NAN;
}

/* Plan under d->lock: the moves lib/pinning.c proposes for @host at the
 * loads in @coll, copied out with the VCN names. Returns how many (0: none,
 * or a load is unknown: no decision on a guess), or -errno. */
static int plan(struct vcnd *d, int host, const struct vcn_collector *coll, struct repin **out)
{
	const struct vcn_topology *t = NULL;
	struct vcn_pin_vm *vms = NULL;
	struct vcn_pin_vcpu *cpus = NULL;
	struct vcn_pin_move *moves = NULL;
	struct vcn_rebalance_opts opts = { 0 };
	struct vcn_cpuset reserved;
	unsigned nvms = 0, nmoves = 0, i, j;
	bool spread = false;
	int rc;

	*out = NULL;
	vcn_cpuset_zero(&reserved);
	rc = vcnd_host_topology(&d->hosts[host], &t);
	if (rc < 0)
		return rc;
	rc = vcnd_pin_input(d, host, NULL, &vms, &cpus, &nvms);
	if (rc < 0)
		return rc;
	for (i = 0; i < nvms; i++) {
		for (j = 0; j < vms[i].nvcpus; j++) {
			double l = vcpu_load(coll, vms[i].name, j);

			if (isnan(l)) {
				rc = 0; /* not measured yet (just launched, or libvirt late) */
				goto cleanup;
			}
			vms[i].vcpus[j].load = l;
			if (vms[i].strategy == VCN_PIN_SPREAD && !vcn_cpuset_empty(&vms[i].vcpus[j].cpus))
				spread = true;
		}
	}
	if (!spread) {
		rc = 0;
		goto cleanup;
	}
	rc = vcn_pinning_rebalance(t, &reserved, vms, nvms, &opts, &moves, &nmoves);
	if (rc < 0 || nmoves == 0)
		goto cleanup;
	*out = calloc(nmoves, sizeof(**out));
	if (!*out) {
		rc = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < nmoves; i++) {
		snprintf((*out)[i].vm, sizeof((*out)[i].vm), "%s", vms[moves[i].vm].name);
		(*out)[i].vcpu = moves[i].vcpu;
		(*out)[i].from = moves[i].from;
		(*out)[i].to = moves[i].to;
		(*out)[i].load = moves[i].load;
	}
	rc = (int)nmoves;
cleanup:
	free(moves);
	free(vms);
	free(cpus);
	return rc;
}

/* Move one vCPU in the running domain, then in vcnd's map. */
static void apply(struct vcnd *d, int host, virConnectPtr conn, int ncpus, const struct repin *r)
{
	unsigned char map[VIR_CPU_MAPLEN(VCN_CPUSET_MAX)];
	virDomainPtr dom = virDomainLookupByName(conn, r->vm);
	const char *hname = d->hosts[host].name;
	size_t i;

	memset(map, 0, sizeof(map));
	if (r->to < 0 || r->to >= ncpus || r->to >= VCN_CPUSET_MAX)
		return;
	VIR_USE_CPU(map, r->to);
	if (!dom || virDomainPinVcpuFlags(dom, r->vcpu, map, VIR_CPU_MAPLEN(ncpus), VIR_DOMAIN_AFFECT_LIVE) < 0) {
		virErrorPtr e = virGetLastError();

		vcn_warn("repin: %s vCPU %u -> CPU %d on '%s' failed: %s", r->vm, r->vcpu, r->to, hname,
			 e && e->message ? e->message : "unknown error");
		vcn_audit_log(&d->audit, "pin-failed", r->vm, hname, "vCPU %u -> CPU %d: %s", r->vcpu, r->to,
			      e && e->message ? e->message : "unknown error");
		if (dom)
			virDomainFree(dom);
		return;
	}
	virDomainFree(dom);
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->nvcns; i++) {
		struct vcnd_vcn *v = &d->vcns[i];

		if (v->host == host && strcmp(v->name, r->vm) == 0 && r->vcpu < v->npins) {
			vcn_cpuset_zero(&v->pins[r->vcpu]);
			vcn_cpuset_add(&v->pins[r->vcpu], r->to);
		}
	}
	pthread_mutex_unlock(&d->lock);
	vcn_info("repin: %s vCPU %u CPU %d -> %d on '%s' (load %.0f%%: CPUs unbalanced)", r->vm, r->vcpu,
		 r->from, r->to, hname, 100.0 * r->load);
	vcn_audit_log(&d->audit, "pin", r->vm, hname, "load: vCPU %u (%.0f%% busy) CPU %d -> %d, CPUs unbalanced",
		      r->vcpu, 100.0 * r->load, r->from, r->to);
}

/* One re-pinning pass over host @host (connection @conn, a reference the
 * caller holds) with the loads measured in @coll. Caller does not hold
 * d->lock. Returns the number of moves proposed, or -errno. */
int vcnd_repin(struct vcnd *d, int host, virConnectPtr conn, const struct vcn_collector *coll)
{
	struct repin *moves = NULL;
	int n, i, ncpus = 0;

	pthread_mutex_lock(&d->lock);
	n = plan(d, host, coll, &moves);
	if (n > 0 && d->hosts[host].topo)
		ncpus = (int)d->hosts[host].topo->ncpus;
	pthread_mutex_unlock(&d->lock);
	for (i = 0; i < n && ncpus > 0; i++)
		apply(d, host, conn, ncpus, &moves[i]);
	free(moves);
	return n;
}
