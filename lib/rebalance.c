/* The planner works on sums: with S1 and S2 the sum and sum of squares of
 * the usable hosts' normalised loads, a candidate move changes two terms,
 * so its effect on the deviation is O(1) and a round over 2,000 VMs and 100
 * hosts stays in milliseconds. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "parse.h"
#include "rebalance.h"

/* Defaults an operator can start from: plan above a deviation of 0.15,
 * two migrations a round; gains are in squared deviation summed over hosts
 * (moving 1 CPU of demand off a 4-CPU host 0.8 above its target: ~0.28),
 * a 1 GiB guest costs 0.001 of that, 100 MiB/s dirtied 0.002: costs
 * pick the cheaper of similar moves and stop moves that gain nearly nothing. */
void vcn_rb_policy_default(struct vcn_rb_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->threshold = 0.15;
	p->k = 2;
	p->cost_mem = 0.001;
	p->cost_dirty = 0.00002;
	p->cost_load = 0.0002;
	p->min_gain = 0.0002;
	p->max_load = 1.0;
	p->anti_affinity = true;
}

struct rb_work {
	const struct vcn_rb_state *s;
	size_t *place;      /* current host of each VM */
	double *load;       /* sum of demand per host */
	uint64_t *mem;      /* memory in use per host */
	bool *usable;       /* known and not draining */
	size_t n_usable;
	size_t *vo_of;      /* VO index of each VM */
	size_t n_vo;
	unsigned *vo_cnt;   /* [vo * n_hosts + host] */
	unsigned *vo_cap;   /* even spread: ceil(total / usable hosts) */
	double s1, s2;
};

static double norm(const struct rb_work *w, size_t h)
{
	return w->load[h] / w->s->hosts[h].cpus;
}

static double sigma_of(double s1, double s2, size_t n)
{
	double m, v;

	if (n == 0)
		return 0;
	m = s1 / (double)n;
	v = s2 / (double)n - m * m;
	return v > 0 ? sqrt(v) : 0;
}

/* The sum of squared deviations, n * sigma^2: what one move changes by
 * about the same amount whatever the cluster's size, so move gains and
 * costs compare alike on 3 hosts and on 100. */
static double energy(double sd, size_t n)
{
	return (double)n * sd * sd;
}

static void work_free(struct rb_work *w)
{
	free(w->place);
	free(w->load);
	free(w->mem);
	free(w->usable);
	free(w->vo_of);
	free(w->vo_cnt);
	free(w->vo_cap);
	memset(w, 0, sizeof(*w));
}

static void work_sums(struct rb_work *w)
{
	w->s1 = w->s2 = 0;
	for (size_t h = 0; h < w->s->n_hosts; h++)
		if (w->usable[h]) {
			double l = norm(w, h);

			w->s1 += l;
			w->s2 += l * l;
		}
}

static int work_init(struct rb_work *w, const struct vcn_rb_state *s, const size_t *placement)
{
	size_t H = s->n_hosts, V = s->n_vms;

	memset(w, 0, sizeof(*w));
	w->s = s;
	w->place = calloc(V + 1, sizeof(*w->place));
	w->load = calloc(H + 1, sizeof(*w->load));
	w->mem = calloc(H + 1, sizeof(*w->mem));
	w->usable = calloc(H + 1, sizeof(*w->usable));
	w->vo_of = calloc(V + 1, sizeof(*w->vo_of));
	if (!w->place || !w->load || !w->mem || !w->usable || !w->vo_of)
		goto nomem;
	for (size_t h = 0; h < H; h++) {
		if (!(s->hosts[h].cpus > 0)) {
			vcn_err("rebalance: host '%s' has no CPU capacity", s->hosts[h].name);
			work_free(w);
			return -EINVAL;
		}
		w->usable[h] = s->hosts[h].known && !s->hosts[h].drain;
		w->n_usable += w->usable[h];
	}
	for (size_t v = 0; v < V; v++) {
		size_t vo;

		w->place[v] = placement ? placement[v] : s->vms[v].host;
		if (w->place[v] >= H) {
			vcn_err("rebalance: VM '%s' on host index %zu of %zu", s->vms[v].name, w->place[v], H);
			work_free(w);
			return -EINVAL;
		}
		w->load[w->place[v]] += s->vms[v].demand;
		w->mem[w->place[v]] += s->vms[v].mem_mib;
		for (vo = 0; vo < v; vo++)
			if (strcmp(s->vms[vo].vo, s->vms[v].vo) == 0)
				break;
		w->vo_of[v] = vo < v ? w->vo_of[vo] : w->n_vo++;
	}
	w->vo_cnt = calloc(w->n_vo * H + 1, sizeof(*w->vo_cnt));
	w->vo_cap = calloc(w->n_vo + 1, sizeof(*w->vo_cap));
	if (!w->vo_cnt || !w->vo_cap)
		goto nomem;
	for (size_t v = 0; v < V; v++) {
		w->vo_cnt[w->vo_of[v] * H + w->place[v]]++;
		w->vo_cap[w->vo_of[v]]++;
	}
	for (size_t vo = 0; vo < w->n_vo; vo++)
		w->vo_cap[vo] = w->n_usable ? (unsigned)((w->vo_cap[vo] + w->n_usable - 1) / w->n_usable) : 0;
	work_sums(w);
	return 0;
nomem:
	work_free(w);
	return -ENOMEM;
}

