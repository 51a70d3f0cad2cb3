/* lib/readiness.c: the line is found when it arrives, in pieces, after
 * noise; other names, prefixes and mid-line matches do not count. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "readiness.h"

static char path[64];

static void append(const char *s)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);

	CHECK(fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s));
	close(fd);
}

static void fresh(void)
{
	snprintf(path, sizeof(path), "/tmp/vcn-test-console-%d", (int)getpid());
	unlink(path);
}

static void test_arrives_in_pieces(void)
{
	struct vcn_ready_scan s;

	fresh();
	vcn_ready_scan_init(&s);
	CHECK_INT(vcn_ready_scan(&s, path, "physics-1"), ==, -ENOENT);
	append("[    0.000000] Linux version 6.1.0\r\nsome noise VCN-READY physics-1 1.0\r\n");
	CHECK_INT(vcn_ready_scan(&s, path, "physics-1"), ==, 0); /* mid-line: no */
	append("VCN-READY physics-12 2.0\r\nVCN-REA");
	CHECK_INT(vcn_ready_scan(&s, path, "physics-1"), ==, 0); /* other name, partial */
	append("DY physics-1 3.41\r\n");
	CHECK_INT(vcn_ready_scan(&s, path, "physics-1"), ==, 1);
	CHECK_STR(s.line, "VCN-READY physics-1 3.41");
	CHECK_INT(vcn_ready_scan(&s, path, "physics-1"), ==, 1);
	unlink(path);
}

static void test_long_lines_skipped(void)
{
	struct vcn_ready_scan s;
	char big[9000];

	fresh();
	vcn_ready_scan_init(&s);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	append(big);
	CHECK_INT(vcn_ready_scan(&s, path, "a"), ==, 0);
	append("VCN-READY a 1.0\n"); /* continuation of the long line: not a line start */
	CHECK_INT(vcn_ready_scan(&s, path, "a"), ==, 0);
	append("VCN-READY a 2.0\n");
	CHECK_INT(vcn_ready_scan(&s, path, "a"), ==, 1);
	CHECK_STR(s.line, "VCN-READY a 2.0");
	unlink(path);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_arrives_in_pieces), VCN_TEST(test_long_lines_skipped), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
