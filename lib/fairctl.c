/* The fairness controller: from one interval's usage to limit changes.
 *
 * Every resource is judged with Jain's index (lib/fairness.c) over the VMs
 * that want it, usage divided by entitlement, the entitlement proportional
 * to the VM's weight (its vCPUs unless the policy names a weight).
 *
 * CPU, work-conserving first:
 * - A VM wants CPU when it uses at least its share of min(pCPUs, vCPUs) or
 *   its vCPUs wait (steal above rules.cpu_steal_pct).  Entitlements among
 *   those are what is left after the others' use, split by weight.
 * - When the index stays below target for k_act intervals, every VM's
 *   cpu_shares is set to base x weight (base 1024 on cgroup v1, 100 on v2:
 *   libvirt's default is one base per VM whatever its vCPUs), clamped to the
 *   kernel's range.  Shares cost nothing while the host is idle.
 * - Only once shares are proportional and have held for `hold` intervals, a
 *   VM using more than (1 + over_fraction) x its entitlement while another
 *   waits below (1 - over_fraction) of its own with steal, for k_act
 *   intervals, gets a global quota of its entitlement x (1 + cap_headroom).
 *   The cap is released after k_relax intervals in which no other VM wants
 *   CPU at all, or the capped VM itself no longer does (contention ended),
 *   never earlier than `hold` after it was set. While it stays, it follows
 *   the entitlement: up at once, down only while the VM is over it with
 *   another waiting, and not before `hold`.
 * - Entitlements are parts of the host's CPUs (up to the VMs' vCPUs), or,
 *   when a contending VM waits, of what all the VMs used together: other
 *   work on the host takes the rest.
 * Disk and network (capacity unknown, so shares of the measured total):
 * - A VM wants disk (net) when it moves at least *_active_bytes_s, or its
 *   latency (drops) passes the contention rule, or it runs at its cap.
 * - A VM whose share of the total exceeds hog_factor x its entitled share
 *   while the index is below target, for k_act intervals, is capped at its
 *   entitled share of that total x (1 + cap_headroom), never below
 *   *_min_bytes_s.  The cap is not ratcheted down afterwards (that would
 *   chase the neighbours' own modest demand); it is released after k_relax
 *   intervals in which no other VM wants the resource or the capped VM no
 *   longer does, and not before `hold` intervals after it was set.
 * Fixed caps from the policy are a floor under all of this: enforced at
 * once, and what a release returns to.
 *
 * Nothing here talks to libvirt or logs on success; the caller applies the
 * actions (lib/limits.c) and logs their reasons.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fairctl.h"
#include "fairness.h"
#include "log.h"

static const char *const resource_names[VCN_FAIR_RESOURCE_LAST] = {
	[VCN_FAIR_CPU_SHARES] = "cpu_shares",
	[VCN_FAIR_CPU_QUOTA] = "cpu_quota",
	[VCN_FAIR_DISK_IOTUNE] = "disk_iotune",
	[VCN_FAIR_NET_BANDWIDTH] = "net_bandwidth",
};

/* Name of @r ("cpu_shares", ...), or "unknown" out of range. */
const char *vcn_fair_resource_name(enum vcn_fair_resource r)
{
	if ((unsigned)r >= VCN_FAIR_RESOURCE_LAST)
		return "unknown";
	return resource_names[r];
}

#define MIB (1024.0 * 1024.0)

/* Defaults for a host with @pcpus CPUs (see the fields in fairctl.h). */
void vcn_fairctl_conf_default(struct vcn_fairctl_conf *conf, unsigned pcpus)
{
	memset(conf, 0, sizeof(*conf));
	conf->target = 0.95;
	conf->k_act = 3;
	conf->k_relax = 3;
	conf->hold = 10;
	conf->pcpus = pcpus;
	conf->cgroup_v2 = false;
	conf->shares_tolerance = 0.05;
	conf->over_fraction = 0.10;
	conf->cap_headroom = 0.05;
	conf->hog_factor = 1.5;
	conf->disk_active_bytes_s = 1 * MIB;
	conf->net_active_bytes_s = 128 * 1024.0;
	conf->disk_min_bytes_s = 1 * MIB;
	conf->net_min_bytes_s = 128 * 1024.0;
	vcn_contention_rules_default(&conf->rules);
}