/* Deviation if VM @v went to @to. */
static double sigma_after(const struct rb_work *w, size_t v, size_t to)
{
	size_t from = w->place[v];
	double d = w->s->vms[v].demand, s1 = w->s1, s2 = w->s2, l;

	if (w->usable[from]) {
		l = norm(w, from);
		s1 -= l;
		s2 -= l * l;
		l = (w->load[from] - d) / w->s->hosts[from].cpus;
		s1 += l;
		s2 += l * l;
	}
	l = norm(w, to);
	s1 -= l;
	s2 -= l * l;
	l = (w->load[to] + d) / w->s->hosts[to].cpus;
	s1 += l;
	s2 += l * l;
	return sigma_of(s1, s2, w->n_usable);
}

static bool spread_ok(const struct rb_work *w, size_t v, size_t to)
{
	size_t H = w->s->n_hosts, vo = w->vo_of[v];
	unsigned at_to = w->vo_cnt[vo * H + to] + 1, at_from = w->vo_cnt[vo * H + w->place[v]];

	return at_to <= w->vo_cap[vo] || (at_from > 0 && at_to <= at_from - 1);
}

static bool fits(const struct rb_work *w, const struct vcn_rb_policy *p, size_t v, size_t to, bool spread)
{
	const struct vcn_rb_vm *vm = &w->s->vms[v];
	const struct vcn_rb_host *h = &w->s->hosts[to];

	if (to == w->place[v] || !w->usable[to])
		return false;
	if (w->mem[to] + vm->mem_mib > h->mem_mib)
		return false;
	if (p->max_load > 0 && (w->load[to] + vm->demand) / h->cpus > p->max_load + 1e-12)
		return false;
	if (spread && p->anti_affinity && !spread_ok(w, v, to))
		return false;
	return true;
}

static void work_move(struct rb_work *w, size_t v, size_t to)
{
	size_t H = w->s->n_hosts, from = w->place[v];
	const struct vcn_rb_vm *vm = &w->s->vms[v];

	w->load[from] -= vm->demand;
	w->mem[from] -= vm->mem_mib;
	w->vo_cnt[w->vo_of[v] * H + from]--;
	w->load[to] += vm->demand;
	w->mem[to] += vm->mem_mib;
	w->vo_cnt[w->vo_of[v] * H + to]++;
	w->place[v] = to;
	work_sums(w);
}

static double move_cost(const struct vcn_rb_policy *p, const struct vcn_rb_vm *vm)
{
	return p->cost_mem * (double)vm->mem_mib / 1024.0 + p->cost_dirty * vm->dirty_mib_s +
	       p->cost_load * vm->demand;
}

/* The normalised-load deviation of @s with VM i on @placement[i] (NULL:
 * where the state says). Unknown and draining hosts are left out. */
double vcn_rb_imbalance(const struct vcn_rb_state *s, const size_t *placement)
{
	struct rb_work w;
	double sd;

	if (work_init(&w, s, placement) < 0)
		return NAN;
	sd = sigma_of(w.s1, w.s2, w.n_usable);
	work_free(&w);
	return sd;
}

static int plan_push(struct vcn_rb_plan *plan, const struct vcn_rb_move *m)
{
	struct vcn_rb_move *nm = realloc(plan->moves, (plan->n_moves + 1) * sizeof(*nm));

	if (!nm)
		return -ENOMEM;
	plan->moves = nm;
	plan->moves[plan->n_moves++] = *m;
	return 0;
}

