/* vcnd's rebalancing: every rebalance_interval the cluster view (capacity
 * from libvirt, load from the fairness loop, gmetad's RRDs or allocated
 * vCPUs) goes through lib/rebalance; drain moves are carried out in every
 * mode, balance moves only in "auto" ("advise" logs the plan). Each
 * migration runs in its own thread (libvirt's managed live migration, the
 * same path as `virsh migrate --live`), holding references on both
 * connections; the VCN is marked migrating so that adoption neither calls
 * it gone nor a duplicate while libvirt moves it. On arrival the
 * destination's pinning is placed and applied, and the fairness loop reads
 * the limits back; a failed migration leaves the VM where it ran (libvirt
 * resumes the source), is audited, and the pair waits retry_after. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdarg.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "cluster.h"
#include "collector.h"
#include "cpuset.h"
#include "gmetad_xml.h"
#include "json.h"
#include "log.h"
#include "parse.h"
#include "rrdread.h"

/* --- lifecycle ------------------------------------------------------------ */

/* Copy vcnd.conf's cluster { } and autoscale { } settings into d->cluster
 * (created on first use; state such as drains and holds survives a
 * reload). Returns 0 or -ENOMEM. */
int vcnd_cluster_configure(struct vcnd *d, const struct vcn_vcnd_conf *c)
{
	struct vcnd_cluster *cl = d->cluster;
	const struct vcn_conf_cluster *cc = &c->cluster;

	if (!cl) {
		cl = calloc(1, sizeof(*cl));
		if (!cl)
			return -ENOMEM;
		d->cluster = cl;
	}
	cl->mode = cc->rebalance;
	cl->load = cc->load;
	vcn_rb_policy_default(&cl->pol);
	cl->pol.threshold = cc->threshold;
	cl->pol.k = cc->migrations_per_round;
	cl->pol.max_load = cc->max_load;
	cl->pol.anti_affinity = cc->anti_affinity;
	cl->pol.cost_mem = cc->cost_mem;
	cl->pol.cost_dirty = cc->cost_dirty;
	cl->pol.cost_load = cc->cost_load;
	cl->pol.min_gain = cc->min_gain;
	cl->interval_ms = cc->rebalance_interval_ms;
	cl->hold_ms = cc->hold_ms;
	cl->retry_ms = cc->retry_after_ms;
	cl->suspect_ms = cc->suspect_after_ms;
	cl->down_ms = cc->down_after_ms;
	cl->rrd_window_ms = cc->rrd_window_ms;
	cl->shared_storage = cc->shared_storage;
	vcnd_argv_free(cl->fence);
	cl->fence = cc->n_fence ? vcnd_argv_dup(cc->fence, cc->n_fence) : NULL;
	snprintf(cl->gmetad, sizeof(cl->gmetad), "%s", cc->gmetad ? cc->gmetad : "");
	snprintf(cl->ganglia_cluster, sizeof(cl->ganglia_cluster), "%s", cc->ganglia_cluster ? cc->ganglia_cluster : "");
	snprintf(cl->rrd_rootdir, sizeof(cl->rrd_rootdir), "%s", cc->rrd_rootdir ? cc->rrd_rootdir : "");
	for (size_t i = 0; i < VCND_MAX_VOS; i++) {
		struct vcnd_as_vo *a = &cl->as[i];
		const struct vcn_conf_autoscale *ca = i < c->n_vos ? &c->vos[i].autoscale : NULL;

		vcnd_argv_free(a->argv);
		a->argv = NULL;
		a->enabled = ca && ca->enabled;
		if (!a->enabled)
			continue;
		vcn_as_policy_default(&a->pol);
		a->pol.min = c->vos[i].min;
		a->pol.max = c->vos[i].max;
		a->pol.jobs_per_vcn = ca->jobs_per_vcn;
		a->pol.step_up = ca->step_up;
		a->pol.step_down = ca->step_down;
		a->pol.cooldown_ms = ca->cooldown_ms;
		a->pol.idle_threshold = ca->idle_threshold;
		a->pol.idle_period_ms = ca->idle_period_ms;
		a->pol.shutdown_timeout_ms = ca->shutdown_timeout_ms;
		a->source = ca->source;
		a->argv = ca->n_command ? vcnd_argv_dup(ca->command, ca->n_command) : NULL;
		snprintf(a->file, sizeof(a->file), "%s", ca->file ? ca->file : "");
		snprintf(a->metric, sizeof(a->metric), "%s", ca->metric ? ca->metric : "");
		snprintf(a->metric_host, sizeof(a->metric_host), "%s", ca->metric_host ? ca->metric_host : "vcnd");
		snprintf(a->metric_cluster, sizeof(a->metric_cluster), "%s", ca->metric_cluster ? ca->metric_cluster : "");
		a->timeout_ms = ca->timeout_ms;
		if (isnan(a->demand) || a->demand == 0)
			a->demand = NAN;
	}
	return 0;
}

