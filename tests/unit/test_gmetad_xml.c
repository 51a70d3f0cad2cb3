/* lib/gmetad_xml.c: a recorded gmetad dump (nested GRIDs), staleness from
 * TN/TMAX, truncated and malformed XML (an error at every cut, never a
 * crash), and a fetch from a real TCP listener. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gmetad_xml.h"
#include "harness.h"

static void test_grid(void)
{
	char *xml = vcn_test_read_data("gmetad_xml/grid.xml");
	struct vcn_gmetad *g = NULL;
	const struct vcn_gm_host *h;
	double v = 0;

	CHECK(xml != NULL);
	if (!xml)
		return;
	CHECK_INT(vcn_gmetad_parse(xml, strlen(xml), 0, &g), ==, 0);
	CHECK(g != NULL);
	if (!g)
		goto cleanup;
	CHECK_INT(g->n_clusters, ==, 2);
	CHECK_STR(g->clusters[0].name, "vcn");
	CHECK_STR(g->clusters[1].name, "vcnd"); /* inside the nested GRID */
	CHECK_INT(g->clusters[0].localtime, ==, 1700000000);
	h = vcn_gmetad_host(g, "vcn", "h1");
	CHECK(h && !h->stale && h->n_metrics == 4);
	CHECK(h && strcmp(h->ip, "10.200.1.1") == 0);
	CHECK_INT(vcn_gmetad_value(g, "vcn", "h1", "load_one", &v), ==, 0);
	CHECK(fabs(v - 1.5) < 1e-9);
	CHECK_INT(vcn_gmetad_value(g, NULL, "h1", "cpu_num", &v), ==, 0);
	CHECK(fabs(v - 4) < 1e-9);
	CHECK_INT(vcn_gmetad_value(g, "vcn", "h1", "os_name", &v), ==, -EINVAL);
	/* metric TN 600 > 4 * TMAX 60: unknown, not its last value */
	CHECK_INT(vcn_gmetad_value(g, "vcn", "h1", "bytes_in", &v), ==, -ESTALE);
	/* host TN 1000 > 4 * 20: the host is unknown, its 0.00 load means nothing */
	h = vcn_gmetad_host(g, "vcn", "h2");
	CHECK(h && h->stale);
	CHECK_INT(vcn_gmetad_value(g, "vcn", "h2", "load_one", &v), ==, -ESTALE);
	CHECK_INT(vcn_gmetad_value(g, "vcn", "h3", "load_one", &v), ==, -ENOENT);
	CHECK_INT(vcn_gmetad_value(g, "vcn", "h1", "nope", &v), ==, -ENOENT);
	CHECK_INT(vcn_gmetad_value(g, "vcnd", "vcnd", "vcn_vo_physics_demand", &v), ==, 0);
	CHECK(fabs(v - 12) < 1e-9);
	CHECK(vcn_gmetad_cluster(g, "vcnd") != NULL);
	CHECK(vcn_gmetad_cluster(g, "x") == NULL);
	vcn_gmetad_free(g);
	g = NULL;
	/* a larger factor makes h2 known again */
	CHECK_INT(vcn_gmetad_parse(xml, strlen(xml), 100, &g), ==, 0);
	CHECK_INT(vcn_gmetad_value(g, "vcn", "h2", "load_one", &v), ==, 0);
cleanup:
	vcn_gmetad_free(g);
	free(xml);
}

/* Every cut of the document fails cleanly (ASan watches the parser). */
static void test_truncated(void)
{
	char *xml = vcn_test_read_data("gmetad_xml/grid.xml");
	size_t len = xml ? strlen(xml) : 0, fails = 0, cuts = 0;

	CHECK(xml != NULL);
	/* the closing tag and the final newline: anything shorter is cut */
	for (size_t cut = 1; xml && cut + strlen("</GANGLIA_XML>\n") <= len; cut += 7) {
		struct vcn_gmetad *g = (struct vcn_gmetad *)1;

		cuts++;
		if (vcn_gmetad_parse(xml, cut, 0, &g) == -EINVAL && g == NULL)
			fails++;
		else
			vcn_gmetad_free(g);
	}
	CHECK(cuts > 100);
	CHECK_INT(fails, ==, cuts);
	free(xml);
}

