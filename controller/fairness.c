/* vcnd's fairness loop: per host, one collector (lib/collector.c: libvirt
 * in a worker thread with a timeout, cgroups when libvirt does not answer)
 * feeds the pure controller (lib/fairctl.c) with the VCNs' usage; its
 * actions go to libvirt through lib/vmlimits.c, each one logged and
 * audited with its reason. Indices are published to Ganglia.
 *
 * Cost and safety: each host has a thread of its own that the main loop
 * only kicks once per interval (never waits for), so a slow or hung host
 * holds up nothing but its own thread; kicks that arrive while a pass is
 * running coalesce. A pass is one bulk-stats round trip (the collector's
 * worker, with a timeout of 10 intervals, max 30 s; a pass on the cgroup
 * fallback only keeps the collector's rates going, nothing is decided on
 * it); vcnd's
 * connection (a reference taken under the lock) is only used to read
 * limits back once per VCN and to apply actions, and only when that
 * round trip succeeded.
 *
 * Ganglia: everything is sent as one spoofed host, "vcnd" (VCND_GHOST,
 * vcnd.h), so that per-host and per-VO indices sit together whatever the
 * cluster's host list: vcn_fair_{cpu,disk,net}_HOST (Jain's index among
 * that host's contending VCNs), vcn_fair_cpu_vo_VO (Jain over the VO's
 * contending VCNs on all hosts, each against its fair share of its host)
 * and vcn_ready_s_VCN (launch-to-ready, for VCNs vcnd launched). */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "fairness.h"
#include "gsend.h"
#include "json.h"
#include "log.h"
#include "policy.h"
#include "vcnd.h"

#define FAIR_METADATA_EVERY 30 /* ticks between metadata resends */
#define READ_BACK_EVERY 15      /* passes between reading limits back from libvirt */
#define REPIN_EVERY 15          /* passes between re-pinning looks (load must hold a while) */

/* One VCN's inputs for a step, copied out from under d->lock. */
struct fair_item {
	char name[VCND_NAME_MAX];
	struct vcn_fairctl_vm vm;
	struct vcn_fairctl_policy pol;
	struct vcn_vm_limits cur;
	enum vcn_netlimit_mech mech;
	bool known;
	double weight, share;
};

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t len = strnlen(src, size - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

static bool cgroup_v2_here(void)
{
	/* limits are applied on the host, but the hosts vcnd manages are
	 * expected to share one cgroup layout: use ours */
	return access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
}

static void host_tick(struct vcnd_fair_host *f);

/* The host's thread: one measure-decide-act pass per kick. */
static void *host_main(void *arg)
{
	struct vcnd_fair_host *f = arg;

	pthread_mutex_lock(&f->mtx);
	while (!f->quit) {
		if (!f->kick) {
			pthread_cond_wait(&f->cond, &f->mtx);
			continue;
		}
		f->kick = false;
		f->busy = true;
		pthread_mutex_unlock(&f->mtx);
		host_tick(f);
		pthread_mutex_lock(&f->mtx);
		f->busy = false;
	}
	pthread_mutex_unlock(&f->mtx);
	return NULL;
}

/* Stop host @i's thread and collector. A thread busy in libvirt is left
 * behind with its memory (it sees quit when libvirt returns, and the
 * collector's own stop already handles its stuck worker). */
static void host_stop(struct vcnd *d, unsigned i)
{
	struct vcnd_fair_host *f = d->fair[i];
	bool busy;

	if (!f)
		return;
	pthread_mutex_lock(&d->lock);
	d->fair[i] = NULL;
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_lock(&f->mtx);
	f->quit = true;
	busy = f->busy;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->mtx);
	if (busy) {
		vcn_warn("fairness: host '%s' still busy in libvirt; leaving its thread behind", f->uri);
		pthread_detach(f->thread);
		return;
	}
	pthread_join(f->thread, NULL);
	if (f->started) {
		vcn_collector_stop(&f->coll);
		vcn_collector_conf_free(&f->cconf);
	}
	if (f->fc_ok)
		vcn_fairctl_free(&f->fc);
	free(f);
}

