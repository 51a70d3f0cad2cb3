/* lib/rate.c: first sample, deltas, resets, 32-bit wraps, gaps, bad clocks. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "harness.h"
#include "rate.h"

#define S(x) ((uint64_t)(x) * 1000000000ULL) /* seconds -> ns */
#define NEAR(a, b) (fabs((a) - (b)) < 1e-9 * (fabs(b) + 1))

static void test_first_then_rate(void)
{
	struct vcn_counter c;
	double r = -1;

	vcn_counter_init(&c, 64);
	CHECK_INT(vcn_counter_update(&c, 1000, S(10), &r), ==, -EAGAIN);
	CHECK(r == -1); /* untouched */
	CHECK_INT(vcn_counter_update(&c, 3000, S(12), &r), ==, 0);
	CHECK(NEAR(r, 1000.0));
	CHECK_INT(vcn_counter_update(&c, 3000, S(13), &r), ==, 0);
	CHECK(NEAR(r, 0.0));
	/* sub-second interval: 500 in 250 ms = 2000/s */
	CHECK_INT(vcn_counter_update(&c, 3500, S(13) + 250000000ULL, &r), ==, 0);
	CHECK(NEAR(r, 2000.0));
	CHECK_INT(c.resets, ==, 0);
}

static void test_zero_struct_works(void)
{
	struct vcn_counter c = { 0 };
	double r = 0;

	CHECK_INT(vcn_counter_update(&c, 5, S(1), &r), ==, -EAGAIN);
	CHECK_INT(vcn_counter_update(&c, 15, S(2), &r), ==, 0);
	CHECK(NEAR(r, 10.0));
}

static void test_delta(void)
{
	struct vcn_counter c;
	uint64_t d = 7, dt = 7;

	vcn_counter_init(&c, 64);
	CHECK_INT(vcn_counter_delta(&c, 100, S(1), &d, &dt), ==, -EAGAIN);
	CHECK_INT(d, ==, 7);
	CHECK_INT(vcn_counter_delta(&c, 250, S(3), &d, &dt), ==, 0);
	CHECK_INT(d, ==, 150);
	CHECK(dt == S(2));
	/* big 64-bit values stay exact */
	vcn_counter_init(&c, 64);
	CHECK_INT(vcn_counter_delta(&c, UINT64_MAX - 10, S(1), &d, &dt), ==, -EAGAIN);
	CHECK_INT(vcn_counter_delta(&c, UINT64_MAX, S(2), &d, &dt), ==, 0);
	CHECK_INT(d, ==, 10);
}

static void test_reset_64(void)
{
	struct vcn_counter c;
	double r = -1;

	/* VM restarted: cpu.time from 900 s back to 2 s: no rate, new baseline */
	vcn_counter_init(&c, 64);
	CHECK_INT(vcn_counter_update(&c, S(900), S(100), &r), ==, -EAGAIN);
	CHECK_INT(vcn_counter_update(&c, S(901), S(101), &r), ==, 0);
	CHECK(NEAR(r, 1e9));
	r = -1;
	CHECK_INT(vcn_counter_update(&c, S(2), S(102), &r), ==, -ESTALE);
	CHECK(r == -1);
	CHECK_INT(c.resets, ==, 1);
	CHECK(c.value == S(2));
	CHECK_INT(vcn_counter_update(&c, S(2) + 500000000ULL, S(103), &r), ==, 0);
	CHECK(NEAR(r, 5e8));
	/* a 64-bit counter near the top going to small is a reset, not a wrap */
	vcn_counter_init(&c, 64);
	CHECK_INT(vcn_counter_update(&c, UINT64_MAX - 5, S(1), &r), ==, -EAGAIN);
	CHECK_INT(vcn_counter_update(&c, 3, S(2), &r), ==, -ESTALE);
	CHECK_INT(c.resets, ==, 1);
}