/* Start a controller with a copy of @conf.  Returns 0, or -EINVAL (logged)
 * for pcpus 0, a target outside (0, 1], k_act or k_relax 0, or a negative
 * tolerance.  vcn_fairctl_free() releases it (also after a failed init). */
int vcn_fairctl_init(struct vcn_fairctl *fc, const struct vcn_fairctl_conf *conf)
{
	memset(fc, 0, sizeof(*fc));
	if (conf->pcpus == 0) {
		vcn_err("fairctl: host has 0 CPUs");
		return -EINVAL;
	}
	if (!(conf->target > 0 && conf->target <= 1)) {
		vcn_err("fairctl: target index '%g' is not in (0, 1]", conf->target);
		return -EINVAL;
	}
	if (conf->k_act == 0 || conf->k_relax == 0) {
		vcn_err("fairctl: k_act '%u' and k_relax '%u' must be at least 1", conf->k_act,
			conf->k_relax);
		return -EINVAL;
	}
	if (!(conf->shares_tolerance >= 0) || !(conf->over_fraction >= 0 && conf->over_fraction < 1) ||
	    !(conf->cap_headroom >= 0) || !(conf->hog_factor >= 1)) {
		vcn_err("fairctl: bad tolerances: shares '%g', over '%g', headroom '%g', hog '%g'",
			conf->shares_tolerance, conf->over_fraction, conf->cap_headroom,
			conf->hog_factor);
		return -EINVAL;
	}
	fc->conf = *conf;
	return 0;
}

