/* lib/rebalance.c: golden plans on recorded cluster states
 * (tests/data/rebalance/NAME.state -> NAME.plan), convergence without
 * moving anything back, K per round, the allow veto, the exhaustive
 * minimum, and file:line errors of the state format. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "rebalance.h"

static int load(const char *name, struct vcn_rb_state *s)
{
	char rel[128], *text;
	int rc;

	snprintf(rel, sizeof(rel), "rebalance/%s.state", name);
	text = vcn_test_read_data(rel);
	if (!text)
		return -ENOENT;
	rc = vcn_rb_state_parse(text, rel, s);
	free(text);
	return rc;
}

static void golden(const char *name, unsigned k)
{
	struct vcn_rb_state s;
	struct vcn_rb_policy p;
	struct vcn_rb_plan plan;
	char rel[128], *txt = NULL;

	vcn_rb_policy_default(&p);
	p.k = k;
	if (load(name, &s) < 0) {
		vcn_test_fail(__FILE__, __LINE__, "state '%s' does not load", name);
		return;
	}
	CHECK_INT(vcn_rb_plan(&s, &p, NULL, NULL, &plan), ==, 0);
	CHECK_INT(vcn_rb_plan_format(&s, &p, &plan, &txt), ==, 0);
	snprintf(rel, sizeof(rel), "rebalance/%s.plan", name);
	CHECK_GOLDEN(rel, txt);
	/* the plan's promise is what applying it gives */
	CHECK_INT(vcn_rb_apply(&s, &plan), ==, 0);
	CHECK(fabs(vcn_rb_imbalance(&s, NULL) - plan.after) < 1e-9);
	free(txt);
	vcn_rb_plan_clear(&plan);
	vcn_rb_state_clear(&s);
}