static void test_wrap_32(void)
{
	struct vcn_counter c;
	double r = -1;
	uint64_t d = 0;

	vcn_counter_init(&c, 32);
	CHECK_INT(c.width, ==, 32);
	CHECK_INT(vcn_counter_update(&c, UINT32_MAX - 99, S(1), &r), ==, -EAGAIN);
	/* 100 to reach 2^32, then 50 more: 150 in 1 s */
	CHECK_INT(vcn_counter_update(&c, 50, S(2), &r), ==, 0);
	CHECK(NEAR(r, 150.0));
	CHECK_INT(c.resets, ==, 0);
	/* exactly at the top, then 0: delta 1 */
	vcn_counter_init(&c, 32);
	CHECK_INT(vcn_counter_delta(&c, UINT32_MAX, S(1), NULL, NULL), ==, -EAGAIN);
	CHECK_INT(vcn_counter_delta(&c, 0, S(2), &d, NULL), ==, 0);
	CHECK_INT(d, ==, 1);
	/* 32-bit drop from the middle of the range: a reset (wrapped distance
	 * would be > 2^31) */
	vcn_counter_init(&c, 32);
	CHECK_INT(vcn_counter_update(&c, 1000000, S(1), &r), ==, -EAGAIN);
	CHECK_INT(vcn_counter_update(&c, 10, S(2), &r), ==, -ESTALE);
	CHECK_INT(c.resets, ==, 1);
	/* boundary: wrapped distance just under 2^31 is a wrap, at 2^31 a reset */
	vcn_counter_init(&c, 32);
	CHECK_INT(vcn_counter_delta(&c, UINT32_MAX, S(1), NULL, NULL), ==, -EAGAIN);
	CHECK_INT(vcn_counter_delta(&c, (UINT64_C(1) << 31) - 2, S(2), &d, NULL), ==, 0);
	CHECK_INT(d, ==, (UINT64_C(1) << 31) - 1);
	vcn_counter_init(&c, 32);
	CHECK_INT(vcn_counter_delta(&c, UINT32_MAX, S(1), NULL, NULL), ==, -EAGAIN);
	CHECK_INT(vcn_counter_delta(&c, (UINT64_C(1) << 31) - 1, S(2), &d, NULL), ==, -ESTALE);
	/* a value wider than 32 bits is refused and changes nothing */
	vcn_counter_init(&c, 32);
	CHECK_INT(vcn_counter_update(&c, 10, S(1), &r), ==, -EAGAIN);
	CHECK_INT(vcn_counter_update(&c, UINT64_C(1) << 32, S(2), &r), ==, -EOVERFLOW);
	CHECK_INT(vcn_counter_update(&c, 20, S(3), &r), ==, 0);
	CHECK(NEAR(r, 5.0));
	/* any width but 32 means 64 */
	vcn_counter_init(&c, 0);
	CHECK_INT(c.width, ==, 64);
	vcn_counter_init(&c, 16);
	CHECK_INT(c.width, ==, 64);
}

static void test_missing_keeps_baseline(void)
{
	struct vcn_counter c;
	double r = -1;

	vcn_counter_init(&c, 64);
	CHECK_INT(vcn_counter_missing(&c), ==, -ENODATA); /* before any sample */
	CHECK(!c.valid);
	CHECK_INT(vcn_counter_update(&c, 100, S(1), &r), ==, -EAGAIN);
	CHECK_INT(vcn_counter_missing(&c), ==, -ENODATA);
	CHECK_INT(vcn_counter_missing(&c), ==, -ENODATA);
	/* average over the 3 s gap */
	CHECK_INT(vcn_counter_update(&c, 400, S(4), &r), ==, 0);
	CHECK(NEAR(r, 100.0));
}

static void test_bad_time(void)
{
	struct vcn_counter c;
	double r = -1;

	vcn_counter_init(&c, 64);
	CHECK_INT(vcn_counter_update(&c, 100, S(5), &r), ==, -EAGAIN);
	/* duplicate instant: ignored, baseline stays (100 @ 5 s) */
	CHECK_INT(vcn_counter_update(&c, 200, S(5), &r), ==, -ERANGE);
	CHECK(c.value == 100);
	CHECK_INT(vcn_counter_update(&c, 300, S(7), &r), ==, 0);
	CHECK(NEAR(r, 100.0));
	/* time going backwards re-baselines on the new sample */
	CHECK_INT(vcn_counter_update(&c, 310, S(3), &r), ==, -ERANGE);
	CHECK(c.value == 310 && c.t_ns == S(3));
	CHECK_INT(vcn_counter_update(&c, 330, S(4), &r), ==, 0);
	CHECK(NEAR(r, 20.0));
	CHECK_INT(c.resets, ==, 0);
}

static void test_forget(void)
{
	struct vcn_counter c;
	double r = -1;

	vcn_counter_init(&c, 32);
	CHECK_INT(vcn_counter_update(&c, 100, S(1), &r), ==, -EAGAIN);
	CHECK_INT(vcn_counter_update(&c, 50, S(2), &r), ==, -ESTALE);
	vcn_counter_forget(&c);
	CHECK_INT(c.width, ==, 32);
	CHECK_INT(c.resets, ==, 1);
	CHECK_INT(vcn_counter_update(&c, 1, S(3), &r), ==, -EAGAIN);
	CHECK_INT(vcn_counter_update(&c, 2, S(4), &r), ==, 0);
	CHECK(NEAR(r, 1.0));
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_first_then_rate), VCN_TEST(test_zero_struct_works),
		VCN_TEST(test_delta), VCN_TEST(test_reset_64), VCN_TEST(test_wrap_32),
		VCN_TEST(test_missing_keeps_baseline), VCN_TEST(test_bad_time),
		VCN_TEST(test_forget), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