static int host_start(struct vcnd *d, unsigned i)
{
	struct vcnd_fair_host *f;
	uint64_t timeout;
	int rc;

	host_stop(d, i);
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->d = d;
	f->idx = i;
	copy_str(f->uri, sizeof(f->uri), d->hosts[i].uri);
	rc = vcn_collector_conf_init(&f->cconf);
	if (rc < 0) {
		free(f);
		return rc;
	}
	copy_str(f->cconf.uri, sizeof(f->cconf.uri), d->hosts[i].uri);
	f->cconf.interval_ms = d->interval_ms;
	/* only this host's thread waits: a loaded TCG host's libvirtd can take
	 * several seconds for the bulk stats, and cgroups are only a fallback */
	timeout = d->interval_ms * 10;
	if (timeout > 30000)
		timeout = 30000;
	f->cconf.libvirt_timeout_ms = timeout;
	f->jain_cpu = f->jain_disk = f->jain_net = NAN;
	pthread_mutex_init(&f->mtx, NULL);
	pthread_cond_init(&f->cond, NULL);
	rc = vcn_collector_start(&f->coll, &f->cconf);
	if (rc < 0) {
		vcn_collector_conf_free(&f->cconf);
		free(f);
		return rc;
	}
	f->started = true;
	rc = pthread_create(&f->thread, NULL, host_main, f);
	if (rc != 0) {
		vcn_err("fairness: cannot start a thread for host '%s': %s", d->hosts[i].name, strerror(rc));
		vcn_collector_stop(&f->coll);
		vcn_collector_conf_free(&f->cconf);
		free(f);
		return -rc;
	}
	pthread_mutex_lock(&d->lock);
	d->fair[i] = f;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static void gsend_close(struct vcnd *d)
{
	if (!d->gsend)
		return;
	vcn_gsend_close(d->gsend);
	free(d->gsend);
	d->gsend = NULL;
}

static void gsend_open(struct vcnd *d)
{
	struct vcn_gsend *g;
	unsigned tmax = (unsigned)(d->interval_ms / 1000) * 2 + 1;

	gsend_close(d);
	if (!d->gmond_conf[0])
		return;
	g = calloc(1, sizeof(*g));
	if (!g)
		return;
	if (vcn_gsend_open_file(g, d->gmond_conf, tmax, tmax * 10) < 0) {
		vcn_warn("fairness indices not published: cannot use '%s'", d->gmond_conf);
		free(g);
		return;
	}
	d->gsend = g;
}

/* Start one collector per configured host and the Ganglia channels.
 * Returns 0, or -errno when a collector thread cannot start (logged). */
int vcnd_fair_start(struct vcnd *d)
{
	unsigned i;
	int rc;

	vcn_limits_init(&d->limits);
	for (i = 0; i < d->nhosts; i++) {
		rc = host_start(d, i);
		if (rc < 0)
			return rc;
	}
	gsend_open(d);
	if (d->fairness_target <= 0)
		vcn_info("fairness: target 0: measuring and publishing only, no limits changed");
	return 0;
}

/* After a reload: restart the collectors whose host changed, stop those of
 * hosts that went, reopen the Ganglia channels, take the new target. */
void vcnd_fair_reload(struct vcnd *d)
{
	unsigned i;

	for (i = 0; i < VCND_MAX_HOSTS; i++) {
		struct vcnd_fair_host *f = d->fair[i];

		if (i >= d->nhosts) {
			host_stop(d, i);
			continue;
		}
		if (!f || strcmp(f->uri, d->hosts[i].uri) != 0 || f->cconf.interval_ms != d->interval_ms)
			if (host_start(d, i) < 0)
				vcn_warn("fairness: no collector for host '%s'", d->hosts[i].name);
	}
	gsend_open(d);
}

/* Stop every collector and close the channels. */
void vcnd_fair_stop(struct vcnd *d)
{
	unsigned i;

	for (i = 0; i < VCND_MAX_HOSTS; i++)
		host_stop(d, i);
	gsend_close(d);
}

static void policy_of(struct vcnd *d, const struct vcnd_vcn *v, struct fair_item *it)
{
	struct vcn_policy_limits pl;

	memset(&it->pol, 0, sizeof(it->pol));
	it->weight = v->vcpus ? v->vcpus : 1;
	if (!d->policy || vcn_policy_resolve(d->policy, v->name, v->vo, v->vcpus, &pl) < 0)
		return;
	if (!pl.weight_auto && pl.cpu_shares > 0) {
		it->pol.weight = (double)pl.cpu_shares / 1024.0;
		it->weight = it->pol.weight;
	}
	it->pol.cpu_cap_cpus = (double)pl.cpu_cap_pct / 100.0;
	it->pol.disk_cap_bytes_s = (double)(pl.disk_read_bps + pl.disk_write_bps);
	it->pol.net_cap_bytes_s = (double)pl.net_average_kbps * 1024.0;
}

static const struct vcn_collected_vm *collected(const struct vcn_collector *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->vms[i].publish && strcmp(c->vms[i].name, name) == 0)
			return &c->vms[i];
	return NULL;
}

