/* bench/rebalance-min: control rounds and migrations the planner needs to
 * bring the load deviation under the threshold, against the fewest
 * migrations that can (exhaustive search), on the fixed 3-host placement
 * bench/rebalance-min.state and on N seeded random 3-host placements.
 *
 *   rebalance-min STATE [N SEED] > cases.tsv  (summary on stderr)
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rebalance.h"
#include "rbgen.h"

struct outcome {
	unsigned rounds, moves, min;
	double sd0, sd_end, sd_min;
	int reached, min_rc;
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void run(const struct vcn_rb_state *s0, const struct vcn_rb_policy *p, struct outcome *o, FILE *trace)
{
	struct vcn_rb_state s = *s0;

	memset(o, 0, sizeof(*o));
	s.vms = malloc(s0->n_vms * sizeof(*s.vms));
	memcpy(s.vms, s0->vms, s0->n_vms * sizeof(*s.vms));
	o->sd0 = vcn_rb_imbalance(&s, NULL);
	o->min_rc = vcn_rb_min_moves(s0, p, 6, &o->min, &o->sd_min);
	if (trace)
		fprintf(trace, "0\t%.5f\t0\n", o->sd0);
	for (unsigned r = 1; r <= 20; r++) {
		struct vcn_rb_plan plan;

		if (vcn_rb_plan(&s, p, NULL, NULL, &plan) < 0 || plan.n_moves == 0) {
			vcn_rb_plan_clear(&plan);
			break;
		}
		o->rounds++;
		o->moves += (unsigned)plan.n_moves;
		vcn_rb_apply(&s, &plan);
		if (trace) {
			for (size_t i = 0; i < plan.n_moves; i++)
				fprintf(trace, "# round %u: %s %s -> %s\n", r, s.vms[plan.moves[i].vm].name,
					s.hosts[plan.moves[i].from].name, s.hosts[plan.moves[i].to].name);
			fprintf(trace, "%u\t%.5f\t%u\n", r, vcn_rb_imbalance(&s, NULL), o->moves);
		}
		vcn_rb_plan_clear(&plan);
	}
	o->sd_end = vcn_rb_imbalance(&s, NULL);
	o->reached = o->sd_end <= p->threshold;
	free(s.vms);
}

int main(int argc, char **argv)
{
	unsigned n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 50, within1 = 0, exact = 0, solvable = 0;
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 7;
	struct vcn_rb_policy p;
	struct vcn_rb_state s;
	struct outcome o;
	char *text;
	unsigned extra_sum = 0, extra_max = 0;

	if (argc < 2 || !(text = slurp(argv[1]))) {
		fprintf(stderr, "usage: rebalance-min STATE [N SEED]\n");
		return 2;
	}
	vcn_rb_policy_default(&p);
	p.k = 1;
	if (vcn_rb_state_parse(text, argv[1], &s) < 0)
		return 1;
	free(text);
	printf("# fixed placement %s, K=1 per round, threshold %.2f\nround\tsd\tmigrations\n", argv[1], p.threshold);
	run(&s, &p, &o, stdout);
	fprintf(stderr,
		"fixed: sd_start=%.4f rounds=%u migrations=%u sd_end=%.4f reached=%s exhaustive_min=%u (sd %.4f) "
		"extra=%d\n",
		o.sd0, o.rounds, o.moves, o.sd_end, o.reached ? "yes" : "no", o.min, o.sd_min,
		(int)o.moves - (int)o.min);
	{
		struct vcn_rb_policy p2 = p;
		struct outcome o2;

		p2.k = 2;
		run(&s, &p2, &o2, NULL);
		fprintf(stderr, "fixed, K=2: rounds=%u migrations=%u sd_end=%.4f\n", o2.rounds, o2.moves, o2.sd_end);
	}
	vcn_rb_state_clear(&s);
	printf("\n# random 3-host cases (seed %llu)\ncase\tvms\tsd0\tmigrations\tmin\tsd_end\treached\n",
	       (unsigned long long)seed);
	for (unsigned c = 0; c < n; c++) {
		struct vcn_rb_state r = { 0 };
		uint64_t rs = seed * 1000003u + c;
		size_t V = 6 + rb_rand(&rs) % 5;

		for (size_t h = 0; h < 3; h++) {
			struct vcn_rb_host host = { "", 4, 8192, true, false };

			snprintf(host.name, sizeof(host.name), "h%zu", h + 1);
			vcn_rb_state_add_host(&r, &host);
		}
		for (size_t v = 0; v < V; v++) {
			struct vcn_rb_vm vm;

			memset(&vm, 0, sizeof(vm));
			snprintf(vm.name, sizeof(vm.name), "v%zu", v);
			snprintf(vm.vo, sizeof(vm.vo), "vo%u", (unsigned)(rb_rand(&rs) % 3));
			vm.host = rb_unif(&rs) < 0.7 ? 0 : 1 + rb_rand(&rs) % 2;
			vm.demand = 0.1 + 0.9 * rb_unif(&rs);
			vm.mem_mib = 256;
			vcn_rb_state_add_vm(&r, &vm);
		}
		run(&r, &p, &o, NULL);
		if (o.min_rc == 0 && o.sd0 > p.threshold) {
			unsigned extra = o.moves > o.min ? o.moves - o.min : 0;

			solvable++;
			if (o.reached && extra <= 1)
				within1++;
			if (o.reached && extra == 0)
				exact++;
			extra_sum += extra;
			extra_max = extra > extra_max ? extra : extra_max;
		}
		printf("%u\t%zu\t%.4f\t%u\t%u\t%.4f\t%s\n", c, V, o.sd0, o.moves, o.min_rc == 0 ? o.min : 99, o.sd_end,
		       o.reached ? "yes" : "no");
		vcn_rb_state_clear(&r);
	}
	fprintf(stderr, "random: cases=%u imbalanced_and_solvable=%u exact=%u within_one=%u max_extra=%u mean_extra=%.2f\n",
		n, solvable, exact, within1, extra_max, solvable ? (double)extra_sum / solvable : 0);
	return 0;
}
