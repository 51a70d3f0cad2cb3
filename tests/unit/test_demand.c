/* lib/demand.c: a real command counted by lines (no shell: a ';' is an
 * argument), failure and timeout are errors, a file, a gmetad metric. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demand.h"
#include "harness.h"

static void test_command(void)
{
	char *printf_argv[] = { "printf", "%s\\n\\n%s\\n  \\n%s", "101", "102", "103", NULL };
	char *echo_argv[] = { "echo", "a;", "rm", "-rf", "/nonexistent-vcn", NULL };
	char *false_argv[] = { "false", NULL };
	char *none_argv[] = { "/nonexistent/vcn-squeue", NULL };
	char *sleep_argv[] = { "sleep", "5", NULL };
	char *empty_argv[] = { "true", NULL };
	double v = -1;

	CHECK_INT(vcn_demand_command(printf_argv, 5000, &v), ==, 0);
	CHECK(v == 3); /* blank lines and a last line without newline */
	CHECK_INT(vcn_demand_command(echo_argv, 5000, &v), ==, 0);
	CHECK(v == 1); /* one line: the ';' reached echo as an argument */
	CHECK_INT(vcn_demand_command(empty_argv, 5000, &v), ==, 0);
	CHECK(v == 0);
	vcn_test_log_reset();
	v = 7;
	CHECK_INT(vcn_demand_command(false_argv, 5000, &v), ==, -EIO);
	CHECK(v == 7);
	CHECK(vcn_test_log_has("demand command 'false': exit status 1"));
	CHECK(vcn_demand_command(none_argv, 5000, &v) < 0);
	CHECK(vcn_test_log_has("vcn-squeue"));
	CHECK_INT(vcn_demand_command(sleep_argv, 300, &v), ==, -ETIMEDOUT);
	CHECK(vcn_test_log_has("no answer within 300 ms: killed"));
}

static void test_file(void)
{
	char path[] = "/tmp/vcn-test-demand-XXXXXX";
	int fd = mkstemp(path);
	double v = -1;
	enum vcn_demand_kind k;

	CHECK(fd >= 0);
	CHECK(write(fd, " 12.5\n", 6) == 6);
	close(fd);
	CHECK_INT(vcn_demand_file(path, &v), ==, 0);
	CHECK(v == 12.5);
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(write(fd, "12x\n", 4) == 4);
	close(fd);
	vcn_test_log_reset();
	CHECK_INT(vcn_demand_file(path, &v), ==, -EINVAL);
	CHECK(vcn_test_log_has("is not a demand"));
	unlink(path);
	CHECK_INT(vcn_demand_file(path, &v), ==, -ENOENT);
	CHECK_INT(vcn_demand_kind_parse("ganglia", &k), ==, 0);
	CHECK_INT(k, ==, VCN_DEMAND_GANGLIA);
	CHECK_INT(vcn_demand_kind_parse("shell", &k), ==, -EINVAL);
}

static void test_ganglia(void)
{
	char *xml = vcn_test_read_data("gmetad_xml/grid.xml");
	struct vcn_gmetad *g = NULL;
	double v = 0;

	CHECK_INT(vcn_gmetad_parse(xml, strlen(xml), 0, &g), ==, 0);
	CHECK_INT(vcn_demand_ganglia(g, "vcnd", "vcnd", "vcn_vo_physics_demand", &v), ==, 0);
	CHECK(v == 12);
	vcn_test_log_reset();
	CHECK_INT(vcn_demand_ganglia(g, "vcn", "h2", "load_one", &v), ==, -ESTALE);
	CHECK(vcn_test_log_has("stale"));
	CHECK_INT(vcn_demand_ganglia(g, "vcn", "h1", "nope", &v), ==, -ENOENT);
	vcn_gmetad_free(g);
	free(xml);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_command), VCN_TEST(test_file), VCN_TEST(test_ganglia), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