/* What one pass needs of its host, taken under d->lock. */
struct host_view {
	struct vcnd *d;
	struct vcnd_fair_host *f;
	virConnectPtr conn;         /* a reference of ours, NULL when down */
	char name[VCND_NAME_MAX];
	unsigned pcpus;
};

static void apply(struct host_view *hv, struct fair_item *it, const struct vcn_fair_action *a)
{
	struct vcnd *d = hv->d;
	virDomainPtr dom = virDomainLookupByName(hv->conn, a->vm);
	enum vcn_netlimit_mech mech = it->mech;
	int rc;

	if (!dom) {
		virErrorPtr e = virGetLastError();

		vcn_warn("fairness: %s on '%s': cannot find the domain: %s", a->vm, hv->name,
			 e && e->message ? e->message : "unknown error");
		return;
	}
	rc = vcn_limits_apply(&d->limits, dom, a, &mech);
	virDomainFree(dom);
	if (rc < 0) {
		vcn_warn("fairness: %s %s -> %llu on %s failed (see above)", vcn_fair_resource_name(a->resource),
			 a->vm, (unsigned long long)a->new_value, hv->name);
		vcn_audit_log(&d->audit, "limit-failed", a->vm, hv->name, "%s %llu: %s",
			      vcn_fair_resource_name(a->resource), (unsigned long long)a->new_value, a->reason);
		return;
	}
	vcn_fair_action_apply_to(a, &it->cur);
	if (a->resource == VCN_FAIR_NET_BANDWIDTH)
		it->mech = mech;
	pthread_mutex_lock(&d->lock);
	hv->f->actions++;
	pthread_mutex_unlock(&d->lock);
	vcn_info("fairness: %s %s%s%s %llu -> %llu: %s", a->vm, vcn_fair_resource_name(a->resource),
		 a->dev[0] ? " " : "", a->dev, (unsigned long long)a->old_value,
		 (unsigned long long)a->new_value, a->reason);
	vcn_audit_log(&d->audit, "limit", a->vm, hv->name, "%s", a->reason);
}

static void read_back(struct host_view *hv, struct fair_item *it)
{
	virDomainPtr dom = virDomainLookupByName(hv->conn, it->name);

	if (!dom)
		return;
	if (vcn_limits_read(&hv->d->limits, dom, it->vm.disk, it->vm.nic, &it->cur, &it->mech) == 0)
		it->known = true;
	virDomainFree(dom);
}