/* Free d->cluster (at exit; migration threads still running keep their
 * connection references and find no cluster: they only log). */
void vcnd_cluster_free(struct vcnd *d)
{
	struct vcnd_cluster *cl = d->cluster;

	if (!cl)
		return;
	vcnd_argv_free(cl->fence);
	for (size_t i = 0; i < VCND_MAX_VOS; i++)
		vcnd_argv_free(cl->as[i].argv);
	free(cl);
	d->cluster = NULL;
}

/* --- lookups (caller holds d->lock where they touch vcns) ---------------- */

struct vcnd_vcn *vcnd_cluster_find(struct vcnd *d, const char *name)
{
	for (size_t i = 0; i < d->nvcns; i++)
		if (strcmp(d->vcns[i].name, name) == 0)
			return &d->vcns[i];
	return NULL;
}

int vcnd_host_index(const struct vcnd *d, const char *name)
{
	for (unsigned i = 0; i < d->nhosts; i++)
		if (strcmp(d->hosts[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Is @vcn being migrated? Caller holds d->lock. */
bool vcnd_cluster_migrating_locked(struct vcnd *d, const char *vcn)
{
	struct vcnd_cluster *cl = d->cluster;

	for (unsigned i = 0; cl && i < VCND_MAX_MIGRATIONS; i++)
		if (cl->mig[i].busy && strcmp(cl->mig[i].vcn, vcn) == 0)
			return true;
	return false;
}

/* Must @vcn's overlay on @host stay although no VCN of that name runs
 * there? Yes while it migrates (the destination's copy), and with shared
 * storage whenever the VCN runs anywhere (every host lists the same file).
 * Caller holds d->lock. */
bool vcnd_cluster_overlay_busy_locked(struct vcnd *d, const char *vcn, int host)
{
	struct vcnd_cluster *cl = d->cluster;

	(void)host;
	if (!cl)
		return false;
	if (vcnd_cluster_migrating_locked(d, vcn))
		return true;
	return cl->shared_storage && vcnd_cluster_find(d, vcn) != NULL;
}

static uint64_t host_mem_used(struct vcnd *d, int host)
{
	uint64_t mib = 0;

	for (size_t i = 0; i < d->nvcns; i++) {
		int vo;

		if (d->vcns[i].host != host || d->vcns[i].state == VCND_FAILED)
			continue;
		vo = vcnd_vo_index(d, d->vcns[i].vo);
		mib += vo >= 0 ? d->vos[vo].memory_mib : 128;
	}
	return mib;
}

/* May a new VCN of @mem_mib go to @host: up, not suspect, not draining,
 * memory left? Caller holds d->lock. */
bool vcnd_cluster_host_usable_locked(struct vcnd *d, int host, unsigned mem_mib)
{
	struct vcnd_cluster *cl = d->cluster;
	const struct vcnd_chost *ch;

	if (!cl)
		return true;
	ch = &cl->hosts[host];
	if (ch->health != VCND_HOST_UP || ch->drain)
		return false;
	return ch->mem_mib == 0 || host_mem_used(d, host) + mem_mib <= ch->mem_mib;
}

/* --- the cluster state the planner sees ----------------------------------- */

static bool held(struct vcnd *d, const char *vcn, uint64_t now)
{
	struct vcnd_cluster *cl = d->cluster;

	for (unsigned i = 0; i < VCND_MAX_BLOCKS; i++)
		if (cl->moved[i].vcn[0] && strcmp(cl->moved[i].vcn, vcn) == 0 &&
		    now < cl->moved[i].at_ns + cl->hold_ms * 1000000ull)
			return true;
	return vcnd_cluster_migrating_locked(d, vcn);
}

static bool pair_allowed(void *opaque, const struct vcn_rb_state *s, size_t vm, size_t to)
{
	struct vcnd *d = opaque;
	struct vcnd_cluster *cl = d->cluster;
	uint64_t now = vcn_now_ns();

	for (unsigned i = 0; i < VCND_MAX_BLOCKS; i++)
		if (cl->blocks[i].vcn[0] && cl->blocks[i].host == (int)to && now < cl->blocks[i].until_ns &&
		    strcmp(cl->blocks[i].vcn, s->vms[vm].name) == 0)
			return false;
	return true;
}

/* @vcn's CPU demand from gmetad's RRD (vcn_cpu_used over rrd_window),
 * NAN when there is no known value: unknown, not idle. */
static double rrd_demand(struct vcnd_cluster *cl, const char *vcn)
{
	char path[PATH_MAX];
	struct vcn_rrd_avg a;

	if (vcn_rrd_path(path, sizeof(path), cl->rrd_rootdir, cl->ganglia_cluster, vcn, "vcn_cpu_used") < 0 ||
	    vcn_rrd_average(path, "sum", 0, (unsigned)(cl->rrd_window_ms / 1000), &a) < 0)
		return NAN;
	return a.avg;
}

/* Mark the hosts gmetad shows stale (cluster.gmetad set). Takes no lock:
 * a TCP fetch of up to 5 s. */
static void gmetad_refresh(struct vcnd *d)
{
	struct vcnd_cluster *cl = d->cluster;
	struct vcn_gmetad *g = NULL;
	char *xml = NULL, addr[128], *colon;
	size_t len = 0;
	unsigned port = 0;

	if (!cl->gmetad[0])
		return;
	snprintf(addr, sizeof(addr), "%s", cl->gmetad);
	colon = strrchr(addr, ':');
	if (!colon || vcn_parse_uint(colon + 1, 1, 65535, &port) < 0)
		return;
	*colon = '\0';
	if (vcn_gmetad_fetch(addr, port, 5000, &xml, &len) == 0 && vcn_gmetad_parse(xml, len, 0, &g) == 0) {
		for (unsigned h = 0; h < d->nhosts; h++) {
			const struct vcn_gm_host *gh = vcn_gmetad_host(g, NULL, d->hosts[h].name);

			cl->hosts[h].stale = gh && gh->stale;
		}
	}
	vcn_gmetad_free(g);
	free(xml);
}

/* Fill @s with the cluster as the planner sees it; (*@vcn_of)[i] is the
 * index in d->vcns of the state's VM i (valid until the lock is dropped:
 * use names after that). Caller holds d->lock except for the ganglia
 * source (see vcnd_rebalance_plan). Returns 0 or -ENOMEM. */
int vcnd_rb_build(struct vcnd *d, struct vcn_rb_state *s, size_t **vcn_of)
{
	struct vcnd_cluster *cl = d->cluster;
	uint64_t now = vcn_now_ns();
	size_t *map;

	memset(s, 0, sizeof(*s));
	map = calloc(d->nvcns + 1, sizeof(*map));
	if (!map)
		return -ENOMEM;
	for (unsigned h = 0; h < d->nhosts; h++) {
		struct vcn_rb_host rh = { "", 1, 1, false, false };
		const struct vcnd_chost *ch = &cl->hosts[h];

		snprintf(rh.name, sizeof(rh.name), "%s", d->hosts[h].name);
		rh.cpus = ch->cpus > 0 ? ch->cpus : (d->hosts[h].pcpus ? d->hosts[h].pcpus : 1);
		rh.mem_mib = ch->mem_mib ? ch->mem_mib : 1u << 20;
		rh.known = d->hosts[h].conn && ch->health == VCND_HOST_UP && !ch->stale;
		rh.drain = ch->drain;
		if (vcn_rb_state_add_host(s, &rh) < 0)
			goto nomem;
	}
	for (size_t i = 0; i < d->nvcns; i++) {
		const struct vcnd_vcn *v = &d->vcns[i];
		struct vcn_rb_vm vm;
		int vo = vcnd_vo_index(d, v->vo);

		if (v->state == VCND_LAUNCHING || v->state == VCND_FAILED || v->host < 0 ||
		    (unsigned)v->host >= d->nhosts)
			continue;
		memset(&vm, 0, sizeof(vm));
		snprintf(vm.name, sizeof(vm.name), "%s", v->name);
		snprintf(vm.vo, sizeof(vm.vo), "%s", v->vo);
		vm.host = (size_t)v->host;
		vm.mem_mib = vo >= 0 ? d->vos[vo].memory_mib : 128;
		switch (cl->load) {
		case VCN_LOAD_VCPUS:
			vm.demand = v->vcpus ? v->vcpus : 1;
			break;
		case VCN_LOAD_GANGLIA:
			vm.demand = rrd_demand(cl, v->name);
			break;
		default:
			vm.demand = v->fair_seen ? v->use.cpu_used : NAN;
			break;
		}
		/* one VM without a measurement makes its host's load unknown */
		if (isnan(vm.demand)) {
			s->hosts[vm.host].known = false;
			vm.demand = 0;
		}
		vm.held = held(d, v->name, now);
		/* in flight: its load is already the destination's */
		for (unsigned k = 0; k < VCND_MAX_MIGRATIONS; k++)
			if (cl->mig[k].busy && strcmp(cl->mig[k].vcn, v->name) == 0)
				vm.host = (size_t)cl->mig[k].to;
		if (vcn_rb_state_add_vm(s, &vm) < 0)
			goto nomem;
		map[s->n_vms - 1] = i;
	}
	*vcn_of = map;
	return 0;
nomem:
	free(map);
	vcn_rb_state_clear(s);
	return -ENOMEM;
}

/* Capacity of every connected host (pCPUs, memory), read when unknown
 * (hostwatch.c calls it every tick: placement checks memory too). */
void vcnd_cluster_capacity(struct vcnd *d)
{
	struct vcnd_cluster *cl = d->cluster;

	for (unsigned h = 0; h < d->nhosts; h++) {
		virNodeInfo ni;

		if (!d->hosts[h].conn || cl->hosts[h].mem_mib)
			continue;
		if (virNodeGetInfo(d->hosts[h].conn, &ni) == 0) {
			cl->hosts[h].cpus = ni.cpus;
			cl->hosts[h].mem_mib = ni.memory / 1024;
		}
	}
}

/* --- migration -------------------------------------------------------------- */

struct mig_job {
	struct vcnd *d;
	unsigned slot;
	char vcn[VCND_NAME_MAX];
	int from, to;
	virConnectPtr sconn, dconn;
	bool shared, drain;
};

static void cpumap_of(const struct vcn_cpuset *s, unsigned char *map, size_t len)
{
	memset(map, 0, len);
	for (int c = vcn_cpuset_first(s); c >= 0; c = vcn_cpuset_next(s, c))
		if ((size_t)c / 8 < len)
			map[c / 8] |= (unsigned char)(1u << (c % 8));
}

/* The destination's placement, applied to the running domain: vCPU and
 * emulator pins placed by vcnd_place on the new host. */
static void apply_pins(struct vcnd *d, virDomainPtr ddom, const char *vcn, int to)
{
	struct vcn_cpuset pins[64], emu;
	unsigned char map[VCN_CPUSET_MAX / 8];
	unsigned npins = 0;
	char why[256] = "";
	struct vcnd_vcn *v;
	int rc = -ENOENT;

	vcn_cpuset_zero(&emu);
	pthread_mutex_lock(&d->lock);
	v = vcnd_cluster_find(d, vcn);
	if (v) {
		rc = vcnd_place(d, to, v, v->pin[0] ? v->pin : "spread", why, sizeof(why));
		if (rc == -EINVAL) /* adopted: the strategy is not known; spread */
			rc = vcnd_place(d, to, v, "spread", why, sizeof(why));
		for (npins = 0; rc == 0 && npins < v->npins && npins < 64; npins++)
			pins[npins] = v->pins[npins];
		emu = v->emulator;
	}
	pthread_mutex_unlock(&d->lock);
	if (rc < 0) {
		vcn_warn("VCN '%s' on host '%s': not pinned after migration: %s", vcn, d->hosts[to].name,
			 why[0] ? why : "forgotten");
		return;
	}
	for (unsigned i = 0; i < npins; i++) {
		if (vcn_cpuset_empty(&pins[i]))
			continue;
		cpumap_of(&pins[i], map, sizeof(map));
		if (virDomainPinVcpuFlags(ddom, i, map, sizeof(map), VIR_DOMAIN_AFFECT_LIVE) < 0)
			vcn_warn("VCN '%s': vCPU %u pin on host '%s' refused", vcn, i, d->hosts[to].name);
	}
	if (!vcn_cpuset_empty(&emu)) {
		cpumap_of(&emu, map, sizeof(map));
		if (virDomainPinEmulator(ddom, map, sizeof(map), VIR_DOMAIN_AFFECT_LIVE) < 0)
			vcn_warn("VCN '%s': emulator pin on host '%s' refused", vcn, d->hosts[to].name);
	}
}

static void *mig_main(void *arg)
{
	struct mig_job *job = arg;
	struct vcnd *d = job->d;
	struct vcnd_cluster *cl;
	virDomainPtr dom, ddom = NULL;
	unsigned flags = VIR_MIGRATE_LIVE;
	uint64_t t0 = vcn_now_ns();
	char err[512] = "";
	double secs;

	if (!job->shared)
		flags |= VIR_MIGRATE_NON_SHARED_INC; /* copy the overlay; the base is on every host */
	else
		flags |= VIR_MIGRATE_UNSAFE; /* libvirt cannot tell the scratch dir is shared: the operator said so */
	dom = virDomainLookupByName(job->sconn, job->vcn);
	if (dom)
		ddom = virDomainMigrate3(dom, job->dconn, NULL, 0, flags);
	if (!ddom) {
		virErrorPtr e = virGetLastError();

		snprintf(err, sizeof(err), "%s", e && e->message ? e->message : "domain not found on the source");
	}
	secs = (double)(vcn_now_ns() - t0) / 1e9;
	pthread_mutex_lock(&d->lock);
	cl = d->cluster;
	if (cl) {
		cl->mig[job->slot].busy = false;
		if (ddom) {
			struct vcnd_vcn *v = vcnd_cluster_find(d, job->vcn);
			unsigned oldest = 0;

			if (v) {
				v->host = job->to;
				v->lim_known = false; /* the fairness loop reads the limits back there */
				v->fair_seen = false;
				v->seen_pass = d->pass;
			}
			for (unsigned i = 1; i < VCND_MAX_BLOCKS; i++)
				if (cl->moved[i].at_ns < cl->moved[oldest].at_ns)
					oldest = i;
			snprintf(cl->moved[oldest].vcn, sizeof(cl->moved[oldest].vcn), "%s", job->vcn);
			cl->moved[oldest].at_ns = vcn_now_ns();
		} else {
			unsigned oldest = 0;

			for (unsigned i = 1; i < VCND_MAX_BLOCKS; i++)
				if (cl->blocks[i].until_ns < cl->blocks[oldest].until_ns)
					oldest = i;
			snprintf(cl->blocks[oldest].vcn, sizeof(cl->blocks[oldest].vcn), "%s", job->vcn);
			cl->blocks[oldest].host = job->to;
			cl->blocks[oldest].until_ns = vcn_now_ns() + cl->retry_ms * 1000000ull;
		}
	}
	pthread_mutex_unlock(&d->lock);
	if (ddom) {
		apply_pins(d, ddom, job->vcn, job->to);
		vcn_info("migrated VCN '%s' from host '%s' to '%s' in %.1f s%s", job->vcn, d->hosts[job->from].name,
			 d->hosts[job->to].name, secs, job->drain ? " (drain)" : "");
		vcn_audit_log(&d->audit, "migrate", job->vcn, d->hosts[job->to].name, "from %s in %.2f s, %s%s",
			      d->hosts[job->from].name, secs, job->shared ? "shared storage" : "storage copied",
			      job->drain ? ", drain" : "");
		virDomainFree(ddom);
	} else {
		vcn_err("migration of VCN '%s' from host '%s' to '%s' failed after %.1f s: %s; it stays on '%s'",
			job->vcn, d->hosts[job->from].name, d->hosts[job->to].name, secs, err, d->hosts[job->from].name);
		vcn_audit_log(&d->audit, "migrate-failed", job->vcn, d->hosts[job->from].name,
			      "to %s after %.2f s: %s; not retried there for a while", d->hosts[job->to].name, secs, err);
	}
	if (dom)
		virDomainFree(dom);
	virConnectClose(job->sconn);
	virConnectClose(job->dconn);
	{
		uint64_t one = 1;

		if (write(d->wake_fd, &one, sizeof(one)) < 0)
			vcn_debug("wake: %s", strerror(errno));
	}
	free(job);
	return NULL;
}

/* Start migrating @vcn from @from to @to in a thread. Caller holds
 * d->lock. Returns 0, -EBUSY (no free slot or already moving),
 * -EHOSTDOWN, -ENOMEM, -EAGAIN. */
static int start_migration(struct vcnd *d, const char *vcn, int from, int to, bool drain)
{
	struct vcnd_cluster *cl = d->cluster;
	struct mig_job *job;
	pthread_t t;
	unsigned slot;

	if (vcnd_cluster_migrating_locked(d, vcn))
		return -EBUSY;
	for (slot = 0; slot < VCND_MAX_MIGRATIONS && cl->mig[slot].busy; slot++)
		;
	if (slot == VCND_MAX_MIGRATIONS)
		return -EBUSY;
	if (!d->hosts[from].conn || !d->hosts[to].conn)
		return -EHOSTDOWN;
	job = calloc(1, sizeof(*job));
	if (!job)
		return -ENOMEM;
	job->d = d;
	job->slot = slot;
	snprintf(job->vcn, sizeof(job->vcn), "%s", vcn);
	job->from = from;
	job->to = to;
	job->shared = cl->shared_storage;
	job->drain = drain;
	job->sconn = d->hosts[from].conn;
	job->dconn = d->hosts[to].conn;
	virConnectRef(job->sconn);
	virConnectRef(job->dconn);
	cl->mig[slot] = (struct vcnd_migration){ true, "", from, to, vcn_now_ns(), drain };
	snprintf(cl->mig[slot].vcn, sizeof(cl->mig[slot].vcn), "%s", vcn);
	if (pthread_create(&t, NULL, mig_main, job) != 0) {
		cl->mig[slot].busy = false;
		virConnectClose(job->sconn);
		virConnectClose(job->dconn);
		free(job);
		return -EAGAIN;
	}
	pthread_detach(t);
	vcn_info("migrating VCN '%s' from host '%s' to '%s'%s", vcn, d->hosts[from].name, d->hosts[to].name,
		 drain ? " (drain)" : "");
	return 0;
}

/* --- planning rounds ----------------------------------------------------- */

/* Plan a round now. With @execute, carry out drain moves always and
 * balance moves when @all_moves. Fills @text (vcn_rb_plan_format) and, when
 * @j, a JSON object. Returns the number of migrations started, or -errno. */
static int plan_round(struct vcnd *d, bool execute, bool all_moves, char **text, struct vcn_json *j)
{
	struct vcnd_cluster *cl = d->cluster;
	struct vcn_rb_state s;
	struct vcn_rb_plan plan;
	struct vcn_rb_policy pol = cl->pol;
	size_t *map = NULL;
	int rc, started = 0;

	if (text)
		*text = NULL;
	if (cl->gmetad[0])
		gmetad_refresh(d);
	vcnd_cluster_capacity(d);
	pthread_mutex_lock(&d->lock);
	rc = vcnd_rb_build(d, &s, &map);
	if (rc < 0) {
		pthread_mutex_unlock(&d->lock);
		return rc;
	}
	rc = vcn_rb_plan(&s, &pol, pair_allowed, d, &plan);
	if (rc < 0)
		goto cleanup;
	for (size_t i = 0; execute && i < plan.n_moves; i++) {
		const struct vcn_rb_move *m = &plan.moves[i];

		if (!m->drain && !all_moves)
			continue;
		if (start_migration(d, s.vms[m->vm].name, (int)m->from, (int)m->to, m->drain) == 0)
			started++;
	}
	if (text && vcn_rb_plan_format(&s, &pol, &plan, text) < 0)
		*text = NULL;
	if (j) {
		vcn_json_kbool(j, "ok", true);
		vcn_json_kstr(j, "mode", vcn_rebalance_mode_name(cl->mode));
		vcn_json_kdouble(j, "imbalance", plan.before);
		vcn_json_kdouble(j, "threshold", pol.threshold);
		vcn_json_kdouble(j, "expected", plan.after);
		vcn_json_kint(j, "stuck", (long long)plan.stuck);
		vcn_json_key(j, "migrations");
		vcn_json_arr_begin(j);
		for (size_t i = 0; i < plan.n_moves; i++) {
			const struct vcn_rb_move *m = &plan.moves[i];

			vcn_json_obj_begin(j);
			vcn_json_kstr(j, "vcn", s.vms[m->vm].name);
			vcn_json_kstr(j, "from", s.hosts[m->from].name);
			vcn_json_kstr(j, "to", s.hosts[m->to].name);
			vcn_json_kdouble(j, "gain", m->gain);
			vcn_json_kdouble(j, "cost", m->cost);
			vcn_json_kbool(j, "drain", m->drain);
			vcn_json_obj_end(j);
		}
		vcn_json_arr_end(j);
		vcn_json_kint(j, "started", started);
	}
	if (plan.n_moves && !(execute && all_moves)) {
		char *t = NULL;

		if (vcn_rb_plan_format(&s, &pol, &plan, &t) == 0) {
			snprintf(cl->last_plan, sizeof(cl->last_plan), "%s", t);
			free(t);
		}
	}
	rc = started;
cleanup:
	pthread_mutex_unlock(&d->lock);
	vcn_rb_plan_clear(&plan);
	vcn_rb_state_clear(&s);
	free(map);
	return rc;
}

/* The main loop's tick: a planning round every rebalance_interval (drains
 * go on in every mode; "advise" logs its plan once per change). */
void vcnd_rebalance_tick(struct vcnd *d)
{
	struct vcnd_cluster *cl = d->cluster;
	uint64_t now = vcn_now_ns();
	bool draining = false;
	char *text = NULL;
	int n;

	if (!cl)
		return;
	for (unsigned h = 0; h < d->nhosts; h++)
		draining |= cl->hosts[h].drain;
	if (cl->mode == VCN_REBALANCE_OFF && !draining)
		return;
	/* a drain does not wait for the next round */
	if (now < cl->next_round_ns && !draining)
		return;
	/* a round's migrations finish before the next round looks */
	pthread_mutex_lock(&d->lock);
	for (unsigned k = 0; k < VCND_MAX_MIGRATIONS; k++)
		if (cl->mig[k].busy) {
			pthread_mutex_unlock(&d->lock);
			return;
		}
	pthread_mutex_unlock(&d->lock);
	cl->next_round_ns = now + cl->interval_ms * 1000000ull;
	cl->rounds++;
	n = plan_round(d, true, cl->mode == VCN_REBALANCE_AUTO, cl->mode == VCN_REBALANCE_ADVISE ? &text : NULL,
		       NULL);
	if (text && strstr(text, "migrate ")) {
		vcn_info("rebalance advice (mode advise, nothing moved): %s", text);
		vcn_audit_log(&d->audit, "rebalance-advice", NULL, NULL, "%s", text);
	}
	free(text);
	if (n > 0)
		vcn_debug("rebalance round %u: %d migrations started", cl->rounds, n);
}

/* --- control verbs: rebalance [dry-run], drain HOST, undrain HOST, hosts -- */

static char *json_done(struct vcn_json *j)
{
	char *out;

	vcn_json_obj_end(j);
	out = j->err ? NULL : strdup(vcn_json_result(j));
	vcn_json_free(j);
	return out;
}

static char *textf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *textf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return strdup(buf);
}

static char *ctl_error(bool json, bool *ok, const char *msg)
{
	struct vcn_json j;

	*ok = false;
	if (!json)
		return textf("error: %s\n", msg);
	vcn_json_init(&j);
	vcn_json_obj_begin(&j);
	vcn_json_kbool(&j, "ok", false);
	vcn_json_kstr(&j, "error", msg);
	return json_done(&j);
}

static const char *const health_names[VCND_HEALTH_LAST] = { "up", "suspect", "down" };

static char *ctl_hosts(struct vcnd *d, bool json)
{
	struct vcnd_cluster *cl = d->cluster;
	struct vcn_json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (json) {
		vcn_json_init(&j);
		vcn_json_obj_begin(&j);
		vcn_json_kbool(&j, "ok", true);
		vcn_json_key(&j, "hosts");
		vcn_json_arr_begin(&j);
	}
	f = json ? NULL : open_memstream(&buf, &len);
	pthread_mutex_lock(&d->lock);
	for (unsigned h = 0; h < d->nhosts; h++) {
		const struct vcnd_chost *ch = &cl->hosts[h];
		unsigned n = 0;

		for (size_t i = 0; i < d->nvcns; i++)
			n += d->vcns[i].host == (int)h && d->vcns[i].state != VCND_FAILED;
		if (json) {
			vcn_json_obj_begin(&j);
			vcn_json_kstr(&j, "host", d->hosts[h].name);
			vcn_json_kstr(&j, "health", health_names[ch->health]);
			vcn_json_kbool(&j, "connected", d->hosts[h].conn != NULL);
			vcn_json_kbool(&j, "drain", ch->drain);
			vcn_json_kbool(&j, "stale", ch->stale);
			vcn_json_kdouble(&j, "cpus", ch->cpus);
			vcn_json_kint(&j, "mem_mib", (long long)ch->mem_mib);
			vcn_json_kint(&j, "vcns", n);
			vcn_json_obj_end(&j);
		} else if (f) {
			fprintf(f, "%-16s %-8s %s%s%u VCNs, %.0f CPUs, %llu MiB\n", d->hosts[h].name, health_names[ch->health],
				ch->drain ? "draining, " : "", ch->stale ? "stale, " : "", n, ch->cpus,
				(unsigned long long)ch->mem_mib);
		}
	}
	for (unsigned i = 0; i < VCND_MAX_MIGRATIONS; i++) {
		if (!cl->mig[i].busy)
			continue;
		if (f)
			fprintf(f, "migrating %s %s -> %s for %.0f s\n", cl->mig[i].vcn, d->hosts[cl->mig[i].from].name,
				d->hosts[cl->mig[i].to].name, (double)(vcn_now_ns() - cl->mig[i].start_ns) / 1e9);
	}
	pthread_mutex_unlock(&d->lock);
	if (json) {
		vcn_json_arr_end(&j);
		return json_done(&j);
	}
	if (f)
		fclose(f);
	return buf;
}

static char *ctl_drain(struct vcnd *d, bool json, bool *ok, const char *host, bool drain)
{
	struct vcnd_cluster *cl = d->cluster;
	int h = vcnd_host_index(d, host);
	unsigned left = 0;
	struct vcn_json j;

	if (h < 0) {
		char msg[128];

		snprintf(msg, sizeof(msg), "no host '%s'", host);
		return ctl_error(json, ok, msg);
	}
	pthread_mutex_lock(&d->lock);
	cl->hosts[h].drain = drain;
	for (size_t i = 0; i < d->nvcns; i++)
		left += d->vcns[i].host == h && d->vcns[i].state != VCND_FAILED;
	pthread_mutex_unlock(&d->lock);
	vcn_info("host '%s': %s (%u VCNs on it)", host, drain ? "draining" : "drain lifted", left);
	vcn_audit_log(&d->audit, drain ? "drain" : "undrain", NULL, host, "%u VCNs on it", left);
	if (drain)
		cl->next_round_ns = 0; /* the next tick starts moving them */
	if (!json)
		return textf("ok: host %s %s (%u VCNs on it)\n", host, drain ? "draining" : "no longer draining", left);
	vcn_json_init(&j);
	vcn_json_obj_begin(&j);
	vcn_json_kbool(&j, "ok", true);
	vcn_json_kstr(&j, "host", host);
	vcn_json_kbool(&j, "drain", drain);
	vcn_json_kint(&j, "vcns", left);
	return json_done(&j);
}

/* A control request for the cluster verbs (argv[0] is the verb). Returns
 * a malloc'ed answer (text lines or one JSON object) and *@ok. */
char *vcnd_cluster_ctl(struct vcnd *d, bool json, char **argv, unsigned argc, bool *ok)
{
	struct vcnd_cluster *cl = d->cluster;

	*ok = true;
	if (!cl)
		return ctl_error(json, ok, "cluster settings not loaded");
	if (strcmp(argv[0], "rebalance") == 0 && argc <= 2) {
		bool dry = argc == 2 && strcmp(argv[1], "dry-run") == 0;
		struct vcn_json j;
		char *text = NULL, *out;
		int n;

		if (argc == 2 && !dry)
			return ctl_error(json, ok, "rebalance: only --dry-run is an option");
		if (json) {
			vcn_json_init(&j);
			vcn_json_obj_begin(&j);
			vcn_json_kbool(&j, "dry_run", dry);
		}
		/* an explicit request migrates in any mode but off (drains aside) */
		n = plan_round(d, !dry, !dry && cl->mode != VCN_REBALANCE_OFF, json ? NULL : &text, json ? &j : NULL);
		if (n < 0) {
			if (json)
				vcn_json_free(&j);
			return ctl_error(json, ok, "rebalance: cannot plan (out of memory)");
		}
		if (json)
			return json_done(&j);
		out = textf("%s%s", text ? text : "", dry ? "(dry run: nothing moved)\n"
					    : cl->mode == VCN_REBALANCE_OFF ? "(rebalance off: only drains move)\n" : "");
		if (out && !dry && n > 0) {
			char *more = textf("%sstarted %d migrations\n", out, n);

			free(out);
			out = more;
		}
		free(text);
		return out;
	}
	if ((strcmp(argv[0], "drain") == 0 || strcmp(argv[0], "undrain") == 0) && argc == 2)
		return ctl_drain(d, json, ok, argv[1], strcmp(argv[0], "drain") == 0);
	if (strcmp(argv[0], "hosts") == 0 && argc == 1)
		return ctl_hosts(d, json);
	return ctl_error(json, ok, "wrong arguments (see vcnctl(8))");
}