/* Plan one round for @s under @p: first moves off draining hosts (to the
 * target that keeps the deviation lowest, spreading VOs when it can),
 * then, if the deviation exceeds the threshold, the best (gain - cost)
 * moves until it is at or below it, at most @p->k moves in all. A VM moves
 * at most once a round; held VMs and VMs on unknown hosts stay; @allow (may
 * be NULL) vetoes pairs. Fills @out (vcn_rb_plan_clear). Returns 0,
 * -EINVAL (bad state, logged), -ENOMEM. */
int vcn_rb_plan(const struct vcn_rb_state *s, const struct vcn_rb_policy *p, vcn_rb_allow_fn allow, void *opaque,
		struct vcn_rb_plan *out)
{
	struct rb_work w;
	bool *moved = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = work_init(&w, s, NULL);
	if (rc < 0)
		return rc;
	rc = -ENOMEM;
	moved = calloc(s->n_vms + 1, sizeof(*moved));
	if (!moved)
		goto cleanup;
	out->before = sigma_of(w.s1, w.s2, w.n_usable);
	/* drain: mandatory, whatever the deviation */
	for (size_t v = 0; v < s->n_vms; v++) {
		size_t from = w.place[v], best = SIZE_MAX;
		double best_sd = INFINITY;

		if (!s->hosts[from].drain || !s->hosts[from].known)
			continue;
		if (out->n_moves >= p->k) {
			out->stuck++;
			continue;
		}
		for (int pass = 0; pass < 2 && best == SIZE_MAX; pass++)
			for (size_t to = 0; to < s->n_hosts; to++) {
				double sd;

				if (!fits(&w, p, v, to, pass == 0) || (allow && !allow(opaque, s, v, to)))
					continue;
				sd = sigma_after(&w, v, to);
				if (sd < best_sd - 1e-12) {
					best_sd = sd;
					best = to;
				}
			}
		if (best == SIZE_MAX) {
			out->stuck++;
			continue;
		}
		{
			struct vcn_rb_move m = { v, from, best, 0, move_cost(p, &s->vms[v]), true };
			double sd0 = sigma_of(w.s1, w.s2, w.n_usable);

			m.gain = energy(sd0, w.n_usable) - energy(best_sd, w.n_usable);
			if (plan_push(out, &m) < 0)
				goto cleanup;
		}
		moved[v] = true;
		work_move(&w, v, best);
	}
	/* balance */
	while (out->n_moves < p->k) {
		double sd = sigma_of(w.s1, w.s2, w.n_usable), e0 = energy(sd, w.n_usable), best_score = p->min_gain;
		struct vcn_rb_move best = { SIZE_MAX, 0, 0, 0, 0, false };

		if (sd <= p->threshold)
			break;
		double mean = w.n_usable ? w.s1 / (double)w.n_usable : 0;

		/* only from hosts above the mean to hosts below it: any other
		 * move widens the spread it is meant to narrow (4x fewer
		 * candidates on a large cluster) */
		for (size_t v = 0; v < s->n_vms; v++) {
			const struct vcn_rb_vm *vm = &s->vms[v];
			double cost;

			if (moved[v] || vm->held || !w.usable[w.place[v]] || !(vm->demand > 0) ||
			    norm(&w, w.place[v]) <= mean)
				continue;
			cost = move_cost(p, vm);
			for (size_t to = 0; to < s->n_hosts; to++) {
				double gain, score;

				if (norm(&w, to) >= mean || !fits(&w, p, v, to, true))
					continue;
				gain = e0 - energy(sigma_after(&w, v, to), w.n_usable);
				score = gain - cost;
				if (score > best_score + 1e-12 && (!allow || allow(opaque, s, v, to))) {
					best_score = score;
					best = (struct vcn_rb_move){ v, w.place[v], to, gain, cost, false };
				}
			}
		}
		if (best.vm == SIZE_MAX)
			break;
		if (plan_push(out, &best) < 0)
			goto cleanup;
		moved[best.vm] = true;
		work_move(&w, best.vm, best.to);
	}
	out->after = sigma_of(w.s1, w.s2, w.n_usable);
	rc = 0;
cleanup:
	if (rc < 0)
		vcn_rb_plan_clear(out);
	free(moved);
	work_free(&w);
	return rc;
}