/* Measure, decide and act for one host (its thread). */
static void host_tick(struct vcnd_fair_host *f)
{
	struct vcnd *d = f->d;
	unsigned h = f->idx;
	struct host_view hv = { .d = d, .f = f };
	struct fair_item *items = NULL;
	struct vcn_fairctl_vm *vms = NULL;
	struct vcn_fairctl_policy *pol = NULL;
	struct vcn_vm_limits *cur = NULL;
	struct vcn_fair_action *acts = NULL;
	size_t n = 0, i, j, cap;
	bool libvirt_ok;
	int rc, nact = 0;

	pthread_mutex_lock(&d->lock);
	if (d->fair[h] == f && h < d->nhosts) { /* else stopped or replaced */
		hv.pcpus = d->hosts[h].pcpus;
		copy_str(hv.name, sizeof(hv.name), d->hosts[h].name);
		hv.conn = d->hosts[h].conn;
		if (hv.conn && virConnectRef(hv.conn) < 0)
			hv.conn = NULL;
	}
	pthread_mutex_unlock(&d->lock);
	if (!f->started || !hv.name[0])
		goto cleanup;
	rc = vcn_collector_tick(&f->coll);
	libvirt_ok = rc >= 0 && f->coll.source == VCN_VMSAMPLE_SRC_LIBVIRT && hv.conn;
	/* the cgroup fallback has no run-queue delay (so no contention signal)
	 * and may not find the guests at all (a libvirtd in its own cgroup
	 * namespace): a step on it would reset the hysteresis; skip the pass */
	if (rc >= 0 && f->coll.source != VCN_VMSAMPLE_SRC_LIBVIRT)
		rc = -EAGAIN;
	if (rc < 0) {
		pthread_mutex_lock(&d->lock);
		f->measured = false;
		pthread_mutex_unlock(&d->lock);
		goto cleanup;
	}
	if (!f->fc_ok && hv.pcpus > 0) {
		struct vcn_fairctl_conf conf;

		vcn_fairctl_conf_default(&conf, hv.pcpus);
		conf.cgroup_v2 = cgroup_v2_here();
		if (vcn_fairctl_init(&f->fc, &conf) == 0)
			f->fc_ok = true;
		else
			vcn_fairctl_free(&f->fc);
	}
	if (!f->fc_ok)
		goto cleanup;
	if (d->fairness_target > 0)
		f->fc.conf.target = d->fairness_target;

	pthread_mutex_lock(&d->lock);
	cap = d->nvcns;
	items = calloc(cap ? cap : 1, sizeof(*items));
	if (!items) {
		pthread_mutex_unlock(&d->lock);
		goto cleanup;
	}
	for (i = 0; i < d->nvcns; i++) {
		struct vcnd_vcn *v = &d->vcns[i];
		const struct vcn_collected_vm *cv;

		if (v->host != (int)h || (v->state != VCND_READY && v->state != VCND_BOOTING))
			continue;
		cv = collected(&f->coll, v->name);
		if (!cv || vcn_fairctl_vm_from_metrics(&cv->m, &items[n].vm) < 0)
			continue;
		copy_str(items[n].name, sizeof(items[n].name), v->name);
		if (items[n].vm.vcpus == 0)
			items[n].vm.vcpus = v->vcpus;
		policy_of(d, v, &items[n]);
		items[n].cur = v->lim;
		items[n].mech = v->net_mech;
		items[n].known = v->lim_known;
		n++;
	}
	pthread_mutex_unlock(&d->lock);

	vms = calloc(n ? n : 1, sizeof(*vms));
	pol = calloc(n ? n : 1, sizeof(*pol));
	cur = calloc(n ? n : 1, sizeof(*cur));
	acts = calloc((n ? n : 1) * VCN_FAIR_RESOURCE_LAST, sizeof(*acts));
	if (!vms || !pol || !cur || !acts)
		goto cleanup;
	for (i = 0; i < n; i++) {
		/* read back once, and again now and then: limits changed by
		 * hand (virsh schedinfo) or by a launch would otherwise go unseen */
		if (libvirt_ok && (!items[i].known || f->fc.tick % READ_BACK_EVERY == 0))
			read_back(&hv, &items[i]);
		vms[i] = items[i].vm;
		pol[i] = items[i].pol;
		cur[i] = items[i].cur;
	}
	nact = vcn_fairctl_step(&f->fc, vms, pol, cur, n, acts, (n ? n : 1) * VCN_FAIR_RESOURCE_LAST);
	if (nact < 0)
		goto cleanup;
	/* the entitlement the controller judged by (a part of what the VCNs got
	 * together on a loaded host), not the nominal part of every pCPU */
	for (i = 0; i < n; i++)
		for (j = 0; j < f->fc.n; j++)
			if (strcmp(f->fc.vms[j].name, items[i].name) == 0)
				items[i].share = f->fc.vms[j].cpu_entitled;
	if (libvirt_ok && f->fc.tick % REPIN_EVERY == 0)
		vcnd_repin(d, (int)h, hv.conn, &f->coll);
	/* act only with a target, on a host that answers, on limits we know */
	if (d->fairness_target > 0 && libvirt_ok)
		for (j = 0; j < (size_t)nact; j++)
			for (i = 0; i < n; i++)
				if (strcmp(items[i].name, acts[j].vm) == 0 && items[i].known)
					apply(&hv, &items[i], &acts[j]);

	pthread_mutex_lock(&d->lock);
	f->measured = true;
	f->from_libvirt = f->coll.source == VCN_VMSAMPLE_SRC_LIBVIRT;
	f->jain_cpu = f->fc.jain[VCN_FAIR_CPU_SHARES];
	f->cont_cpu = f->fc.contending[VCN_FAIR_CPU_SHARES];
	f->jain_disk = f->fc.jain[VCN_FAIR_DISK_IOTUNE];
	f->cont_disk = f->fc.contending[VCN_FAIR_DISK_IOTUNE];
	f->jain_net = f->fc.jain[VCN_FAIR_NET_BANDWIDTH];
	f->cont_net = f->fc.contending[VCN_FAIR_NET_BANDWIDTH];
	for (j = 0; j < d->nvcns; j++)
		if (d->vcns[j].host == (int)h)
			d->vcns[j].fair_seen = false;
	for (i = 0; i < n; i++)
		for (j = 0; j < d->nvcns; j++) {
			struct vcnd_vcn *v = &d->vcns[j];

			if (v->host != (int)h || strcmp(v->name, items[i].name) != 0)
				continue;
			v->lim = items[i].cur;
			v->lim_known = items[i].known;
			v->net_mech = items[i].mech;
			v->use = items[i].vm;
			v->weight = items[i].weight;
			v->cpu_share = items[i].share;
			v->fair_seen = true;
		}
	pthread_mutex_unlock(&d->lock);

cleanup:
	if (hv.conn)
		virConnectClose(hv.conn);
	free(items);
	free(vms);
	free(pol);
	free(cur);
	free(acts);
}

