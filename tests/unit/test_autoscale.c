/* lib/autoscale.c: the ideal count, scale out in steps, cooldown, scale in
 * of idle VCNs only (longest idle first, after the idle period), min/max,
 * an unknown demand holds, and a recorded trace replayed to a golden log. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoscale.h"
#include "harness.h"

static struct vcn_as_policy pol(void)
{
	struct vcn_as_policy p;

	vcn_as_policy_default(&p);
	p.min = 1;
	p.max = 6;
	p.jobs_per_vcn = 2;
	p.step_up = 2;
	p.step_down = 1;
	p.cooldown_ms = 10000;
	p.idle_period_ms = 30000;
	return p;
}

static void test_ideal(void)
{
	struct vcn_as_policy p = pol();
	const char *why;

	CHECK_INT(vcn_as_ideal(&p, 0), ==, 1);  /* min */
	CHECK_INT(vcn_as_ideal(&p, 1), ==, 1);
	CHECK_INT(vcn_as_ideal(&p, 2), ==, 1);
	CHECK_INT(vcn_as_ideal(&p, 3), ==, 2);
	CHECK_INT(vcn_as_ideal(&p, 100), ==, 6); /* max */
	CHECK_INT(vcn_as_ideal(&p, NAN), ==, 1);
	CHECK_INT(vcn_as_policy_check(&p, &why), ==, 0);
	p.min = 7;
	CHECK_INT(vcn_as_policy_check(&p, &why), ==, -EINVAL);
	CHECK_STR(why, "min is above max");
	p = pol();
	p.jobs_per_vcn = 0;
	CHECK_INT(vcn_as_policy_check(&p, &why), ==, -EINVAL);
	p = pol();
	p.step_down = 0;
	CHECK_INT(vcn_as_policy_check(&p, &why), ==, -EINVAL);
}

static void test_out_and_cooldown(void)
{
	struct vcn_as_policy p = pol();
	struct vcn_as_state st = { false, 0 };
	struct vcn_as_vcn v[2] = { { "a", true, 0 }, { "b", true, 0 } };
	struct vcn_as_decision d;

	CHECK_INT(vcn_as_decide(&p, &st, 11, v, 2, 1000, &d), ==, 0);
	CHECK_INT(d.ideal, ==, 6);
	CHECK_INT(d.add, ==, 2); /* step_up */
	CHECK_INT(d.target, ==, 4);
	CHECK_STR(d.why, "scale out");
	vcn_as_decision_clear(&d);
	CHECK_INT(vcn_as_decide(&p, &st, 11, v, 2, 5000, &d), ==, 0);
	CHECK_INT(d.add, ==, 0);
	CHECK_STR(d.why, "cooldown");
	vcn_as_decision_clear(&d);
	CHECK_INT(vcn_as_decide(&p, &st, 11, v, 2, 11000, &d), ==, 0);
	CHECK_INT(d.add, ==, 2);
	vcn_as_decision_clear(&d);
	/* unknown demand: nothing happens, whatever the clock */
	CHECK_INT(vcn_as_decide(&p, &st, NAN, v, 2, 100000, &d), ==, 0);
	CHECK(d.add == 0 && d.n_remove == 0 && d.target == 2);
	vcn_as_decision_clear(&d);
	/* below min: no cooldown for the floor */
	st.acted = true;
	st.last_action_ms = 100000;
	CHECK_INT(vcn_as_decide(&p, &st, 0, v, 0, 100001, &d), ==, 0);
	CHECK_INT(d.add, ==, 1);
	CHECK_STR(d.why, "below min");
	vcn_as_decision_clear(&d);
}

