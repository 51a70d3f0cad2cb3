/* Scale out fast (up to step_up per decision), scale in slowly (only VCNs
 * idle for a whole idle period, longest idle first, at most step_down),
 * and wait a cooldown after either, so a noisy demand does not make the
 * VCN count flap. Busy VCNs are never chosen for removal. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoscale.h"
#include "log.h"
#include "parse.h"

void vcn_as_policy_default(struct vcn_as_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->min = 0;
	p->max = 4;
	p->jobs_per_vcn = 1;
	p->step_up = 2;
	p->step_down = 1;
	p->cooldown_ms = 30000;
	p->idle_threshold = 0.1;
	p->idle_period_ms = 60000;
	p->shutdown_timeout_ms = 30000;
}

/* Is @p consistent? Returns 0, or -EINVAL with a static reason in *@why. */
int vcn_as_policy_check(const struct vcn_as_policy *p, const char **why)
{
	*why = NULL;
	if (p->min > p->max)
		*why = "min is above max";
	else if (!(p->jobs_per_vcn > 0) || !isfinite(p->jobs_per_vcn))
		*why = "jobs_per_vcn must be above 0";
	else if (p->step_up == 0 || p->step_down == 0)
		*why = "steps must be at least 1";
	else if (!(p->idle_threshold >= 0 && p->idle_threshold <= 1))
		*why = "idle_threshold must be within 0..1";
	return *why ? -EINVAL : 0;
}

/* VCNs @demand asks for: ceil(demand / jobs per VCN) within min..max. */
unsigned vcn_as_ideal(const struct vcn_as_policy *p, double demand)
{
	double want;

	if (!(demand > 0))
		return p->min;
	want = ceil(demand / p->jobs_per_vcn - 1e-9);
	if (want > p->max)
		return p->max;
	return want < p->min ? p->min : (unsigned)want;
}

/* Record @v's CPU use @load (fraction of its vCPUs) at @now_ms: the start
 * of an idle stretch is kept until it gets busy again. */
void vcn_as_track(const struct vcn_as_policy *p, struct vcn_as_vcn *v, double load, uint64_t now_ms)
{
	if (!v->ready || !(load < p->idle_threshold))
		v->idle_since_ms = 0;
	else if (v->idle_since_ms == 0)
		v->idle_since_ms = now_ms ? now_ms : 1;
}

