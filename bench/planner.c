/* bench/planner: the rebalancing planner alone on a generated cluster
 * (default 100 hosts, 2,000 VCNs, fixed seed): wall time per planning
 * round and the imbalance reached, against Watcher's hottest-to-coolest
 * rule given the same number of migrations per round.
 *
 *   planner [HOSTS VCNS K THRESHOLD SEED] > rounds.tsv  (summary on stderr)
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rebalance.h"
#include "rbgen.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	size_t H = argc > 1 ? strtoul(argv[1], NULL, 10) : 100, V = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;
	unsigned k = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 20;
	double thr = argc > 4 ? strtod(argv[4], NULL) : 0.05;
	uint64_t seed = argc > 5 ? strtoull(argv[5], NULL, 10) : 20261122;
	struct vcn_rb_state a, b;
	struct vcn_rb_policy p;
	double *load, t_sum = 0, t_max = 0, b_sum = 0, b_max = 0, sd0;
	unsigned rounds_a = 0, rounds_b = 0, moves_a = 0, moves_b = 0, r;
	double gib_a = 0, gib_b = 0;
	size_t *before_b;
	int done_a = 0, done_b = 0;

	vcn_rb_policy_default(&p);
	p.k = k;
	p.threshold = thr;
	/* VCN_BENCH_SPREAD=0: no VO anti-affinity (Watcher's rule has none) */
	if (getenv("VCN_BENCH_COST") && strcmp(getenv("VCN_BENCH_COST"), "0") == 0)
		p.cost_mem = p.cost_dirty = p.cost_load = p.min_gain = 0;
	if (getenv("VCN_BENCH_SPREAD") && strcmp(getenv("VCN_BENCH_SPREAD"), "0") == 0)
		p.anti_affinity = false;
	if (rb_generate(&a, H, V, 20, seed) < 0 || rb_generate(&b, H, V, 20, seed) < 0)
		return 1;
	load = calloc(H, sizeof(*load));
	before_b = calloc(V, sizeof(*before_b));
	sd0 = vcn_rb_imbalance(&a, NULL);
	printf("round\tvcn_sd\tvcn_ms\tvcn_moves\tbase_sd\tbase_ms\tbase_moves\n");
	printf("0\t%.5f\t0\t0\t%.5f\t0\t0\n", sd0, sd0);
	for (r = 1; r <= 200 && !(done_a && done_b); r++) {
		struct vcn_rb_plan plan;
		double t0, ta = 0, tb = 0;
		unsigned mb = 0;

		if (!done_a) {
			t0 = now_ms();
			if (vcn_rb_plan(&a, &p, NULL, NULL, &plan) < 0)
				return 1;
			ta = now_ms() - t0;
			t_sum += ta;
			t_max = ta > t_max ? ta : t_max;
			rounds_a++;
			moves_a += (unsigned)plan.n_moves;
			for (size_t i = 0; i < plan.n_moves; i++)
				gib_a += a.vms[plan.moves[i].vm].mem_mib / 1024.0;
			vcn_rb_apply(&a, &plan);
			if (plan.n_moves == 0 || vcn_rb_imbalance(&a, NULL) <= thr)
				done_a = 1;
			vcn_rb_plan_clear(&plan);
		}
		if (!done_b) {
			for (size_t v = 0; v < V; v++)
				before_b[v] = b.vms[v].host;
			t0 = now_ms();
			for (unsigned i = 0; i < k; i++)
				mb += (unsigned)rb_hottest_to_coolest(&b, &p, load);
			tb = now_ms() - t0;
			b_sum += tb;
			b_max = tb > b_max ? tb : b_max;
			rounds_b++;
			moves_b += mb;
			for (size_t v = 0; v < V; v++)
				if (b.vms[v].host != before_b[v])
					gib_b += b.vms[v].mem_mib / 1024.0;
			if (mb == 0 || vcn_rb_imbalance(&b, NULL) <= thr)
				done_b = 1;
		}
		printf("%u\t%.5f\t%.3f\t%u\t%.5f\t%.3f\t%u\n", r, vcn_rb_imbalance(&a, NULL), ta, moves_a,
		       vcn_rb_imbalance(&b, NULL), tb, moves_b);
	}
	fprintf(stderr,
		"hosts=%zu vcns=%zu k=%u threshold=%.3f seed=%llu anti_affinity=%s sd_start=%.4f\n"
		"vcn: rounds=%u migrations=%u gib_copied=%.0f sd_end=%.4f ms_per_round_mean=%.2f ms_per_round_max=%.2f reached=%s\n"
		"hottest-to-coolest: rounds=%u migrations=%u gib_copied=%.0f sd_end=%.4f ms_per_round_mean=%.2f reached=%s\n"
		"ratio migrations vcn/base=%.2f rounds vcn/base=%.2f\n",
		H, V, k, thr, (unsigned long long)seed, p.anti_affinity ? "on" : "off", sd0, rounds_a, moves_a, gib_a, vcn_rb_imbalance(&a, NULL),
		t_sum / (rounds_a ? rounds_a : 1), t_max, vcn_rb_imbalance(&a, NULL) <= thr ? "yes" : "no", rounds_b,
		moves_b, gib_b, vcn_rb_imbalance(&b, NULL), b_sum / (rounds_b ? rounds_b : 1),
		vcn_rb_imbalance(&b, NULL) <= thr ? "yes" : "no", moves_b ? (double)moves_a / moves_b : 0,
		rounds_b ? (double)rounds_a / rounds_b : 0);
	free(load);
	free(before_b);
	vcn_rb_state_clear(&a);
	vcn_rb_state_clear(&b);
	return 0;
}