static void test_malformed(void)
{
	static const char *bad[] = {
		"",
		"not xml at all",
		"<GANGLIA_XML><CLUSTER NAME=\"a\"><HOST NAME=\"h\"></CLUSTER></GANGLIA_XML>",
		"<OTHER_XML><CLUSTER NAME=\"a\"/></OTHER_XML>",
		"<GANGLIA_XML><CLUSTER><HOST NAME=\"h\"/></CLUSTER></GANGLIA_XML>",
		"<GANGLIA_XML><CLUSTER NAME=\"a\"><HOST NAME=\"h\" TN=\"12x\"/></CLUSTER></GANGLIA_XML>",
		"<GANGLIA_XML><CLUSTER NAME=\"a\"><HOST NAME=\"h\"><METRIC VAL=\"1\"/></HOST></CLUSTER></GANGLIA_XML>",
		"<GANGLIA_XML><CLUSTER NAME=\"a\"><HOST NAME=\"h\"><METRIC NAME=\"m\" VAL=\"1\" TMAX=\"-3\"/>"
		"</HOST></CLUSTER></GANGLIA_XML>",
		"<GANGLIA_XML>\xff\xfe</GANGLIA_XML>",
		"<!DOCTYPE x [<!ENTITY a \"&a;\">]><GANGLIA_XML>&a;</GANGLIA_XML>",
	};
	struct vcn_gmetad *g;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		g = (struct vcn_gmetad *)1;
		vcn_test_log_reset();
		if (vcn_gmetad_parse(bad[i], strlen(bad[i]), 0, &g) != -EINVAL || g != NULL)
			vcn_test_fail(__FILE__, __LINE__, "bad XML %zu accepted", i);
		CHECK(vcn_test_log_has("gmetad XML"));
	}
	CHECK(vcn_test_log_has("gmetad XML")); /* the last reason is there */
	vcn_test_log_reset();
	CHECK_INT(vcn_gmetad_parse("<GANGLIA_XML/>", 14, 0, &g), ==, 0);
	CHECK(g && g->n_clusters == 0);
	vcn_gmetad_free(g);
	vcn_gmetad_free(NULL);
}

/* A listener that writes the fixture and closes, as gmetad's xml_port. */
static void test_fetch(void)
{
	char *xml = vcn_test_read_data("gmetad_xml/grid.xml"), *got = NULL;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct vcn_gmetad *g = NULL;
	size_t len = 0;
	int lfd, status;
	pid_t pid;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(lfd, 4) == 0 &&
	      getsockname(lfd, (struct sockaddr *)&sa, &sl) == 0);
	pid = fork();
	if (pid == 0) {
		int c = accept(lfd, NULL, NULL);
		size_t off = 0, n = strlen(xml);

		while (c >= 0 && off < n) {
			ssize_t w = write(c, xml + off, n - off > 1000 ? 1000 : n - off);

			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	CHECK_INT(vcn_gmetad_fetch("127.0.0.1", ntohs(sa.sin_port), 5000, &got, &len), ==, 0);
	CHECK(got && len == strlen(xml) && memcmp(got, xml, len) == 0);
	CHECK_INT(vcn_gmetad_parse(got, len, 0, &g), ==, 0);
	CHECK(vcn_gmetad_host(g, "vcn", "h1") != NULL);
	waitpid(pid, &status, 0);
	vcn_gmetad_free(g);
	free(got);
	got = NULL;
	close(lfd);
	/* nobody listens there any more */
	vcn_test_log_reset();
	CHECK(vcn_gmetad_fetch("127.0.0.1", ntohs(sa.sin_port), 2000, &got, &len) < 0);
	CHECK(got == NULL);
	CHECK(vcn_test_log_has("gmetad '127.0.0.1:"));
	free(xml);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_grid), VCN_TEST(test_truncated), VCN_TEST(test_malformed),
		VCN_TEST(test_fetch), { NULL, NULL },
	};

	signal(SIGPIPE, SIG_IGN);
	return vcn_test_main(tests, argc, argv);
}