static int by_idle(const void *a, const void *b, void *arg)
{
	const struct vcn_as_vcn *v = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (v[x].idle_since_ms != v[y].idle_since_ms)
		return v[x].idle_since_ms < v[y].idle_since_ms ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Decide for one VO: @demand (NaN: the source failed -> hold), its
 * @n VCNs (booting ones included, ready = false), at @now_ms. Fills @d
 * (vcn_as_decision_clear) and updates @st when it acts. Returns 0 or
 * -ENOMEM. */
int vcn_as_decide(const struct vcn_as_policy *p, struct vcn_as_state *st, double demand,
		  const struct vcn_as_vcn *vcns, size_t n, uint64_t now_ms, struct vcn_as_decision *d)
{
	bool cooling = st->acted && now_ms < st->last_action_ms + p->cooldown_ms;
	size_t cand = 0;

	memset(d, 0, sizeof(*d));
	d->target = (unsigned)n;
	if (isnan(demand)) {
		d->ideal = (unsigned)n;
		d->why = "demand unknown: hold";
		return 0;
	}
	d->ideal = vcn_as_ideal(p, demand);
	if (n < p->min) {
		d->add = p->min - (unsigned)n; /* the floor is not a scaling decision */
		d->why = "below min";
	} else if (d->ideal > n) {
		if (cooling) {
			d->why = "cooldown";
			return 0;
		}
		d->add = d->ideal - (unsigned)n;
		if (d->add > p->step_up)
			d->add = p->step_up;
		d->why = "scale out";
	} else if (d->ideal < n || n > p->max) {
		unsigned want = (unsigned)n - d->ideal;
		bool over = n > p->max;

		if (cooling && !over) {
			d->why = "cooldown";
			return 0;
		}
		d->remove = calloc(n, sizeof(*d->remove));
		if (!d->remove)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			if (vcns[i].ready && vcns[i].idle_since_ms &&
			    (over || now_ms >= vcns[i].idle_since_ms + p->idle_period_ms))
				d->remove[cand++] = i;
		qsort_r(d->remove, cand, sizeof(*d->remove), by_idle, (void *)vcns);
		if (!over && want > p->step_down)
			want = p->step_down;
		d->n_remove = cand < want ? cand : want;
		d->why = d->n_remove ? "scale in" : "no VCN idle long enough";
	} else {
		d->why = "at target";
	}
	d->target = (unsigned)n + d->add - (unsigned)d->n_remove;
	if (d->add || d->n_remove) {
		st->acted = true;
		st->last_action_ms = now_ms;
	}
	return 0;
}

void vcn_as_decision_clear(struct vcn_as_decision *d)
{
	if (!d)
		return;
	free(d->remove);
	memset(d, 0, sizeof(*d));
}

/* --- traces ---------------------------------------------------------- */

/* Parse a demand trace: lines "T_S DEMAND [CLEAN]" ('#' comments), times
 * increasing; CLEAN (the noise-free demand) defaults to DEMAND. Returns 0
 * and three malloc'ed arrays of *@n points, or -EINVAL ("file:line:
 * message" logged), -ENOMEM. */
int vcn_as_trace_parse(const char *text, const char *file, double **t_s, double **demand, double **clean,
		       size_t *n)
{
	double *t = NULL, *d = NULL, *c = NULL;
	size_t cnt = 0, cap = 0;
	const char *line = text ? text : "";
	unsigned lineno = 0;
	int rc = -EINVAL;

	*t_s = *demand = *clean = NULL;
	*n = 0;
	while (*line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char buf[256], *w[4], *p;
		size_t nw = 0;

		lineno++;
		if (len >= sizeof(buf)) {
			vcn_err("%s:%u: line too long", file, lineno);
			goto cleanup;
		}
		memcpy(buf, line, len);
		buf[len] = '\0';
		line = eol ? eol + 1 : line + len;
		if ((p = strchr(buf, '#')))
			*p = '\0';
		for (p = buf; *p && nw < 4;) {
			while (*p == ' ' || *p == '\t' || *p == '\r')
				*p++ = '\0';
			if (!*p)
				break;
			w[nw++] = p;
			while (*p && *p != ' ' && *p != '\t' && *p != '\r')
				p++;
		}
		if (nw == 0)
			continue;
		if (nw < 2 || nw > 3) {
			vcn_err("%s:%u: expected 'T_S DEMAND [CLEAN]'", file, lineno);
			goto cleanup;
		}
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 64;
			double *nt = realloc(t, nc * sizeof(*t)), *nd, *ncl;

			if (nt)
				t = nt;
			nd = realloc(d, nc * sizeof(*d));
			if (nd)
				d = nd;
			ncl = realloc(c, nc * sizeof(*c));
			if (ncl)
				c = ncl;
			if (!nt || !nd || !ncl) {
				rc = -ENOMEM;
				goto cleanup;
			}
			cap = nc;
		}
		if (vcn_parse_double(w[0], 0, 1e9, &t[cnt]) < 0 || vcn_parse_double(w[1], 0, 1e9, &d[cnt]) < 0 ||
		    (nw == 3 && vcn_parse_double(w[2], 0, 1e9, &c[cnt]) < 0)) {
			vcn_err("%s:%u: not a number (or negative)", file, lineno);
			goto cleanup;
		}
		if (nw == 2)
			c[cnt] = d[cnt];
		if (cnt && t[cnt] <= t[cnt - 1]) {
			vcn_err("%s:%u: time %g is not after %g", file, lineno, t[cnt], t[cnt - 1]);
			goto cleanup;
		}
		cnt++;
	}
	if (cnt == 0) {
		vcn_err("%s: no points", file);
		goto cleanup;
	}
	*t_s = t;
	*demand = d;
	*clean = c;
	*n = cnt;
	t = d = c = NULL;
	rc = 0;
cleanup:
	free(t);
	free(d);
	free(c);
	return rc;
}

struct sim_vcn {
	double ready_at;
	bool gone;
	struct vcn_as_vcn v;
};

static double at(const double *t_s, const double *val, size_t n, double t)
{
	size_t i = 0;

	while (i + 1 < n && t_s[i + 1] <= t)
		i++;
	return val[i];
}