/* Free a plan's moves; the struct may be reused. */
void vcn_rb_plan_clear(struct vcn_rb_plan *plan)
{
	if (!plan)
		return;
	free(plan->moves);
	memset(plan, 0, sizeof(*plan));
}

/* --- exhaustive search: the least migrations that reach the threshold -- */

struct rb_search {
	struct rb_work *w;
	const struct vcn_rb_policy *p;
	unsigned *init_max; /* per VO: most VCNs on one host at the start */
	bool *received;
	double best_sd;
};

static bool final_ok(struct rb_search *q)
{
	struct rb_work *w = q->w;
	size_t H = w->s->n_hosts;

	for (size_t h = 0; h < H; h++) {
		if (!q->received[h])
			continue;
		if (w->mem[h] > w->s->hosts[h].mem_mib)
			return false;
		if (q->p->max_load > 0 && norm(w, h) > q->p->max_load + 1e-12)
			return false;
		for (size_t vo = 0; q->p->anti_affinity && vo < w->n_vo; vo++) {
			unsigned lim = w->vo_cap[vo] > q->init_max[vo] - 1 ? w->vo_cap[vo] : q->init_max[vo] - 1;

			if (w->vo_cnt[vo * H + h] > lim)
				return false;
		}
	}
	return true;
}

/* Try every way of moving @left more of the VMs from index @v on. */
static bool search(struct rb_search *q, size_t v, unsigned left)
{
	struct rb_work *w = q->w;
	const struct vcn_rb_state *s = w->s;

	if (left == 0 || v == s->n_vms) {
		double sd = sigma_of(w->s1, w->s2, w->n_usable);

		if (left == 0 && sd <= q->p->threshold && final_ok(q)) {
			q->best_sd = sd < q->best_sd ? sd : q->best_sd;
			return true;
		}
		return false;
	}
	if (s->n_vms - v > left && search(q, v + 1, left))
		return true;
	if (s->vms[v].held || !w->usable[w->place[v]])
		return false;
	for (size_t to = 0; to < s->n_hosts; to++) {
		size_t from = w->place[v];
		bool rec = q->received[to], hit;

		if (to == from || !w->usable[to])
			continue;
		work_move(w, v, to);
		q->received[to] = true;
		hit = search(q, v + 1, left - 1);
		q->received[to] = rec;
		work_move(w, v, from);
		if (hit)
			return true;
	}
	return false;
}

/* The fewest migrations (at most @max_moves) after which @s's deviation
 * is at or below @p->threshold with capacity and spread respected at the
 * targets, by exhaustive search (small cases only: it is exponential).
 * Returns 0 with *@moves and the deviation *@after of the first such
 * placement found; -ENOENT when none within @max_moves; -ENOTSUP for a
 * state with draining hosts; -EINVAL, -ENOMEM. */
int vcn_rb_min_moves(const struct vcn_rb_state *s, const struct vcn_rb_policy *p, unsigned max_moves,
		     unsigned *moves, double *after)
{
	struct rb_work w;
	struct rb_search q = { &w, p, NULL, NULL, INFINITY };
	int rc;

	for (size_t h = 0; h < s->n_hosts; h++)
		if (s->hosts[h].drain)
			return -ENOTSUP;
	rc = work_init(&w, s, NULL);
	if (rc < 0)
		return rc;
	rc = -ENOMEM;
	q.init_max = calloc(w.n_vo + 1, sizeof(*q.init_max));
	q.received = calloc(s->n_hosts + 1, sizeof(*q.received));
	if (!q.init_max || !q.received)
		goto cleanup;
	for (size_t vo = 0; vo < w.n_vo; vo++)
		for (size_t h = 0; h < s->n_hosts; h++)
			if (w.vo_cnt[vo * s->n_hosts + h] > q.init_max[vo])
				q.init_max[vo] = w.vo_cnt[vo * s->n_hosts + h];
	rc = -ENOENT;
	for (unsigned m = 0; m <= max_moves && m <= s->n_vms; m++)
		if (search(&q, 0, m)) {
			*moves = m;
			*after = q.best_sd;
			rc = 0;
			break;
		}
cleanup:
	free(q.init_max);
	free(q.received);
	work_free(&w);
	return rc;
}

/* --- recorded states and printed plans ----------------------------------- */

static int grow(void **arr, size_t n, size_t elem)
{
	void *na = realloc(*arr, (n + 1) * elem);

	if (!na)
		return -ENOMEM;
	*arr = na;
	return 0;
}

