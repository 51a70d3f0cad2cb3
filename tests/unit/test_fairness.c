/* lib/fairness.c: Jain's index on known sets, exclusion of non-contenders,
 * entitlements from weights, bad input. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "fairness.h"
#include "harness.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static void test_equal_is_one(void)
{
	struct vcn_fair_consumer c[4] = {
		{ 10, 1, true }, { 10, 1, true }, { 10, 1, true }, { 10, 1, true },
	};
	struct vcn_fairness f;

	CHECK_INT(vcn_fairness_jain(c, 4, &f), ==, 0);
	CHECK(NEAR(f.index, 1.0));
	CHECK_INT(f.n, ==, 4);
	CHECK(NEAR(f.x_min, 10.0) && NEAR(f.x_max, 10.0));
}

static void test_one_takes_all(void)
{
	struct vcn_fair_consumer c[4] = {
		{ 0, 1, true }, { 7, 1, true }, { 0, 1, true }, { 0, 1, true },
	};
	struct vcn_fairness f;

	CHECK_INT(vcn_fairness_jain(c, 4, &f), ==, 0);
	CHECK(NEAR(f.index, 0.25)); /* 1/n */
	CHECK_INT(f.i_max, ==, 1);
	CHECK_INT(f.i_min, ==, 0); /* first of the equal minima */
	CHECK(NEAR(f.x_max, 7.0) && NEAR(f.x_min, 0.0));
}

static void test_known_values(void)
{
	/* 3:1 on equal entitlements: 16 / (2 * 10) */
	struct vcn_fair_consumer a[2] = { { 3, 1, true }, { 1, 1, true } };
	/* DESIGN.md's measurement with libvirt defaults: 2-,1-,1-vCPU guests got
	 * 63%, 31%, 9% of the CPU against a 2:1:1 entitlement */
	struct vcn_fair_consumer b[3] = { { 63, 2, true }, { 31, 1, true }, { 9, 1, true } };
	/* proportional to entitlement: perfectly fair */
	struct vcn_fair_consumer d[3] = { { 50, 2, true }, { 25, 1, true }, { 25, 1, true } };
	struct vcn_fairness f;

	CHECK_INT(vcn_fairness_jain(a, 2, &f), ==, 0);
	CHECK(NEAR(f.index, 0.8));
	CHECK_INT(vcn_fairness_jain(b, 3, &f), ==, 0);
	CHECK(fabs(f.index - 0.837696120601368) < 1e-12);
	CHECK_INT(f.i_min, ==, 2);
	CHECK_INT(f.i_max, ==, 0);
	CHECK_INT(vcn_fairness_jain(d, 3, &f), ==, 0);
	CHECK(NEAR(f.index, 1.0));
	CHECK(f.index <= 1.0);
}

static void test_scale_free(void)
{
	/* entitlements as weights (vCPUs) or as CPU-seconds give the same J */
	struct vcn_fair_consumer w[3] = { { 1.3, 2, true }, { 0.5, 1, true }, { 0.2, 1, true } };
	struct vcn_fair_consumer s[3] = { { 1.3, 1.0, true }, { 0.5, 0.5, true }, { 0.2, 0.5, true } };
	struct vcn_fairness fw, fs;

	CHECK_INT(vcn_fairness_jain(w, 3, &fw), ==, 0);
	CHECK_INT(vcn_fairness_jain(s, 3, &fs), ==, 0);
	CHECK(NEAR(fw.index, fs.index));
	CHECK(fw.index < 0.95 && fw.index > 0.5);
}

static void test_non_contending_excluded(void)
{
	/* two hogs share fairly; the idle VM (not contending) does not count,
	 * and its garbage entitlement is not even looked at */
	struct vcn_fair_consumer c[3] = {
		{ 1.0, 1, true }, { 0.01, -5, false }, { 1.0, 1, true },
	};
	struct vcn_fairness f;

	CHECK_INT(vcn_fairness_jain(c, 3, &f), ==, 0);
	CHECK_INT(f.n, ==, 2);
	CHECK(NEAR(f.index, 1.0));
	/* counted, the idle VM would make the host look unfair */
	c[1].contending = true;
	c[1].entitlement = 1;
	CHECK_INT(vcn_fairness_jain(c, 3, &f), ==, 0);
	CHECK(f.index < 0.7);
	CHECK_INT(f.i_min, ==, 1);
}