static int logf_append(char **buf, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int logf_append(char **buf, size_t *len, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int k;
	char *nb;

	va_start(ap, fmt);
	k = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (k < 0)
		return -EINVAL;
	if ((size_t)k >= sizeof(line))
		k = sizeof(line) - 1;
	nb = realloc(*buf, *len + (size_t)k + 1);
	if (!nb)
		return -ENOMEM;
	memcpy(nb + *len, line, (size_t)k + 1);
	*buf = nb;
	*len += (size_t)k;
	return 0;
}

/* Replay the demand trace (@t_s, @demand, @clean: @n points, step
 * function) against @p with the model @sim: a VCN is ready boot_s after
 * its creation; a ready VCN is busy when the demand has a job for it
 * (oldest first), idle otherwise; a removed VCN leaves at once. Fills @r;
 * with @log, a malloc'ed line per action. Returns 0, -EINVAL, -ENOMEM. */
int vcn_as_replay(const struct vcn_as_policy *p, const struct vcn_as_sim *sim, const double *t_s,
		  const double *demand, const double *clean, size_t n, struct vcn_as_result *r, char **log)
{
	struct sim_vcn *vs = NULL;
	size_t nv = 0, cap = 0, loglen = 0;
	struct vcn_as_state st = { false, 0 };
	struct vcn_as_vcn *view = NULL;
	size_t *idx = NULL;
	unsigned prev_ideal;
	double change_at = -1;
	bool going_up = true;
	const char *why;
	int rc = -EINVAL;

	memset(r, 0, sizeof(*r));
	if (log)
		*log = NULL;
	if (n == 0 || !(sim->tick_s > 0) || vcn_as_policy_check(p, &why) < 0)
		return -EINVAL;
	cap = p->max + sim->initial + 1;
	rc = -ENOMEM;
	vs = calloc(cap * 64, sizeof(*vs)); /* every VCN ever made, generously */
	view = calloc(cap * 64, sizeof(*view));
	idx = calloc(cap * 64, sizeof(*idx));
	if (!vs || !view || !idx)
		goto cleanup;
	cap *= 64;
	for (unsigned i = 0; i < sim->initial; i++) {
		vs[nv].ready_at = 0;
		snprintf(vs[nv].v.name, sizeof(vs[nv].v.name), "vcn%zu", nv);
		nv++;
	}
	prev_ideal = sim->initial;
	for (double t = 0; t <= sim->end_s + 1e-9; t += sim->tick_s) {
		uint64_t now = (uint64_t)llround(t * 1000) + 1;
		double dem = at(t_s, demand, n, t), cl = at(t_s, clean, n, t);
		unsigned ideal_clean = vcn_as_ideal(p, cl), jobs_vcns, ready = 0, live = 0, busy = 0;
		struct vcn_as_decision d;
		size_t nview = 0;

		if (ideal_clean != prev_ideal) {
			unsigned delta = ideal_clean > prev_ideal ? ideal_clean - prev_ideal : prev_ideal - ideal_clean;
			unsigned step = ideal_clean > prev_ideal ? p->step_up : p->step_down;

			r->ideal_actions += (delta + step - 1) / step;
			if (r->n_changes < 8)
				r->time_to_target_s[r->n_changes++] = -1;
			change_at = t;
			going_up = ideal_clean > prev_ideal;
			prev_ideal = ideal_clean;
		}
		jobs_vcns = dem > 0 ? (unsigned)ceil(dem / p->jobs_per_vcn - 1e-9) : 0;
		for (size_t i = 0; i < nv; i++) {
			struct sim_vcn *s = &vs[i];
			double load = 0;

			if (s->gone)
				continue;
			live++;
			s->v.ready = t >= s->ready_at;
			if (s->v.ready) {
				ready++;
				if (busy < jobs_vcns) {
					busy++;
					load = 1.0;
				}
			}
			vcn_as_track(p, &s->v, load, now);
			idx[nview] = i;
			view[nview++] = s->v;
		}
		/* reached: up, when enough are ready; down, when no more are left */
		if (r->n_changes && r->time_to_target_s[r->n_changes - 1] < 0 &&
		    (going_up ? ready >= ideal_clean : live <= ideal_clean))
			r->time_to_target_s[r->n_changes - 1] = t - change_at;
		/* overshoot: above the ideal after a step up (after a step down,
		 * the excess is the scale-in delay, counted in idle minutes) */
		if (going_up && (double)live - ideal_clean > r->overshoot_max)
			r->overshoot_max = (double)live - ideal_clean;
		r->idle_vcn_min += (double)(ready - busy) * sim->tick_s / 60.0;
		if (sim->tick)
			sim->tick(sim->opaque, t, dem, vcn_as_ideal(p, dem), live, ready, busy);
		if (vcn_as_decide(p, &st, dem, view, nview, now, &d) < 0)
			goto cleanup;
		if (d.add || d.n_remove) {
			r->actions++;
			if (log && logf_append(log, &loglen, "t=%.0f demand=%g ideal=%u live=%u ready=%u add=%u remove=%zu\n",
					       t, dem, d.ideal, live, ready, d.add, d.n_remove) < 0) {
				vcn_as_decision_clear(&d);
				goto cleanup;
			}
		}
		for (size_t k = 0; k < d.n_remove; k++)
			vs[idx[d.remove[k]]].gone = true;
		for (unsigned k = 0; k < d.add && nv < cap; k++) {
			memset(&vs[nv], 0, sizeof(vs[nv]));
			vs[nv].ready_at = t + sim->boot_s;
			snprintf(vs[nv].v.name, sizeof(vs[nv].v.name), "vcn%zu", nv);
			nv++;
		}
		vcn_as_decision_clear(&d);
	}
	for (size_t i = 0; i < nv; i++)
		r->final_running += !vs[i].gone;
	rc = 0;
cleanup:
	if (rc < 0 && log) {
		free(*log);
		*log = NULL;
	}
	free(vs);
	free(view);
	free(idx);
	return rc;
}