/* Append a copy of @h. Returns 0 or -ENOMEM. */
int vcn_rb_state_add_host(struct vcn_rb_state *s, const struct vcn_rb_host *h)
{
	if (grow((void **)&s->hosts, s->n_hosts, sizeof(*h)) < 0)
		return -ENOMEM;
	s->hosts[s->n_hosts++] = *h;
	return 0;
}

/* Append a copy of @v. Returns 0 or -ENOMEM. */
int vcn_rb_state_add_vm(struct vcn_rb_state *s, const struct vcn_rb_vm *v)
{
	if (grow((void **)&s->vms, s->n_vms, sizeof(*v)) < 0)
		return -ENOMEM;
	s->vms[s->n_vms++] = *v;
	return 0;
}

void vcn_rb_state_clear(struct vcn_rb_state *s)
{
	if (!s)
		return;
	free(s->hosts);
	free(s->vms);
	memset(s, 0, sizeof(*s));
}

static int copy_name(char *dst, const char *src)
{
	if (!vcn_name_valid(src))
		return -EINVAL;
	snprintf(dst, VCN_RB_NAME, "%s", src);
	return 0;
}

#define RB_MAX_WORDS 16

/* One line's words, split on blanks (in place). */
static size_t split(char *line, char **words)
{
	size_t n = 0;
	char *p = line;

	while (*p && n < RB_MAX_WORDS) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			break;
		words[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

static int parse_host_line(char **wd, size_t n, struct vcn_rb_host *h, const char **why)
{
	memset(h, 0, sizeof(*h));
	h->known = true;
	if (n < 2 || copy_name(h->name, wd[1]) < 0)
		return (*why = "host needs a valid NAME"), -EINVAL;
	for (size_t i = 2; i < n; i++) {
		uint64_t mem;

		if (strcmp(wd[i], "drain") == 0)
			h->drain = true;
		else if (strcmp(wd[i], "unknown") == 0)
			h->known = false;
		else if (strcmp(wd[i], "cpus") == 0 && i + 1 < n &&
			 vcn_parse_double(wd[i + 1], 0.001, 1e6, &h->cpus) == 0)
			i++;
		else if (strcmp(wd[i], "mem") == 0 && i + 1 < n &&
			 vcn_parse_u64(wd[i + 1], 1, UINT64_MAX >> 20, &mem) == 0) {
			h->mem_mib = mem;
			i++;
		} else
			return (*why = "host: expected cpus N, mem MIB, drain or unknown"), -EINVAL;
	}
	if (!(h->cpus > 0) || h->mem_mib == 0)
		return (*why = "host needs cpus and mem"), -EINVAL;
	return 0;
}

static int parse_vm_line(const struct vcn_rb_state *s, char **wd, size_t n, struct vcn_rb_vm *v,
			 const char **why)
{
	bool have_host = false;

	memset(v, 0, sizeof(*v));
	if (n < 2 || copy_name(v->name, wd[1]) < 0)
		return (*why = "vm needs a valid NAME"), -EINVAL;
	for (size_t i = 2; i < n; i++) {
		if (strcmp(wd[i], "held") == 0) {
			v->held = true;
			continue;
		}
		if (i + 1 >= n)
			return (*why = "vm: a key without a value"), -EINVAL;
		if (strcmp(wd[i], "vo") == 0) {
			if (copy_name(v->vo, wd[i + 1]) < 0)
				return (*why = "vm: invalid vo"), -EINVAL;
		} else if (strcmp(wd[i], "host") == 0) {
			size_t h;

			for (h = 0; h < s->n_hosts; h++)
				if (strcmp(s->hosts[h].name, wd[i + 1]) == 0)
					break;
			if (h == s->n_hosts)
				return (*why = "vm: host not declared above"), -EINVAL;
			v->host = h;
			have_host = true;
		} else if (strcmp(wd[i], "demand") == 0) {
			if (vcn_parse_double(wd[i + 1], 0, 1e6, &v->demand) < 0)
				return (*why = "vm: invalid demand"), -EINVAL;
		} else if (strcmp(wd[i], "mem") == 0) {
			if (vcn_parse_u64(wd[i + 1], 0, UINT64_MAX >> 20, &v->mem_mib) < 0)
				return (*why = "vm: invalid mem"), -EINVAL;
		} else if (strcmp(wd[i], "dirty") == 0) {
			if (vcn_parse_double(wd[i + 1], 0, 1e9, &v->dirty_mib_s) < 0)
				return (*why = "vm: invalid dirty"), -EINVAL;
		} else
			return (*why = "vm: expected vo, host, demand, mem, dirty or held"), -EINVAL;
		i++;
	}
	if (!have_host || !v->vo[0])
		return (*why = "vm needs vo and host"), -EINVAL;
	return 0;
}

/* Parse a recorded cluster state:
 *   host NAME cpus N mem MIB [drain] [unknown]
 *   vm NAME vo VO host HOST demand CPUS mem MIB [dirty MIB_S] [held]
 * ('#' comments, hosts before their VMs). @file names it in errors
 * ("file:line: message"). Fills @s (vcn_rb_state_clear). Returns 0,
 * -EINVAL (logged), -ENOMEM. */
int vcn_rb_state_parse(const char *text, const char *file, struct vcn_rb_state *s)
{
	char *copy = strdup(text ? text : ""), *line, *next;
	unsigned lineno = 0;
	int rc = -ENOMEM;

	memset(s, 0, sizeof(*s));
	if (!copy)
		return -ENOMEM;
	for (line = copy; line; line = next) {
		char *wd[RB_MAX_WORDS];
		const char *why = NULL;
		size_t n;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		n = split(line, wd);
		if (n == 0)
			continue;
		if (strcmp(wd[0], "host") == 0) {
			struct vcn_rb_host h;

			rc = parse_host_line(wd, n, &h, &why);
			if (rc == 0)
				rc = vcn_rb_state_add_host(s, &h);
		} else if (strcmp(wd[0], "vm") == 0) {
			struct vcn_rb_vm v;

			rc = parse_vm_line(s, wd, n, &v, &why);
			if (rc == 0)
				rc = vcn_rb_state_add_vm(s, &v);
		} else {
			rc = -EINVAL;
			why = "expected 'host' or 'vm'";
		}
		if (rc < 0) {
			if (why)
				vcn_err("%s:%u: %s", file, lineno, why);
			goto cleanup;
		}
	}
	rc = 0;
cleanup:
	if (rc < 0)
		vcn_rb_state_clear(s);
	free(copy);
	return rc;
}

static int appendf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int appendf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf ? *buf + *len : NULL, *buf ? *cap - *len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -EINVAL;
		if (*buf && *len + (size_t)n < *cap) {
			*len += (size_t)n;
			return 0;
		}
		{
			size_t nc = (*cap + (size_t)n + 1) * 2;
			char *nb = realloc(*buf, nc);

			if (!nb)
				return -ENOMEM;
			*buf = nb;
			*cap = nc;
		}
	}
}