/* Release @fc's state (NULL or zeroed: no-op). */
void vcn_fairctl_free(struct vcn_fairctl *fc)
{
	if (!fc)
		return;
	free(fc->vms);
	fc->vms = NULL;
	fc->n = fc->cap = 0;
}

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t len = strnlen(src, size - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

static double nan_sum(double a, double b)
{
	if (isnan(a))
		return b;
	if (isnan(b))
		return a;
	return a + b;
}

/* Reduce one VM's metrics @m to the controller's input @out: CPUs used
 * (cpu.time per second, else user + system of its vCPUs), steal, bytes per
 * second and the worst latency over all disks, bytes and drops over all
 * interfaces, and the busiest disk and interface as what to limit.
 * Returns 0, or -EINVAL (logged) for a VM without a name. */
int vcn_fairctl_vm_from_metrics(const struct vcn_vmmetrics *m, struct vcn_fairctl_vm *out)
{
	double best;
	unsigned i;

	memset(out, 0, sizeof(*out));
	if (!m->name[0]) {
		vcn_err("fairctl: VM metrics without a name");
		return -EINVAL;
	}
	copy_str(out->name, sizeof(out->name), m->name);
	out->vcpus = m->cpu_num;
	out->cpu_used = m->cpu_used;
	if (isnan(out->cpu_used) && !isnan(m->cpu_user))
		out->cpu_used = nan_sum(m->cpu_user, m->cpu_system) / 100.0 * m->cpu_num;
	out->cpu_steal_pct = m->cpu_steal;
	out->disk_bytes_s = nan_sum(m->disk_sum.rd_bytes_s, m->disk_sum.wr_bytes_s);
	out->disk_ms_op = m->disk_sum.rd_ms_op;
	if (isnan(out->disk_ms_op) || m->disk_sum.wr_ms_op > out->disk_ms_op)
		out->disk_ms_op = m->disk_sum.wr_ms_op;
	out->net_bytes_s = nan_sum(m->nic_sum.bytes_in, m->nic_sum.bytes_out);
	out->net_drops_s = nan_sum(m->nic_sum.drops_in, m->nic_sum.drops_out);
	best = -1;
	for (i = 0; i < m->ndisks && i < VCN_VMSAMPLE_MAX_DISKS; i++) {
		double u = nan_sum(m->disk[i].rd_bytes_s, m->disk[i].wr_bytes_s);

		if (isnan(u))
			u = 0;
		if (u > best) {
			best = u;
			copy_str(out->disk, sizeof(out->disk), m->disk[i].name);
		}
	}
	best = -1;
	for (i = 0; i < m->nnics && i < VCN_VMSAMPLE_MAX_NICS; i++) {
		double u = nan_sum(m->nic[i].bytes_in, m->nic[i].bytes_out);

		if (isnan(u))
			u = 0;
		if (u > best) {
			best = u;
			copy_str(out->nic, sizeof(out->nic), m->nic[i].name);
		}
	}
	return 0;
}

/* Record that @a took effect: the limits in @lim become what @a set. */
void vcn_fair_action_apply_to(const struct vcn_fair_action *a, struct vcn_vm_limits *lim)
{
	switch (a->resource) {
	case VCN_FAIR_CPU_SHARES:
		lim->cpu_shares = a->new_value;
		break;
	case VCN_FAIR_CPU_QUOTA:
		lim->cpu_quota_us = a->new_value;
		break;
	case VCN_FAIR_DISK_IOTUNE:
		lim->disk_bytes_s = a->new_value;
		break;
	case VCN_FAIR_NET_BANDWIDTH:
		lim->net_bytes_s = a->new_value;
		break;
	case VCN_FAIR_RESOURCE_LAST:
		break;
	}
}

/* --- one step ------------------------------------------------------------ */

struct step {
	struct vcn_fairctl *fc;
	const struct vcn_fairctl_vm *vms;
	const struct vcn_vm_limits *cur;
	size_t n;
	struct vcn_fairctl_vmstate **st;  /* aligned with vms */
	double *w;                        /* weights */
	uint64_t *base;                   /* scratch: fixed caps per VM */
	struct vcn_fair_consumer *c;      /* scratch */
	double *ent;                      /* scratch */
	struct vcn_fair_action *out;
	size_t nout, out_cap;
};

static void fmt_value(enum vcn_fair_resource r, uint64_t v, char *buf, size_t size)
{
	switch (r) {
	case VCN_FAIR_CPU_SHARES:
		if (v == 0)
			snprintf(buf, size, "unknown");
		else
			snprintf(buf, size, "%llu", (unsigned long long)v);
		break;
	case VCN_FAIR_CPU_QUOTA:
		if (v == 0)
			snprintf(buf, size, "none");
		else
			snprintf(buf, size, "%llu/%llu us", (unsigned long long)v,
				 (unsigned long long)VCN_FAIRCTL_PERIOD_US);
		break;
	default:
		if (v == 0)
			snprintf(buf, size, "none");
		else
			snprintf(buf, size, "%.1f MiB/s", (double)v / MIB);
		break;
	}
}

static bool hold_ok(const struct step *s, size_t i, enum vcn_fair_resource r)
{
	uint64_t at = s->st[i]->changed_at[r];

	return at == 0 || s->fc->tick - at >= s->fc->conf.hold;
}

/* Append an action; @why is the reason up to the value change, which is
 * appended as ": <resource>[(dev)] <old> -> <new>". */
static void emit(struct step *s, size_t i, enum vcn_fair_resource r, const char *dev,
		 uint64_t old_value, uint64_t new_value, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
static void emit(struct step *s, size_t i, enum vcn_fair_resource r, const char *dev,
		 uint64_t old_value, uint64_t new_value, const char *fmt, ...)
{
	struct vcn_fair_action *a;
	struct vcn_fairctl_vmstate *st = s->st[i];
	char why[VCN_FAIRCTL_REASON_MAX], o[48], nv[48];
	va_list ap;
	int len;

	if (s->nout >= s->out_cap)
		return; /* cannot happen: out_cap >= n x resources, checked by the caller */
	a = &s->out[s->nout++];
	memset(a, 0, sizeof(*a));
	copy_str(a->vm, sizeof(a->vm), s->vms[i].name);
	a->resource = r;
	copy_str(a->dev, sizeof(a->dev), dev ? dev : "");
	a->old_value = old_value;
	a->new_value = new_value;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fmt_value(r, old_value, o, sizeof(o));
	fmt_value(r, new_value, nv, sizeof(nv));
	/* the value change is the point: keep it whole, shorten the why */
	len = snprintf(a->reason, sizeof(a->reason), ": %s%s%s%s %s -> %s",
		       vcn_fair_resource_name(r), a->dev[0] ? "(" : "", a->dev,
		       a->dev[0] ? ")" : "", o, nv);
	if (len > 0 && (size_t)len < sizeof(a->reason)) {
		size_t keep = strnlen(why, sizeof(a->reason) - 1 - (size_t)len);

		memmove(a->reason + keep, a->reason, (size_t)len + 1);
		memcpy(a->reason, why, keep);
	}
	st->changed_at[r] = s->fc->tick;
	st->act_streak[r] = 0;
	st->relax_streak[r] = 0;
	copy_str(st->dev[r], sizeof(st->dev[r]), a->dev);
}

static uint64_t shares_for(const struct vcn_fairctl_conf *conf, double weight)
{
	double base = conf->cgroup_v2 ? 100.0 : 1024.0;
	double lo = conf->cgroup_v2 ? 1 : 2, hi = conf->cgroup_v2 ? 10000 : 262144;
	double v = round(base * weight);

	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	return (uint64_t)v;
}

static bool differs(uint64_t cur, uint64_t want, double tol)
{
	double d = fabs((double)cur - (double)want);

	return d > tol * (double)want;
}

static int cpu_step(struct step *s)
{
	const struct vcn_fairctl_conf *conf = &s->fc->conf;
	const struct vcn_fairctl_vm *v = s->vms;
	struct vcn_fair_consumer *c = s->c;
	struct vcn_fairness f;
	double capacity, left, vcpus = 0, used_all = 0, w_all = 0, *ent = s->ent;
	bool unfair, shares_ok = true, any = false;
	size_t i, j;
	int rc;

	for (i = 0; i < s->n; i++) {
		vcpus += v[i].vcpus;
		w_all += s->w[i];
		if (!isnan(v[i].cpu_used))
			used_all += v[i].cpu_used;
	}
	capacity = vcpus < conf->pcpus ? vcpus : conf->pcpus;
	/* who wants CPU: judged against the share of everything */
	for (i = 0; i < s->n; i++) {
		double share = w_all > 0 ? capacity * s->w[i] / w_all : 0;
		bool steal = !isnan(v[i].cpu_steal_pct) &&
			     v[i].cpu_steal_pct > conf->rules.cpu_steal_pct;

		c[i].usage = isnan(v[i].cpu_used) ? 0 : v[i].cpu_used;
		c[i].contending = !isnan(v[i].cpu_used) && v[i].vcpus > 0 &&
				  vcn_fair_wants_more(v[i].cpu_used, share, steal);
		c[i].entitlement = 0;
	}
	/* The CPU the VMs get together is less than the host's when work that is
	 * not ours to limit takes some. A contending VM that waits (steal) says
	 * the host is saturated: then what they all used is what there is to
	 * share, and entitlements are parts of that, not of every pCPU (else
	 * nobody ever looks over its entitlement on a loaded host). */
	for (i = 0; i < s->n; i++)
		if (c[i].contending && !isnan(v[i].cpu_steal_pct) &&
		    v[i].cpu_steal_pct > conf->rules.cpu_steal_pct && used_all < capacity) {
			capacity = used_all;
			break;
		}
	/* among them, what the others leave, by weight */
	left = capacity;
	for (i = 0; i < s->n; i++)
		if (!c[i].contending && !isnan(v[i].cpu_used))
			left -= v[i].cpu_used;
	if (left < 0.01 * capacity)
		left = 0.01 * capacity;
	for (i = 0; i < s->n; i++) {
		ent[i] = c[i].contending ? s->w[i] : 0;
		any = any || c[i].contending;
	}
	if (any) {
		rc = vcn_fairness_entitle(ent, s->n, left, ent);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < s->n; i++) {
		c[i].entitlement = ent[i];
		/* for display: a VM not contending is entitled to its weight's part */
		s->st[i]->cpu_entitled = c[i].contending ? ent[i] :
					 (w_all > 0 ? capacity * s->w[i] / w_all : 0);
	}
	rc = vcn_fairness_jain(c, s->n, &f);
	if (rc < 0)
		return rc;
	s->fc->jain[VCN_FAIR_CPU_SHARES] = s->fc->jain[VCN_FAIR_CPU_QUOTA] = f.index;
	s->fc->contending[VCN_FAIR_CPU_SHARES] = s->fc->contending[VCN_FAIR_CPU_QUOTA] =
		(unsigned)f.n;
	unfair = f.n >= 2 && f.index < conf->target;
	s->fc->cpu_unfair_streak = unfair ? s->fc->cpu_unfair_streak + 1 : 0;

	/* shares proportional to weight, for everyone at once */
	for (i = 0; i < s->n; i++) {
		uint64_t want = shares_for(conf, s->w[i]);

		if (differs(s->cur[i].cpu_shares, want, conf->shares_tolerance) ||
		    !hold_ok(s, i, VCN_FAIR_CPU_SHARES))
			shares_ok = false;
	}
	if (s->fc->cpu_unfair_streak >= conf->k_act) {
		for (i = 0; i < s->n; i++) {
			uint64_t want = shares_for(conf, s->w[i]);

			if (!differs(s->cur[i].cpu_shares, want, conf->shares_tolerance) ||
			    !hold_ok(s, i, VCN_FAIR_CPU_SHARES))
				continue;
			emit(s, i, VCN_FAIR_CPU_SHARES, "", s->cur[i].cpu_shares, want,
			     "cpu: Jain %.2f < target %.2f among %zu contending for %u intervals; "
			     "%s uses %.0f%% vs entitled %.0f%%", f.index, conf->target, f.n,
			     s->fc->cpu_unfair_streak, v[i].name,
			     used_all > 0 ? 100.0 * c[i].usage / used_all : 0.0,
			     w_all > 0 ? 100.0 * s->w[i] / w_all : 0.0);
		}
	}

	/* caps: only over shares that are right and settled */
	for (i = 0; i < s->n; i++) {
		struct vcn_fairctl_vmstate *st = s->st[i];
		uint64_t cur = s->cur[i].cpu_quota_us, base = s->base[i];
		double x = c[i].contending ? c[i].usage / c[i].entitlement : 0;
		size_t waiter = SIZE_MAX;
		bool others = false;

		for (j = 0; j < s->n; j++) {
			if (j == i || !c[j].contending)
				continue;
			others = true;
			if (c[j].usage / c[j].entitlement < 1 - conf->over_fraction &&
			    !isnan(v[j].cpu_steal_pct) &&
			    v[j].cpu_steal_pct > conf->rules.cpu_steal_pct && waiter == SIZE_MAX)
				waiter = j;
		}
		if (cur == 0 || cur == base) {
			uint64_t q;

			st->relax_streak[VCN_FAIR_CPU_QUOTA] = 0;
			if (unfair && c[i].contending && x > 1 + conf->over_fraction &&
			    waiter != SIZE_MAX)
				st->act_streak[VCN_FAIR_CPU_QUOTA]++;
			else
				st->act_streak[VCN_FAIR_CPU_QUOTA] = 0;
			if (base > 0 && cur != base &&
			    st->act_streak[VCN_FAIR_CPU_QUOTA] < conf->k_act) {
				emit(s, i, VCN_FAIR_CPU_QUOTA, "", cur, base,
				     "policy: %s has a fixed CPU cap", v[i].name);
				continue;
			}
			if (st->act_streak[VCN_FAIR_CPU_QUOTA] < conf->k_act || !shares_ok ||
			    !hold_ok(s, i, VCN_FAIR_CPU_QUOTA))
				continue;
			q = (uint64_t)llround(c[i].entitlement * (1 + conf->cap_headroom) *
					      (double)VCN_FAIRCTL_PERIOD_US);
			if (q < 1000)
				q = 1000; /* the kernel's smallest quota */
			if (base > 0 && q > base)
				q = base;
			if (q == cur)
				continue;
			emit(s, i, VCN_FAIR_CPU_QUOTA, "", cur, q,
			     "cpu: Jain %.2f < target %.2f among %zu contending, shares in force; "
			     "%s at %.2f CPUs vs entitled %.2f while %s waits (steal %.0f%%)",
			     f.index, conf->target, f.n, v[i].name, c[i].usage, c[i].entitlement,
			     v[waiter].name, v[waiter].cpu_steal_pct);
		} else {
			/* a cap of ours: release when nobody else wants CPU */
			st->act_streak[VCN_FAIR_CPU_QUOTA] = 0;
			if (others && c[i].contending)
				st->relax_streak[VCN_FAIR_CPU_QUOTA] = 0;
			else
				st->relax_streak[VCN_FAIR_CPU_QUOTA]++;
			if (others && c[i].contending) {
				/* still needed: follow the entitlement as the CPU the VMs
				 * get together moves (other load comes and goes). Up
				 * freely; down only on the evidence that set the cap (over
				 * its entitlement while another waits) and after `hold`,
				 * since a cap that chased a quiet spell down would hold the
				 * VM there. */
				uint64_t q = (uint64_t)llround(c[i].entitlement * (1 + conf->cap_headroom) *
							       (double)VCN_FAIRCTL_PERIOD_US);
				bool up, down;

				if (q < 1000)
					q = 1000;
				if (base > 0 && q > base)
					q = base;
				/* raising a cap only gives back: no need to wait out the
				 * hold (waiting let the capped VM fall behind by up to
				 * `hold` intervals when other load went away) */
				up = q > cur;
				down = q < cur && unfair && x > 1 + conf->over_fraction && waiter != SIZE_MAX &&
				       hold_ok(s, i, VCN_FAIR_CPU_QUOTA);
				if ((up || down) && differs(cur, q, 2 * conf->shares_tolerance))
					emit(s, i, VCN_FAIR_CPU_QUOTA, "", cur, q,
					     "cpu: entitlement of %s moved to %.2f CPUs (Jain %.2f among %zu)",
					     v[i].name, c[i].entitlement, f.index, f.n);
				continue;
			}
			if (st->relax_streak[VCN_FAIR_CPU_QUOTA] < conf->k_relax ||
			    !hold_ok(s, i, VCN_FAIR_CPU_QUOTA))
				continue;
			emit(s, i, VCN_FAIR_CPU_QUOTA, "", cur, base,
			     "cpu: contention ended (%s for %u intervals)",
			     others ? "it no longer wants CPU" : "no other VM wants CPU",
			     st->relax_streak[VCN_FAIR_CPU_QUOTA]);
		}
	}
	return 0;
}

/* disk and network: the same rules over different fields */
struct io_view {
	enum vcn_fair_resource r;
	const char *what;   /* "disk", "net" */
	double active, min;
};

static double io_usage(const struct io_view *iv, const struct vcn_fairctl_vm *v)
{
	return iv->r == VCN_FAIR_DISK_IOTUNE ? v->disk_bytes_s : v->net_bytes_s;
}

static bool io_signal(const struct io_view *iv, const struct vcn_fairctl_conf *conf,
		      const struct vcn_fairctl_vm *v)
{
	if (iv->r == VCN_FAIR_DISK_IOTUNE)
		return !isnan(v->disk_ms_op) && v->disk_ms_op > conf->rules.disk_ms_op;
	return !isnan(v->net_drops_s) && v->net_drops_s > conf->rules.net_drops_s;
}

static uint64_t io_cur(const struct io_view *iv, const struct vcn_vm_limits *l)
{
	return iv->r == VCN_FAIR_DISK_IOTUNE ? l->disk_bytes_s : l->net_bytes_s;
}

static const char *io_dev(const struct io_view *iv, const struct vcn_fairctl_vm *v)
{
	return iv->r == VCN_FAIR_DISK_IOTUNE ? v->disk : v->nic;
}

static int io_step(struct step *s, const struct io_view *iv)
{
	const struct vcn_fairctl_conf *conf = &s->fc->conf;
	const struct vcn_fairctl_vm *v = s->vms;
	struct vcn_fair_consumer *c = s->c;
	struct vcn_fairness f;
	double total = 0, wsum = 0;
	bool unfair;
	size_t i, j;
	int rc;

	for (i = 0; i < s->n; i++) {
		double u = io_usage(iv, &v[i]);
		uint64_t cap = io_cur(iv, &s->cur[i]);

		c[i].usage = isnan(u) ? 0 : u;
		c[i].entitlement = s->w[i];
		c[i].contending = !isnan(u) && s->w[i] > 0 &&
				  (u >= iv->active || io_signal(iv, conf, &v[i]) ||
				   (cap > 0 && u >= conf->rules.cap_fraction * (double)cap));
		if (c[i].contending) {
			total += c[i].usage;
			wsum += s->w[i];
		}
	}
	rc = vcn_fairness_jain(c, s->n, &f);
	if (rc < 0)
		return rc;
	s->fc->jain[iv->r] = f.index;
	s->fc->contending[iv->r] = (unsigned)f.n;
	unfair = f.n >= 2 && f.index < conf->target && total > 0;

	for (i = 0; i < s->n; i++) {
		struct vcn_fairctl_vmstate *st = s->st[i];
		uint64_t cur = io_cur(iv, &s->cur[i]), base = s->base[i];
		double share = total > 0 ? c[i].usage / total : 0;
		double entitled = wsum > 0 ? s->w[i] / wsum : 0;
		bool others = false;

		for (j = 0; j < s->n; j++)
			if (j != i && c[j].contending)
				others = true;
		if (cur == 0 || cur == base) {
			const char *dev = io_dev(iv, &v[i]);
			double capd;
			uint64_t cap;

			st->relax_streak[iv->r] = 0;
			if (unfair && c[i].contending && share > entitled * conf->hog_factor)
				st->act_streak[iv->r]++;
			else
				st->act_streak[iv->r] = 0;
			if (!dev[0])
				continue; /* nothing to limit */
			if (base > 0 && cur != base && st->act_streak[iv->r] < conf->k_act) {
				emit(s, i, iv->r, dev, cur, base, "policy: %s has a fixed %s cap",
				     v[i].name, iv->what);
				continue;
			}
			if (st->act_streak[iv->r] < conf->k_act || !hold_ok(s, i, iv->r))
				continue;
			capd = entitled * total * (1 + conf->cap_headroom);
			if (capd < iv->min)
				capd = iv->min;
			cap = (uint64_t)llround(capd);
			if (base > 0 && cap > base)
				cap = base;
			if (cap == cur)
				continue;
			emit(s, i, iv->r, dev, cur, cap,
			     "%s: Jain %.2f < target %.2f among %zu active for %u intervals; "
			     "%s takes %.0f%% of %.1f MiB/s vs entitled %.0f%%", iv->what, f.index,
			     conf->target, f.n, st->act_streak[iv->r], v[i].name, 100.0 * share,
			     total / MIB, 100.0 * entitled);
		} else {
			st->act_streak[iv->r] = 0;
			if (others && c[i].contending)
				st->relax_streak[iv->r] = 0;
			else
				st->relax_streak[iv->r]++;
			if (st->relax_streak[iv->r] < conf->k_relax || !hold_ok(s, i, iv->r))
				continue;
			emit(s, i, iv->r, st->dev[iv->r][0] ? st->dev[iv->r] : io_dev(iv, &v[i]),
			     cur, base, "%s: contention ended (%s for %u intervals)", iv->what,
			     others ? "it is no longer active" : "no other VM active",
			     st->relax_streak[iv->r]);
		}
	}
	return 0;
}

/* Find or add the state of @name; states not seen in this step are dropped
 * afterwards (a VM that left is forgotten). */
static struct vcn_fairctl_vmstate *state_of(struct vcn_fairctl *fc, const char *name)
{
	struct vcn_fairctl_vmstate *st;
	size_t i;

	for (i = 0; i < fc->n; i++)
		if (strcmp(fc->vms[i].name, name) == 0)
			return &fc->vms[i];
	if (fc->n == fc->cap) {
		size_t cap = fc->cap ? fc->cap * 2 : 8;

		st = realloc(fc->vms, cap * sizeof(*st));
		if (!st)
			return NULL;
		fc->vms = st;
		fc->cap = cap;
	}
	st = &fc->vms[fc->n++];
	memset(st, 0, sizeof(*st));
	copy_str(st->name, sizeof(st->name), name);
	return st;
}

static void forget_unseen(struct vcn_fairctl *fc)
{
	size_t i, k = 0;

	for (i = 0; i < fc->n; i++) {
		if (!fc->vms[i].seen)
			continue;
		fc->vms[i].seen = false;
		if (k != i)
			fc->vms[k] = fc->vms[i];
		k++;
	}
	fc->n = k;
}

/* One control interval.  @vms[0..@n) are the running VMs with this
 * interval's usage, @policy[0..n) their policies (NULL: all automatic) and
 * @cur[0..n) the limits in force on each.  Writes the limit changes to
 * @out (room for @out_cap; n x VCN_FAIR_RESOURCE_LAST always suffices) and
 * returns how many, or -EINVAL (logged) for a VM without a name or twice in
 * @vms, -ENOSPC (logged) when out_cap is below n x VCN_FAIR_RESOURCE_LAST,
 * -ENOMEM (logged).  The caller applies the actions and then passes the new
 * limits as @cur next time (vcn_fair_action_apply_to() does the
 * bookkeeping); a VM missing from @vms loses its hysteresis state. */
int vcn_fairctl_step(struct vcn_fairctl *fc, const struct vcn_fairctl_vm *vms,
		     const struct vcn_fairctl_policy *policy, const struct vcn_vm_limits *cur,
		     size_t n, struct vcn_fair_action *out, size_t out_cap)
{
	struct step s = { .fc = fc, .vms = vms, .cur = cur, .n = n, .out = out,
			  .out_cap = out_cap };
	struct io_view disk = { VCN_FAIR_DISK_IOTUNE, "disk", fc->conf.disk_active_bytes_s,
				fc->conf.disk_min_bytes_s };
	struct io_view net = { VCN_FAIR_NET_BANDWIDTH, "net", fc->conf.net_active_bytes_s,
			       fc->conf.net_min_bytes_s };
	size_t i, j, m = n ? n : 1;
	int rc = 0;

	if (out_cap < n * VCN_FAIR_RESOURCE_LAST) {
		vcn_err("fairctl: room for %zu actions, %zu VMs need %zu", out_cap, n,
			n * (size_t)VCN_FAIR_RESOURCE_LAST);
		return -ENOSPC;
	}
	for (i = 0; i < n; i++) {
		if (!vms[i].name[0]) {
			vcn_err("fairctl: VM %zu has no name", i);
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (strcmp(vms[i].name, vms[j].name) == 0) {
				vcn_err("fairctl: VM '%s' given twice", vms[i].name);
				return -EINVAL;
			}
	}
	s.st = calloc(m, sizeof(*s.st));
	s.w = calloc(m, sizeof(*s.w));
	s.base = calloc(m, sizeof(*s.base));
	s.c = calloc(m, sizeof(*s.c));
	s.ent = calloc(m, sizeof(*s.ent));
	if (!s.st || !s.w || !s.base || !s.c || !s.ent) {
		vcn_err("fairctl: out of memory for %zu VMs", n);
		rc = -ENOMEM;
		goto cleanup;
	}
	fc->tick++;
	for (i = 0; i < n; i++) {
		s.st[i] = state_of(fc, vms[i].name);
		if (!s.st[i]) {
			vcn_err("fairctl: out of memory for VM '%s'", vms[i].name);
			rc = -ENOMEM;
			goto cleanup;
		}
		s.st[i]->seen = true;
		s.w[i] = policy && policy[i].weight > 0 ? policy[i].weight : (double)vms[i].vcpus;
	}
	/* states are pointers into fc->vms: take them again after any realloc */
	for (i = 0; i < n; i++)
		s.st[i] = state_of(fc, vms[i].name);

	for (i = 0; i < n; i++)
		s.base[i] = policy && policy[i].cpu_cap_cpus > 0 ?
			(uint64_t)llround(policy[i].cpu_cap_cpus * (double)VCN_FAIRCTL_PERIOD_US) : 0;
	rc = cpu_step(&s);
	if (rc < 0)
		goto cleanup;
	for (i = 0; i < n; i++)
		s.base[i] = policy && policy[i].disk_cap_bytes_s > 0 ?
			(uint64_t)llround(policy[i].disk_cap_bytes_s) : 0;
	rc = io_step(&s, &disk);
	if (rc < 0)
		goto cleanup;
	for (i = 0; i < n; i++)
		s.base[i] = policy && policy[i].net_cap_bytes_s > 0 ?
			(uint64_t)llround(policy[i].net_cap_bytes_s) : 0;
	rc = io_step(&s, &net);
	if (rc < 0)
		goto cleanup;
	rc = (int)s.nout;

cleanup:
	if (rc >= 0)
		forget_unseen(fc);
	else /* a failed step forgets nobody */
		for (i = 0; i < fc->n; i++)
			fc->vms[i].seen = false;
	free(s.st);
	free(s.w);
	free(s.base);
	free(s.c);
	free(s.ent);
	return rc;
}
