/* vcnd's auto-scaling: per VO with an autoscale { } section, every tick
 * the demand is read (a command with argv, a file, or a metric in gmetad's
 * XML), idle VCNs are tracked from the fairness loop's CPU use, and
 * lib/autoscale decides. Scale out raises the VO's desired count (reconcile
 * launches on the least-loaded hosts that are up, not draining and have the
 * memory); scale in lowers it and asks the chosen idle VCNs' guests to shut
 * down, destroying them after shutdown_timeout (reconcile picks no victim
 * of its own meanwhile). Demand and the ideal count per VO are published
 * as the spoofed Ganglia host "vcnd" (web.c adds target, running, ready). */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "cluster.h"
#include "collector.h"
#include "demand.h"
#include "gmetad_xml.h"
#include "gsend.h"
#include "log.h"
#include "parse.h"

/* Is a graceful scale-in of VO @vo under way? Caller holds d->lock. */
bool vcnd_cluster_scaling_in_locked(struct vcnd *d, int vo)
{
	struct vcnd_cluster *cl = d->cluster;

	for (unsigned i = 0; cl && i < VCND_MAX_SHUTDOWNS; i++)
		if (cl->shut[i].vcn[0] && cl->shut[i].vo == vo && vcnd_cluster_find(d, cl->shut[i].vcn))
			return true;
	return false;
}

static double read_demand(struct vcnd *d, struct vcnd_as_vo *a)
{
	struct vcnd_cluster *cl = d->cluster;
	double v = NAN;

	switch (a->source) {
	case VCN_DEMAND_COMMAND:
		if (a->argv && vcn_demand_command(a->argv, (unsigned)a->timeout_ms, &v) < 0)
			v = NAN;
		break;
	case VCN_DEMAND_FILE:
		if (vcn_demand_file(a->file, &v) < 0)
			v = NAN;
		break;
	case VCN_DEMAND_GANGLIA: {
		struct vcn_gmetad *g = NULL;
		char addr[128], *colon, *xml = NULL;
		unsigned port = 0;
		size_t len = 0;

		snprintf(addr, sizeof(addr), "%s", cl->gmetad);
		colon = strrchr(addr, ':');
		if (!colon || vcn_parse_uint(colon + 1, 1, 65535, &port) < 0)
			break;
		*colon = '\0';
		if (vcn_gmetad_fetch(addr, port, (unsigned)a->timeout_ms, &xml, &len) == 0 &&
		    vcn_gmetad_parse(xml, len, 0, &g) == 0 &&
		    vcn_demand_ganglia(g, a->metric_cluster[0] ? a->metric_cluster : NULL, a->metric_host, a->metric,
				       &v) < 0)
			v = NAN;
		vcn_gmetad_free(g);
		free(xml);
		break;
	}
	default:
		break;
	}
	return v;
}

static uint64_t *idle_slot(struct vcnd_as_vo *a, const char *name)
{
	for (unsigned i = 0; i < a->nidle; i++)
		if (strcmp(a->idle[i].name, name) == 0)
			return &a->idle[i].idle_since_ms;
	if (a->nidle == sizeof(a->idle) / sizeof(a->idle[0]))
		return NULL;
	snprintf(a->idle[a->nidle].name, sizeof(a->idle[0].name), "%s", name);
	a->idle[a->nidle].idle_since_ms = 0;
	return &a->idle[a->nidle++].idle_since_ms;
}

/* Ask @vcn's guest to shut down; destroy it at the deadline. */
static void begin_shutdown(struct vcnd *d, int vo, const char *vcn)
{
	struct vcnd_cluster *cl = d->cluster;
	virDomainPtr dom = NULL;
	struct vcnd_vcn *v;
	int host = -1;
	unsigned slot;

	for (slot = 0; slot < VCND_MAX_SHUTDOWNS && cl->shut[slot].vcn[0]; slot++)
		;
	if (slot == VCND_MAX_SHUTDOWNS)
		return;
	snprintf(cl->shut[slot].vcn, sizeof(cl->shut[slot].vcn), "%s", vcn);
	cl->shut[slot].vo = vo;
	cl->shut[slot].deadline_ns = vcn_now_ns() + cl->as[vo].pol.shutdown_timeout_ms * 1000000ull;
	pthread_mutex_lock(&d->lock);
	v = vcnd_cluster_find(d, vcn);
	if (v)
		host = v->host;
	pthread_mutex_unlock(&d->lock);
	if (host >= 0 && d->hosts[host].conn)
		dom = virDomainLookupByName(d->hosts[host].conn, vcn);
	if (dom) {
		if (virDomainShutdown(dom) < 0)
			vcn_debug("VCN '%s': guest shutdown refused; destroyed at the deadline", vcn);
		virDomainFree(dom);
	}
}

/* Destroy the VCNs whose guests did not stop within the timeout; forget
 * the slots of those that are gone. */