static bool cpu_contends(const struct vcnd_vcn *v)
{
	struct vcn_contention_rules r;
	bool steal;

	vcn_contention_rules_default(&r);
	steal = !isnan(v->use.cpu_steal_pct) && v->use.cpu_steal_pct > r.cpu_steal_pct;
	return !isnan(v->use.cpu_used) && v->cpu_share > 0 &&
	       vcn_fair_wants_more(v->use.cpu_used, v->cpu_share, steal);
}

/* Jain over a VO's contending VCNs, on every host (under d->lock). */
static double vo_jain(struct vcnd *d, const char *vo)
{
	struct vcn_fair_consumer *c = calloc(d->nvcns ? d->nvcns : 1, sizeof(*c));
	struct vcn_fairness fr;
	size_t i, n = 0;
	double r = NAN;

	if (!c)
		return NAN;
	for (i = 0; i < d->nvcns; i++) {
		const struct vcnd_vcn *v = &d->vcns[i];

		if (!v->fair_seen || strcmp(v->vo, vo) != 0)
			continue;
		c[n].usage = isnan(v->use.cpu_used) ? 0 : v->use.cpu_used;
		c[n].entitlement = v->cpu_share;
		c[n].contending = cpu_contends(v);
		n++;
	}
	if (vcn_fairness_jain(c, n, &fr) == 0 && fr.n > 0)
		r = fr.index;
	free(c);
	return r;
}

static void publish(struct vcnd *d)
{
	static const char G[] = "vcn_fairness";
	struct vcn_mvals l = { 0 };
	size_t i;
	int rc = 0;

	if (!d->gsend)
		return;
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->nhosts; i++) {
		const struct vcnd_fair_host *f = d->fair[i];

		if (!f || !f->measured)
			continue;
		rc |= vcn_mvals_add_float(&l, f->jain_cpu, "", G, "CPU fairness (Jain)", "vcn_fair_cpu_%s",
					  d->hosts[i].name);
		rc |= vcn_mvals_add_float(&l, f->jain_disk, "", G, "Disk fairness (Jain)", "vcn_fair_disk_%s",
					  d->hosts[i].name);
		rc |= vcn_mvals_add_float(&l, f->jain_net, "", G, "Network fairness (Jain)", "vcn_fair_net_%s",
					  d->hosts[i].name);
	}
	for (i = 0; i < d->nvos; i++)
		rc |= vcn_mvals_add_float(&l, vo_jain(d, d->vos[i].name), "", G, "VO CPU fairness (Jain)",
					  "vcn_fair_cpu_vo_%s", d->vos[i].name);
	for (i = 0; i < d->nvcns; i++)
		if (d->vcns[i].ready_s >= 0)
			rc |= vcn_mvals_add_float(&l, d->vcns[i].ready_s, "s", G, "Launch to ready",
						  "vcn_ready_s_%s", d->vcns[i].name);
	pthread_mutex_unlock(&d->lock);
	if (rc == 0 && l.n)
		vcn_gsend_host(d->gsend, VCND_GHOST, &l, d->fair_ticks % FAIR_METADATA_EVERY == 1);
	free(l.v);
}