/* The plan as operators read it (vcnctl rebalance, golden files): the
 * deviation before and expected after, then one line per migration.
 * Returns 0 and a malloc'ed string in *@out, or -ENOMEM. */
int vcn_rb_plan_format(const struct vcn_rb_state *s, const struct vcn_rb_policy *p, const struct vcn_rb_plan *plan,
		       char **out)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	rc = appendf(&buf, &len, &cap, "imbalance %.4f threshold %.4f migrations %zu expected %.4f%s\n",
		     plan->before, p->threshold, plan->n_moves, plan->after,
		     plan->before <= p->threshold && plan->n_moves == 0 ? " (balanced)" : "");
	for (size_t i = 0; rc == 0 && i < plan->n_moves; i++) {
		const struct vcn_rb_move *m = &plan->moves[i];

		rc = appendf(&buf, &len, &cap, "migrate %s %s -> %s gain %.4f cost %.4f%s\n", s->vms[m->vm].name,
			     s->hosts[m->from].name, s->hosts[m->to].name, m->gain, m->cost,
			     m->drain ? " (drain)" : "");
	}
	if (rc == 0 && plan->stuck)
		rc = appendf(&buf, &len, &cap, "stuck %zu (draining, nowhere to go this round)\n", plan->stuck);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	return 0;
}

/* Apply @plan's moves to @s (simulation, benchmarks). Returns 0 or -EINVAL. */
int vcn_rb_apply(struct vcn_rb_state *s, const struct vcn_rb_plan *plan)
{
	for (size_t i = 0; i < plan->n_moves; i++) {
		const struct vcn_rb_move *m = &plan->moves[i];

		if (m->vm >= s->n_vms || m->to >= s->n_hosts)
			return -EINVAL;
		s->vms[m->vm].host = m->to;
	}
	return 0;
}