static void finish_shutdowns(struct vcnd *d)
{
	struct vcnd_cluster *cl = d->cluster;
	uint64_t now = vcn_now_ns();

	for (unsigned i = 0; i < VCND_MAX_SHUTDOWNS; i++) {
		struct vcnd_shutdown *s = &cl->shut[i];
		char err[256];
		bool known;

		if (!s->vcn[0])
			continue;
		pthread_mutex_lock(&d->lock);
		known = vcnd_cluster_find(d, s->vcn) != NULL;
		pthread_mutex_unlock(&d->lock);
		if (!known) {
			vcn_info("VCN '%s' shut down (scale in)", s->vcn);
			s->vcn[0] = '\0';
			continue;
		}
		if (now < s->deadline_ns)
			continue;
		if (vcnd_destroy(d, s->vcn, err, sizeof(err)) < 0 && !strstr(err, "no VCN"))
			vcn_warn("scale in: cannot destroy '%s': %s", s->vcn, err);
		else
			vcn_info("VCN '%s' destroyed after its shutdown timeout (scale in)", s->vcn);
		s->vcn[0] = '\0';
	}
}

/* Per VO with autoscale: its demand and the ideal count it asks for, as
 * vcn_vo_VO_demand / vcn_vo_VO_ideal of the spoofed host vcnd (web.c
 * publishes target, running and ready for every VO under the same host). */
static void publish(struct vcnd *d)
{
	struct vcnd_cluster *cl = d->cluster;
	struct vcn_mvals l = { 0 };

	if (!d->gsend)
		return;
	for (unsigned vo = 0; vo < d->nvos; vo++) {
		const struct vcnd_as_vo *a = &cl->as[vo];

		if (!a->enabled || isnan(a->demand))
			continue;
		vcn_mvals_add_float(&l, a->demand, "jobs", "vcn_vo", "VO demand", "vcn_vo_%s_demand", d->vos[vo].name);
		vcn_mvals_add_float(&l, a->ideal, "VCNs", "vcn_vo", "VO ideal VCNs", "vcn_vo_%s_ideal", d->vos[vo].name);
	}
	if (l.n)
		vcn_gsend_host(d->gsend, VCND_GHOST, &l, true);
	vcn_mvals_free(&l);
}

/* The main loop's tick: one decision per VO with autoscale. */
void vcnd_autoscale_tick(struct vcnd *d)
{
	struct vcnd_cluster *cl = d->cluster;
	uint64_t now_ms = vcn_now_ns() / 1000000u;
	bool any = false;

	if (!cl)
		return;
	finish_shutdowns(d);
	for (unsigned vo = 0; vo < d->nvos; vo++) {
		struct vcnd_as_vo *a = &cl->as[vo];
		struct vcn_as_vcn *vs = NULL;
		struct vcn_as_decision dec;
		char names[256][VCND_NAME_MAX];
		size_t n = 0;
		bool shutting;

		if (!a->enabled)
			continue;
		any = true;
		a->demand = read_demand(d, a);
		pthread_mutex_lock(&d->lock);
		shutting = vcnd_cluster_scaling_in_locked(d, (int)vo);
		vs = calloc(d->nvcns + 1, sizeof(*vs));
		for (size_t i = 0; vs && i < d->nvcns && n < 256; i++) {
			struct vcnd_vcn *v = &d->vcns[i];
			uint64_t *idle;
			bool gone = false;

			if (strcmp(v->vo, d->vos[vo].name) != 0 || v->state == VCND_FAILED)
				continue;
			for (unsigned k = 0; k < VCND_MAX_SHUTDOWNS; k++)
				gone |= strcmp(cl->shut[k].vcn, v->name) == 0;
			if (gone)
				continue;
			snprintf(vs[n].name, sizeof(vs[n].name), "%s", v->name);
			vs[n].ready = v->state == VCND_READY;
			idle = idle_slot(a, v->name);
			vs[n].idle_since_ms = idle ? *idle : 0;
			/* busy unless measured below the threshold (no measurement: busy) */
			vcn_as_track(&a->pol, &vs[n], v->fair_seen ? v->use.cpu_used / (v->vcpus ? v->vcpus : 1) : 1.0,
				     now_ms);
			if (idle)
				*idle = vs[n].idle_since_ms;
			snprintf(names[n], sizeof(names[n]), "%s", v->name);
			n++;
		}
		pthread_mutex_unlock(&d->lock);
		if (!vs)
			continue;
		if (shutting) {
			snprintf(a->why, sizeof(a->why), "scale in under way");
			free(vs);
			continue;
		}
		if (vcn_as_decide(&a->pol, &a->st, a->demand, vs, n, now_ms, &dec) == 0) {
			a->ideal = dec.ideal;
			snprintf(a->why, sizeof(a->why), "%s", dec.why);
			if (dec.add || dec.n_remove) {
				pthread_mutex_lock(&d->lock);
				d->desired[vo] = dec.target;
				pthread_mutex_unlock(&d->lock);
				vcnd_desired_save(d);
				vcn_info("VO '%s': demand %g, %zu VCNs -> %u (%s)", d->vos[vo].name, a->demand, n, dec.target,
					 dec.why);
				vcn_audit_log(&d->audit, "scale", NULL, NULL, "VO %s: demand %g, ideal %u, %zu -> %u (%s)",
					      d->vos[vo].name, a->demand, dec.ideal, n, dec.target, dec.why);
				for (size_t k = 0; k < dec.n_remove; k++) {
					vcn_audit_log(&d->audit, "scale", names[dec.remove[k]], NULL,
						      "VO %s: idle, shut down (destroyed after %llu ms)", d->vos[vo].name,
						      (unsigned long long)a->pol.shutdown_timeout_ms);
					begin_shutdown(d, (int)vo, names[dec.remove[k]]);
				}
			}
			vcn_as_decision_clear(&dec);
		}
		free(vs);
	}
	if (any)
		publish(d);
}
