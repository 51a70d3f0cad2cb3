/* lib/rrdread.c on RRD files made here with librrd, shaped as gmetad's
 * (step 15, DS "sum", AVERAGE RRAs): a window average, unknown rows left
 * out, an all-unknown window, a missing file and DS. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rrd.h>

#include "harness.h"
#include "rrdread.h"

#define T0 1699999995L /* a multiple of the step: rows line up with updates */

static char dir[] = "/tmp/vcn-test-rrd-XXXXXX";

/* A gmetad-like file with a value every 15 s from T0 for @n steps;
 * values from @val(i); NaN leaves a gap (the RRD then has unknowns). */
static int make_rrd(const char *path, unsigned n, double (*val)(unsigned))
{
	const char *args[] = { "DS:sum:GAUGE:30:U:U", "RRA:AVERAGE:0.5:1:244", "RRA:AVERAGE:0.5:24:244" };
	char buf[64];
	const char *up[1] = { buf };

	if (rrd_create_r(path, 15, T0, 3, args) != 0)
		return -1;
	for (unsigned i = 1; i <= n; i++) {
		double v = val(i);

		if (isnan(v))
			continue;
		snprintf(buf, sizeof(buf), "%ld:%g", T0 + 15L * i, v);
		if (rrd_update_r(path, NULL, 1, up) != 0)
			return -1;
	}
	return 0;
}

static double ramp(unsigned i)
{
	return i <= 20 ? 1.0 : 3.0; /* 5 minutes at 1, then 3 */
}

static double gappy(unsigned i)
{
	return (i > 20 && i <= 30) ? NAN : 2.0; /* 150 s silence */
}

static void test_average(void)
{
	char path[256];
	struct vcn_rrd_avg a;

	CHECK_INT(vcn_rrd_path(path, sizeof(path), dir, "vcn", "h1", "load_one"), ==, 0);
	{
		char d1[256], d2[256];

		snprintf(d1, sizeof(d1), "%s/vcn", dir);
		snprintf(d2, sizeof(d2), "%s/vcn/h1", dir);
		mkdir(d1, 0700);
		mkdir(d2, 0700);
	}
	rrd_clear_error();
	CHECK_INT(make_rrd(path, 40, ramp), ==, 0);
	/* the last 5 minutes: all at 3 */
	CHECK_INT(vcn_rrd_average(path, "sum", T0 + 600, 300, &a), ==, 0);
	CHECK(fabs(a.avg - 3.0) < 1e-9);
	CHECK_INT(a.step, ==, 15);
	CHECK_INT(a.n_known, ==, 20);
	CHECK_INT(a.last, ==, T0 + 600);
	/* 10 minutes: half and half */
	CHECK_INT(vcn_rrd_average(path, NULL, T0 + 600, 600, &a), ==, 0);
	CHECK(fabs(a.avg - 2.0) < 1e-9);
	CHECK_INT(a.n_known, ==, 40);
	/* the window reaches past the last update: those rows are unknown */
	CHECK_INT(vcn_rrd_average(path, "sum", T0 + 900, 600, &a), ==, 0);
	CHECK(fabs(a.avg - 3.0) < 1e-9);
	CHECK_INT(a.n_known, ==, 20);
	CHECK(a.n_rows >= 40 && a.n_rows <= 41); /* librrd may round the window out by a row */
	/* entirely after the data: unknown, not 0 */
	vcn_test_log_reset();
	CHECK_INT(vcn_rrd_average(path, "sum", T0 + 3000, 300, &a), ==, -ENODATA);
	CHECK(vcn_test_log_has("no known value"));
	CHECK_INT(vcn_rrd_average(path, "num", T0 + 600, 300, &a), ==, -EINVAL);
	CHECK(vcn_test_log_has("no data source 'num'"));
	CHECK_INT(vcn_rrd_average(path, "sum", T0 + 600, 0, &a), ==, -EINVAL);
	unlink(path);
}

static void test_gap(void)
{
	char path[256];
	struct vcn_rrd_avg a;

	snprintf(path, sizeof(path), "%s/gap.rrd", dir);
	CHECK_INT(make_rrd(path, 40, gappy), ==, 0);
	CHECK_INT(vcn_rrd_average(path, "sum", T0 + 600, 600, &a), ==, 0);
	CHECK(fabs(a.avg - 2.0) < 1e-9);
	/* the gap plus the heartbeat's reach: 10 rows of silence are unknown */
	CHECK(a.n_known < 40 && a.n_known >= 28);
	unlink(path);
}

static void test_missing(void)
{
	char path[256];
	struct vcn_rrd_avg a;

	vcn_test_log_reset();
	snprintf(path, sizeof(path), "%s/none.rrd", dir);
	CHECK(vcn_rrd_average(path, "sum", T0, 300, &a) < 0);
	CHECK(vcn_test_log_has("none.rrd"));
	CHECK_INT(vcn_rrd_path(path, sizeof(path), dir, "a/b", "h", "m"), ==, -EINVAL);
	CHECK_INT(vcn_rrd_path(path, 10, dir, "a", "h", "m"), ==, -ENAMETOOLONG);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_average), VCN_TEST(test_gap), VCN_TEST(test_missing), { NULL, NULL },
	};
	char cmd[128];
	int rc;

	if (!mkdtemp(dir))
		return 99;
	rc = vcn_test_main(tests, argc, argv);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