static void test_in_idle_only(void)
{
	struct vcn_as_policy p = pol();
	struct vcn_as_state st = { false, 0 };
	struct vcn_as_vcn v[4] = { { "busy", true, 0 }, { "young", true, 0 }, { "old", true, 0 }, { "boot", false, 0 } };
	struct vcn_as_decision d;

	vcn_as_track(&p, &v[0], 0.9, 1000);
	vcn_as_track(&p, &v[1], 0.0, 20000);
	vcn_as_track(&p, &v[2], 0.01, 1000);
	vcn_as_track(&p, &v[2], 0.05, 5000); /* still idle since 1000 */
	vcn_as_track(&p, &v[3], 0.0, 1000);  /* not ready: not idle */
	CHECK_INT(v[0].idle_since_ms, ==, 0);
	CHECK_INT(v[2].idle_since_ms, ==, 1000);
	CHECK_INT(v[3].idle_since_ms, ==, 0);
	/* demand 0 -> ideal 1; only "old" has been idle 30 s by 35000 */
	p.step_down = 3;
	CHECK_INT(vcn_as_decide(&p, &st, 0, v, 4, 35000, &d), ==, 0);
	CHECK_INT(d.n_remove, ==, 1);
	CHECK_STR(v[d.remove[0]].name, "old");
	vcn_as_decision_clear(&d);
	/* later both idle ones qualify, longest idle first; the busy and the
	 * booting one never do */
	st.acted = false;
	CHECK_INT(vcn_as_decide(&p, &st, 0, v, 4, 60000, &d), ==, 0);
	CHECK_INT(d.n_remove, ==, 2);
	CHECK_STR(v[d.remove[0]].name, "old");
	CHECK_STR(v[d.remove[1]].name, "young");
	CHECK_INT(d.target, ==, 2);
	vcn_as_decision_clear(&d);
	/* a VCN that gets busy again starts its idle period over */
	vcn_as_track(&p, &v[2], 0.5, 61000);
	vcn_as_track(&p, &v[2], 0.0, 62000);
	CHECK_INT(v[2].idle_since_ms, ==, 62000);
	/* over max (config shrank): idle ones go without waiting */
	p.max = 2;
	p.min = 0;
	st.acted = true;
	st.last_action_ms = 61500;
	CHECK_INT(vcn_as_decide(&p, &st, 100, v, 4, 62500, &d), ==, 0);
	CHECK_INT(d.n_remove, ==, 2);
	vcn_as_decision_clear(&d);
}

static void test_trace(void)
{
	char *text = vcn_test_read_data("autoscale/step.trace"), *log = NULL, summary[512];
	double *t = NULL, *dem = NULL, *cl = NULL;
	struct vcn_as_policy p = pol();
	struct vcn_as_sim sim = { 5, 20, 600, 1, NULL, NULL };
	struct vcn_as_result r;
	size_t n = 0;

	CHECK(text != NULL);
	CHECK_INT(vcn_as_trace_parse(text, "step.trace", &t, &dem, &cl, &n), ==, 0);
	CHECK_INT(n, ==, 10);
	CHECK_INT(vcn_as_replay(&p, &sim, t, dem, cl, n, &r, &log), ==, 0);
	/* ideal 1 -> 4 -> 1: two changes */
	CHECK_INT(r.n_changes, ==, 2);
	CHECK(r.time_to_target_s[0] > 0 && r.time_to_target_s[0] < 60);
	CHECK(r.time_to_target_s[1] > 0);
	CHECK_INT(r.final_running, ==, 1);
	CHECK_INT(r.ideal_actions, ==, 2 + 3);
	snprintf(summary, sizeof(summary),
		 "changes %u to_target %.0f %.0f overshoot %.0f idle_vcn_min %.2f actions %u ideal %u final %u\n",
		 r.n_changes, r.time_to_target_s[0], r.time_to_target_s[1], r.overshoot_max, r.idle_vcn_min,
		 r.actions, r.ideal_actions, r.final_running);
	{
		size_t a = strlen(log), b = strlen(summary);
		char *all = malloc(a + b + 1);

		memcpy(all, log, a);
		memcpy(all + a, summary, b + 1);
		CHECK_GOLDEN("autoscale/step.golden", all);
		free(all);
	}
	free(log);
	free(t);
	free(dem);
	free(cl);
	free(text);
}

static void test_trace_errors(void)
{
	double *t, *d, *c;
	size_t n;

	vcn_test_log_reset();
	CHECK_INT(vcn_as_trace_parse("0 1\n5 x\n", "a.trace", &t, &d, &c, &n), ==, -EINVAL);
	CHECK(vcn_test_log_has("a.trace:2: not a number"));
	CHECK_INT(vcn_as_trace_parse("5 1\n5 2\n", "a.trace", &t, &d, &c, &n), ==, -EINVAL);
	CHECK(vcn_test_log_has("a.trace:2: time 5 is not after 5"));
	CHECK_INT(vcn_as_trace_parse("1\n", "a.trace", &t, &d, &c, &n), ==, -EINVAL);
	CHECK(vcn_test_log_has("a.trace:1: expected"));
	CHECK_INT(vcn_as_trace_parse("# only\n", "a.trace", &t, &d, &c, &n), ==, -EINVAL);
	CHECK(vcn_test_log_has("a.trace: no points"));
	CHECK(t == NULL && n == 0);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_ideal), VCN_TEST(test_out_and_cooldown), VCN_TEST(test_in_idle_only),
		VCN_TEST(test_trace), VCN_TEST(test_trace_errors), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
