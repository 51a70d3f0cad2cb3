/* The unit-test runner: prints TAP-style lines, exits 1 if any check failed.
 * `test_x NAME...` runs only the named tests. */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "log.h"

int vcn_test_failed;
static char logbuf[16384];
static size_t loglen;

void vcn_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "# %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	vcn_test_failed++;
}

static void capture(enum vcn_log_level level, const char *msg, void *opaque)
{
	int n = snprintf(logbuf + loglen, sizeof(logbuf) - loglen, "%s: %s\n",
			 vcn_log_level_name(level), msg);

	if (n > 0 && (size_t)n < sizeof(logbuf) - loglen)
		loglen += (size_t)n;
	if (getenv("VCN_TEST_VERBOSE"))
		fprintf(stdout, "# log %s: %s\n", vcn_log_level_name(level), msg);
}

const char *vcn_test_log(void) { return logbuf; }

void vcn_test_log_reset(void)
{
	loglen = 0;
	logbuf[0] = '\0';
}

bool vcn_test_log_has(const char *needle) { return strstr(logbuf, needle) != NULL; }

/* Absolute path of tests/data/@relpath (static buffer). */
const char *vcn_test_data_path(const char *relpath)
{
	static char path[4096];
	const char *dir = getenv("VCN_TEST_DATA");

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/data", relpath);
	return path;
}

/* The whole of file @path, NUL-terminated, malloc'd; NULL when unreadable. */
char *vcn_test_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)size + 1);
		if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
			free(buf);
			buf = NULL;
		}
		if (buf)
			buf[size] = '\0';
	}
	fclose(f);
	return buf;
}

/* The whole of data file @relpath (under tests/data), or NULL. */
char *vcn_test_read_data(const char *relpath)
{
	return vcn_test_read_file(vcn_test_data_path(relpath));
}

/* Compare @actual with the golden file; with VCN_REGEN_GOLDEN=1 write it. */
void vcn_test_golden(const char *file, int line, const char *relpath, const char *actual)
{
	char *expected;
	FILE *f;

	if (getenv("VCN_REGEN_GOLDEN")) {
		f = fopen(vcn_test_data_path(relpath), "wb");
		if (!f || fputs(actual, f) < 0 || fclose(f) != 0)
			vcn_test_fail(file, line, "cannot write golden '%s': %s", relpath, strerror(errno));
		else
			fprintf(stdout, "# regenerated %s\n", relpath);
		return;
	}
	expected = vcn_test_read_data(relpath);
	if (!expected) {
		vcn_test_fail(file, line, "golden '%s' missing (VCN_REGEN_GOLDEN=1 creates it)", relpath);
		return;
	}
	if (strcmp(expected, actual) != 0)
		vcn_test_fail(file, line, "output differs from golden '%s':\n%s", relpath, actual);
	free(expected);
}

static bool selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return true;
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

int vcn_test_main(const struct vcn_test *tests, int argc, char **argv)
{
	int n = 0, bad = 0, i, before;

	vcn_log_set(capture, NULL, VCN_LOG_DEBUG);
	for (i = 0; tests[i].name; i++)
		if (selected(tests[i].name, argc, argv))
			n++;
	printf("1..%d\n", n);
	n = 0;
	for (i = 0; tests[i].name; i++) {
		if (!selected(tests[i].name, argc, argv))
			continue;
		vcn_test_log_reset();
		before = vcn_test_failed;
		tests[i].fn();
		n++;
		if (vcn_test_failed != before)
			bad++;
		printf("%s %d - %s\n", vcn_test_failed != before ? "not ok" : "ok", n, tests[i].name);
	}
	printf("# %d passed, %d failed\n", n - bad, bad);
	return bad ? 1 : 0;
}