/* One fairness tick (the main loop's interval): kick every host's thread
 * (a host still busy with the previous pass is not queued twice), then
 * publish what the last finished passes found. Never waits on a host. */
void vcnd_fair_tick(struct vcnd *d)
{
	unsigned i;

	d->fair_ticks++;
	for (i = 0; i < d->nhosts; i++) {
		struct vcnd_fair_host *f = d->fair[i];

		if (!f)
			continue;
		pthread_mutex_lock(&f->mtx);
		f->kick = true;
		pthread_cond_broadcast(&f->cond);
		pthread_mutex_unlock(&f->mtx);
	}
	publish(d);
}

static void json_vcn(struct vcn_json *j, const struct vcnd_vcn *v)
{
	vcn_json_obj_begin(j);
	vcn_json_kstr(j, "name", v->name);
	vcn_json_kstr(j, "vo", v->vo);
	vcn_json_kint(j, "vcpus", v->vcpus);
	vcn_json_kdouble(j, "weight", v->weight);
	vcn_json_kdouble(j, "cpu_used", v->use.cpu_used);
	vcn_json_kdouble(j, "cpu_entitled", v->cpu_share);
	vcn_json_kdouble(j, "cpu_steal_pct", v->use.cpu_steal_pct);
	vcn_json_kbool(j, "cpu_contending", cpu_contends(v));
	vcn_json_kdouble(j, "disk_bytes_s", v->use.disk_bytes_s);
	vcn_json_kdouble(j, "net_bytes_s", v->use.net_bytes_s);
	vcn_json_key(j, "limits");
	vcn_json_obj_begin(j);
	if (v->lim_known) {
		vcn_json_kint(j, "cpu_shares", (long long)v->lim.cpu_shares);
		vcn_json_kint(j, "cpu_quota_us", (long long)v->lim.cpu_quota_us);
		vcn_json_kint(j, "cpu_period_us", (long long)VCN_FAIRCTL_PERIOD_US);
		vcn_json_kint(j, "disk_bytes_s", (long long)v->lim.disk_bytes_s);
		vcn_json_kint(j, "net_bytes_s", (long long)v->lim.net_bytes_s);
	}
	vcn_json_obj_end(j);
	vcn_json_kstr(j, "net_mechanism", vcn_netlimit_mech_name(v->net_mech));
	vcn_json_obj_end(j);
}

static char *format_json(struct vcnd *d)
{
	struct vcn_json j;
	char *out;
	unsigned h;
	size_t i;

	vcn_json_init(&j);
	vcn_json_obj_begin(&j);
	vcn_json_kbool(&j, "ok", true);
	vcn_json_kdouble(&j, "target", d->fairness_target);
	vcn_json_kbool(&j, "acting", d->fairness_target > 0);
	vcn_json_key(&j, "hosts");
	vcn_json_arr_begin(&j);
	for (h = 0; h < d->nhosts; h++) {
		static const struct vcnd_fair_host none = { .jain_cpu = NAN, .jain_disk = NAN, .jain_net = NAN };
		const struct vcnd_fair_host *f = d->fair[h] ? d->fair[h] : &none;

		vcn_json_obj_begin(&j);
		vcn_json_kstr(&j, "name", d->hosts[h].name);
		vcn_json_kbool(&j, "measured", f->measured);
		vcn_json_kstr(&j, "source", f->from_libvirt ?
			      "libvirt" : "cgroup");
		vcn_json_kint(&j, "actions", (long long)f->actions);
		vcn_json_key(&j, "jain");
		vcn_json_obj_begin(&j);
		vcn_json_kdouble(&j, "cpu", f->jain_cpu);
		vcn_json_kdouble(&j, "disk", f->jain_disk);
		vcn_json_kdouble(&j, "net", f->jain_net);
		vcn_json_obj_end(&j);
		vcn_json_key(&j, "contending");
		vcn_json_obj_begin(&j);
		vcn_json_kint(&j, "cpu", f->cont_cpu);
		vcn_json_kint(&j, "disk", f->cont_disk);
		vcn_json_kint(&j, "net", f->cont_net);
		vcn_json_obj_end(&j);
		vcn_json_key(&j, "vcns");
		vcn_json_arr_begin(&j);
		for (i = 0; i < d->nvcns; i++)
			if (d->vcns[i].host == (int)h && d->vcns[i].fair_seen)
				json_vcn(&j, &d->vcns[i]);
		vcn_json_arr_end(&j);
		vcn_json_obj_end(&j);
	}
	vcn_json_arr_end(&j);
	vcn_json_obj_end(&j);
	out = vcn_json_result(&j) ? strdup(vcn_json_result(&j)) : NULL;
	vcn_json_free(&j);
	return out;
}