static void test_golden(void)
{
	static const char *names[] = { "imbalanced", "balanced", "drain", "unknown", "capacity", "cost",
				       "affinity", "held" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		golden(names[i], 4);
}

/* Rounds of K = 1 reach the threshold and then stop: nothing moves twice
 * and nothing moves back. */
static void test_converges(void)
{
	struct vcn_rb_state s;
	struct vcn_rb_policy p;
	struct vcn_rb_plan plan;
	unsigned rounds = 0, moves = 0, count[16] = { 0 };

	vcn_rb_policy_default(&p);
	p.k = 1;
	CHECK_INT(load("imbalanced", &s), ==, 0);
	CHECK(vcn_rb_imbalance(&s, NULL) > p.threshold);
	for (rounds = 0; rounds < 20; rounds++) {
		CHECK_INT(vcn_rb_plan(&s, &p, NULL, NULL, &plan), ==, 0);
		CHECK(plan.n_moves <= 1);
		if (plan.n_moves == 0)
			break;
		CHECK(plan.after < plan.before);
		count[plan.moves[0].vm]++;
		moves++;
		vcn_rb_apply(&s, &plan);
		vcn_rb_plan_clear(&plan);
	}
	CHECK(vcn_rb_imbalance(&s, NULL) <= p.threshold);
	for (size_t v = 0; v < s.n_vms; v++)
		CHECK_INT(count[v], <=, 1);
	/* and the greedy is within one migration of the exhaustive minimum */
	{
		struct vcn_rb_state s0;
		unsigned min = 0;
		double after = 0;

		CHECK_INT(load("imbalanced", &s0), ==, 0);
		CHECK_INT(vcn_rb_min_moves(&s0, &p, 6, &min, &after), ==, 0);
		CHECK(after <= p.threshold);
		CHECK_INT(moves, <=, min + 1);
		CHECK_INT(min, >=, 2); /* one move cannot balance 3.25 CPUs over 3 hosts */
		vcn_rb_state_clear(&s0);
	}
	vcn_rb_state_clear(&s);
}

static bool no_h2(void *opaque, const struct vcn_rb_state *s, size_t vm, size_t to)
{
	(*(unsigned *)opaque)++;
	return strcmp(s->hosts[to].name, "h2") != 0;
}

static void test_allow_and_k(void)
{
	struct vcn_rb_state s;
	struct vcn_rb_policy p;
	struct vcn_rb_plan plan;
	unsigned calls = 0;

	vcn_rb_policy_default(&p);
	CHECK_INT(load("imbalanced", &s), ==, 0);
	p.k = 10;
	CHECK_INT(vcn_rb_plan(&s, &p, no_h2, &calls, &plan), ==, 0);
	CHECK(calls > 0);
	for (size_t i = 0; i < plan.n_moves; i++)
		CHECK_STR(s.hosts[plan.moves[i].to].name, "h3");
	vcn_rb_plan_clear(&plan);
	p.k = 0;
	CHECK_INT(vcn_rb_plan(&s, &p, NULL, NULL, &plan), ==, 0);
	CHECK_INT(plan.n_moves, ==, 0);
	CHECK(plan.after == plan.before);
	vcn_rb_plan_clear(&plan);
	/* a high threshold: nothing to do */
	p.k = 4;
	p.threshold = 0.9;
	CHECK_INT(vcn_rb_plan(&s, &p, NULL, NULL, &plan), ==, 0);
	CHECK_INT(plan.n_moves, ==, 0);
	vcn_rb_plan_clear(&plan);
	/* costs above any gain: nothing is worth moving */
	vcn_rb_policy_default(&p);
	p.cost_load = 10;
	CHECK_INT(vcn_rb_plan(&s, &p, NULL, NULL, &plan), ==, 0);
	CHECK_INT(plan.n_moves, ==, 0);
	vcn_rb_plan_clear(&plan);
	vcn_rb_state_clear(&s);
}

static void test_drain_k(void)
{
	struct vcn_rb_state s;
	struct vcn_rb_policy p;
	struct vcn_rb_plan plan;
	unsigned m;
	double a;

	vcn_rb_policy_default(&p);
	p.k = 2;
	CHECK_INT(load("drain", &s), ==, 0);
	CHECK_INT(vcn_rb_plan(&s, &p, NULL, NULL, &plan), ==, 0);
	CHECK_INT(plan.n_moves, ==, 2);
	CHECK_INT(plan.stuck, ==, 1);
	CHECK(plan.moves[0].drain && plan.moves[1].drain);
	vcn_rb_apply(&s, &plan);
	vcn_rb_plan_clear(&plan);
	CHECK_INT(vcn_rb_plan(&s, &p, NULL, NULL, &plan), ==, 0);
	CHECK(plan.n_moves >= 1 && plan.moves[0].drain && plan.stuck == 0);
	vcn_rb_apply(&s, &plan);
	vcn_rb_plan_clear(&plan);
	for (size_t v = 0; v < s.n_vms; v++)
		CHECK(strcmp(s.hosts[s.vms[v].host].name, "h2") != 0);
	CHECK_INT(vcn_rb_min_moves(&s, &p, 3, &m, &a), ==, -ENOTSUP);
	vcn_rb_state_clear(&s);
}

static void test_parse_errors(void)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "host h1 cpus 4\n", "t.state:1: host needs cpus and mem" },
		{ "host h1 cpus 4x mem 10\n", "t.state:1: host: expected" },
		{ "# c\n\nhost h1 cpus 4 mem 10\nvm a vo x host h9 demand 1 mem 1\n",
		  "t.state:4: vm: host not declared above" },
		{ "host h1 cpus 4 mem 10\nvm a vo x host h1 demand -1 mem 1\n", "t.state:2: vm: invalid demand" },
		{ "host h1 cpus 4 mem 10\nvm a host h1\n", "t.state:2: vm needs vo and host" },
		{ "frob\n", "t.state:1: expected 'host' or 'vm'" },
		{ "host bad/name cpus 1 mem 1\n", "t.state:1: host needs a valid NAME" },
	};
	struct vcn_rb_state s;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vcn_test_log_reset();
		CHECK_INT(vcn_rb_state_parse(bad[i].text, "t.state", &s), ==, -EINVAL);
		if (!vcn_test_log_has(bad[i].msg))
			vcn_test_fail(__FILE__, __LINE__, "case %zu: no '%s' in '%s'", i, bad[i].msg, vcn_test_log());
		CHECK(s.n_hosts == 0 && s.hosts == NULL);
	}
	CHECK_INT(vcn_rb_state_parse("", "e", &s), ==, 0);
	CHECK(vcn_rb_imbalance(&s, NULL) == 0);
	vcn_rb_state_clear(&s);
	vcn_rb_state_clear(NULL);
	vcn_rb_plan_clear(NULL);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_golden), VCN_TEST(test_converges), VCN_TEST(test_allow_and_k),
		VCN_TEST(test_drain_k), VCN_TEST(test_parse_errors), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
