/* lib/audit.c: one JSON object per line, appended, hostile text escaped;
 * tail returns the last lines. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "harness.h"

static void test_append_and_tail(void)
{
	char path[64], *tail = NULL;
	struct vcn_audit a;
	int i;

	snprintf(path, sizeof(path), "/tmp/vcn-test-audit-%d", (int)getpid());
	unlink(path);
	CHECK_INT(vcn_audit_open(&a, path), ==, 0);
	CHECK_INT(vcn_audit_log(&a, "launch", "physics-1", "hv-a", "ready in %.2f s", 4.5), ==, 0);
	CHECK_INT(vcn_audit_log(&a, "reload", NULL, NULL, "rules: \"bad\"\nline"), ==, 0);
	for (i = 0; i < 5; i++)
		CHECK_INT(vcn_audit_log(&a, "limit", "physics-1", "hv-a", "cpu_shares %d", 1024 * (i + 1)), ==, 0);
	vcn_audit_close(&a);
	vcn_audit_close(&a);
	CHECK_INT(vcn_audit_tail(path, 2, &tail), ==, 0);
	CHECK(tail && strstr(tail, "\"detail\":\"cpu_shares 4096\"}\n{"));
	CHECK(tail && strstr(tail, "\"detail\":\"cpu_shares 5120\"}\n") && !strstr(tail, "3072"));
	free(tail);
	CHECK_INT(vcn_audit_tail(path, 100, &tail), ==, 0);
	CHECK(tail && strstr(tail, "\"action\":\"launch\",\"vcn\":\"physics-1\",\"host\":\"hv-a\",\"detail\":\"ready in 4.50 s\"}"));
	CHECK(tail && strstr(tail, "\"action\":\"reload\",\"detail\":\"rules: \\\"bad\\\"\\u000aline\"}"));
	free(tail);
	unlink(path);
	CHECK_INT(vcn_audit_tail(path, 1, &tail), ==, -ENOENT);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = { VCN_TEST(test_append_and_tail), { NULL, NULL } };

	return vcn_test_main(tests, argc, argv);
}