static void fmt_num(char *buf, size_t size, double x, int prec)
{
	if (isnan(x))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.*f", prec, x);
}

static char *format_text(struct vcnd *d)
{
	char *out = NULL, a[32], b[32], c[32], q[32];
	size_t len = 0, i;
	unsigned h;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	if (d->fairness_target > 0)
		fprintf(f, "target %.2f (acting)\n", d->fairness_target);
	else
		fprintf(f, "target 0 (measuring only, no limits changed)\n");
	for (h = 0; h < d->nhosts; h++) {
		static const struct vcnd_fair_host none = { .jain_cpu = NAN, .jain_disk = NAN, .jain_net = NAN };
		const struct vcnd_fair_host *fh = d->fair[h] ? d->fair[h] : &none;

		fmt_num(a, sizeof(a), fh->jain_cpu, 3);
		fmt_num(b, sizeof(b), fh->jain_disk, 3);
		fmt_num(c, sizeof(c), fh->jain_net, 3);
		fprintf(f, "\nhost %s: %s; Jain cpu %s (%u contending), disk %s (%u), net %s (%u); %llu actions\n",
			d->hosts[h].name, !fh->measured ? "not measured" :
			fh->from_libvirt ? "libvirt" : "cgroup fallback",
			a, fh->cont_cpu, b, fh->cont_disk, c, fh->cont_net, (unsigned long long)fh->actions);
		fprintf(f, "%-16s %-10s %5s %6s %8s %8s %6s %10s %10s %6s %8s %10s %10s %s\n", "VCN", "VO", "VCPUS",
			"WEIGHT", "CPU_USED", "CPU_FAIR", "STEAL%", "DISK_B/S", "NET_B/S", "SHARES", "QUOTA",
			"DISK_CAP", "NET_CAP", "NET_MECH");
		for (i = 0; i < d->nvcns; i++) {
			const struct vcnd_vcn *v = &d->vcns[i];

			if (v->host != (int)h || !v->fair_seen)
				continue;
			fmt_num(a, sizeof(a), v->use.cpu_used, 2);
			fmt_num(b, sizeof(b), v->use.cpu_steal_pct, 0);
			if (!v->lim_known)
				snprintf(q, sizeof(q), "?");
			else if (v->lim.cpu_quota_us)
				snprintf(q, sizeof(q), "%.2f", (double)v->lim.cpu_quota_us / VCN_FAIRCTL_PERIOD_US);
			else
				snprintf(q, sizeof(q), "none");
			fprintf(f, "%-16s %-10s %5u %6.2f %8s %8.2f %6s %10.0f %10.0f %6llu %8s %10llu %10llu %s\n",
				v->name, v->vo, v->vcpus, v->weight, a, v->cpu_share, b,
				isnan(v->use.disk_bytes_s) ? 0.0 : v->use.disk_bytes_s,
				isnan(v->use.net_bytes_s) ? 0.0 : v->use.net_bytes_s,
				(unsigned long long)v->lim.cpu_shares, q, (unsigned long long)v->lim.disk_bytes_s,
				(unsigned long long)v->lim.net_bytes_s, vcn_netlimit_mech_name(v->net_mech));
		}
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The fairness report for `vcnctl fairness`: per host, Jain per resource,
 * contenders, and per VCN usage, entitlement, limits in force and network
 * mechanism. Returns a malloc'd string (the caller frees it) or NULL. */
char *vcnd_fair_format(struct vcnd *d, bool json)
{
	char *s;

	pthread_mutex_lock(&d->lock);
	s = json ? format_json(d) : format_text(d);
	pthread_mutex_unlock(&d->lock);
	return s;
}
