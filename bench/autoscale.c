/* bench/autoscale: the VCN-count policy replayed on a generated demand
 * trace (idle, a step up to 20 pending jobs with noise, a step down):
 * time to reach the target after each step, overshoot, VCN-minutes spent
 * idle and scaling actions against the noise-free trace's ideal, for the
 * configured policy and for a naive one (target = ideal every tick, no
 * cooldown, no idle period) as the peer.
 *
 *   autoscale [SEED] > series.tsv  (summary on stderr)
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "autoscale.h"
#include "rbgen.h"

struct series {
	FILE *f;
	int col;
};

static void tick(void *opaque, double t, double demand, unsigned ideal, unsigned live, unsigned ready, unsigned busy)
{
	struct series *s = opaque;

	fprintf(s->f, "%d\t%.0f\t%.2f\t%u\t%u\t%u\t%u\n", s->col, t, demand, ideal, live, ready, busy);
}

static void report(const char *name, const struct vcn_as_policy *p, const struct vcn_as_result *r)
{
	fprintf(stderr,
		"%s: step_up=%u step_down=%u cooldown_s=%.0f idle_period_s=%.0f | time_to_target_up_s=%.0f "
		"time_to_target_down_s=%.0f overshoot_vcns=%.0f idle_vcn_min=%.1f actions=%u ideal_actions=%u "
		"ratio=%.2f final=%u\n",
		name, p->step_up, p->step_down, p->cooldown_ms / 1e3, p->idle_period_ms / 1e3, r->time_to_target_s[0],
		r->n_changes > 1 ? r->time_to_target_s[1] : -1, r->overshoot_max, r->idle_vcn_min, r->actions,
		r->ideal_actions, r->ideal_actions ? (double)r->actions / r->ideal_actions : 0, r->final_running);
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 5;
	enum { N = 181 };
	double t[N], d[N], c[N];
	struct vcn_as_policy p, naive;
	struct vcn_as_sim sim = { 10, 20, 1800, 1, tick, NULL };
	struct vcn_as_result r;
	struct series s = { stdout, 0 };

	for (int i = 0; i < N; i++) {
		double noise = (rb_unif(&seed) - 0.5) * 6; /* +-3 jobs */

		t[i] = i * 10.0;
		c[i] = (t[i] >= 300 && t[i] < 1200) ? 20 : 0;
		d[i] = c[i] > 0 ? round(c[i] + noise) : (rb_unif(&seed) < 0.2 ? 1 : 0);
	}
	vcn_as_policy_default(&p);
	p.min = 1;
	p.max = 12;
	p.jobs_per_vcn = 2;
	p.step_up = 4;
	p.step_down = 2;
	p.cooldown_ms = 30000;
	p.idle_period_ms = 60000;
	naive = p;
	naive.step_up = naive.step_down = 100;
	naive.cooldown_ms = 0;
	naive.idle_period_ms = 0;
	printf("policy\tt\tdemand\tideal\tlive\tready\tbusy\n");
	sim.opaque = &s;
	if (vcn_as_replay(&p, &sim, t, d, c, N, &r, NULL) < 0)
		return 1;
	report("vcn", &p, &r);
	s.col = 1;
	if (vcn_as_replay(&naive, &sim, t, d, c, N, &r, NULL) < 0)
		return 1;
	report("naive", &naive, &r);
	return 0;
}