static void test_empty_and_zero(void)
{
	struct vcn_fair_consumer c[2] = { { 5, 1, false }, { 0, 1, false } };
	struct vcn_fairness f;

	CHECK_INT(vcn_fairness_jain(NULL, 0, &f), ==, 0);
	CHECK(f.index == 1.0);
	CHECK_INT(f.n, ==, 0);
	CHECK(f.i_min == SIZE_MAX && f.i_max == SIZE_MAX);
	CHECK_INT(vcn_fairness_jain(c, 2, &f), ==, 0);
	CHECK(f.index == 1.0);
	CHECK_INT(f.n, ==, 0);
	/* contending but nobody got anything: all equal */
	c[0].contending = c[1].contending = true;
	c[0].usage = 0;
	CHECK_INT(vcn_fairness_jain(c, 2, &f), ==, 0);
	CHECK(f.index == 1.0);
	CHECK_INT(f.n, ==, 2);
	/* a single contender is trivially fair */
	c[1].contending = false;
	c[0].usage = 3;
	CHECK_INT(vcn_fairness_jain(c, 2, &f), ==, 0);
	CHECK(f.index == 1.0);
	CHECK_INT(f.n, ==, 1);
}

static void test_bad_input(void)
{
	struct vcn_fair_consumer c[2] = { { 1, 1, true }, { 1, 0, true } };
	struct vcn_fairness f = { .index = 42 };

	vcn_test_log_reset();
	CHECK_INT(vcn_fairness_jain(c, 2, &f), ==, -EINVAL);
	CHECK(f.index == 42);
	CHECK(vcn_test_log_has("consumer 1 has invalid entitlement '0'"));
	c[1].entitlement = 1;
	c[0].usage = -1;
	CHECK_INT(vcn_fairness_jain(c, 2, &f), ==, -EINVAL);
	CHECK(vcn_test_log_has("consumer 0 has invalid usage '-1'"));
	c[0].usage = NAN;
	CHECK_INT(vcn_fairness_jain(c, 2, &f), ==, -EINVAL);
	c[0].usage = 1;
	c[1].entitlement = INFINITY;
	CHECK_INT(vcn_fairness_jain(c, 2, &f), ==, -EINVAL);
	CHECK_INT(vcn_fairness_jain(NULL, 2, &f), ==, -EINVAL);
}

static void test_entitle(void)
{
	double vcpus[3] = { 2, 1, 1 }, e[3] = { 0 }, zero[2] = { 0, 0 }, neg[2] = { 1, -1 };

	CHECK_INT(vcn_fairness_entitle(vcpus, 3, 2.0, e), ==, 0); /* 2 pCPUs */
	CHECK(NEAR(e[0], 1.0) && NEAR(e[1], 0.5) && NEAR(e[2], 0.5));
	CHECK_INT(vcn_fairness_entitle(vcpus, 3, 1.0, e), ==, 0);
	CHECK(NEAR(e[0], 0.5) && NEAR(e[1], 0.25) && NEAR(e[2], 0.25));
	CHECK_INT(vcn_fairness_entitle(NULL, 0, 1.0, NULL), ==, 0);
	vcn_test_log_reset();
	CHECK_INT(vcn_fairness_entitle(zero, 2, 1.0, e), ==, -EINVAL);
	CHECK(vcn_test_log_has("all 2 weights are 0"));
	CHECK_INT(vcn_fairness_entitle(neg, 2, 1.0, e), ==, -EINVAL);
	CHECK(vcn_test_log_has("consumer 1 has invalid weight '-1'"));
	CHECK_INT(vcn_fairness_entitle(vcpus, 3, -1.0, e), ==, -EINVAL);
	CHECK_INT(vcn_fairness_entitle(vcpus, 3, NAN, e), ==, -EINVAL);
}

static void test_wants_more(void)
{
	CHECK(!vcn_fair_wants_more(0.2, 0.5, false)); /* idle below share */
	CHECK(vcn_fair_wants_more(0.2, 0.5, true));   /* held back below share */
	CHECK(vcn_fair_wants_more(0.5, 0.5, false));  /* at its share */
	CHECK(vcn_fair_wants_more(0.9, 0.5, false));  /* above its share */
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_equal_is_one), VCN_TEST(test_one_takes_all),
		VCN_TEST(test_known_values), VCN_TEST(test_scale_free),
		VCN_TEST(test_non_contending_excluded), VCN_TEST(test_empty_and_zero),
		VCN_TEST(test_bad_input), VCN_TEST(test_entitle), VCN_TEST(test_wants_more),
		{ NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
