/* lib/log.c: silent by default, level filter, sink receives formatted text. */
#include <config.h>

#include <stdio.h>

#include "harness.h"
#include "log.h"

static int calls;
static char last[256];

static void sink(enum vcn_log_level level, const char *msg, void *opaque)
{
	calls++;
	snprintf(last, sizeof(last), "%s|%s|%s", vcn_log_level_name(level), msg, (const char *)opaque);
}

static void test_silent_without_logger(void)
{
	calls = 0;
	vcn_log_set(NULL, NULL, VCN_LOG_DEBUG);
	vcn_err("nobody hears %d", 1);
	CHECK_INT(calls, ==, 0);
}

static void test_level_filter_and_format(void)
{
	calls = 0;
	vcn_log_set(sink, "ctx", VCN_LOG_WARN);
	vcn_debug("dropped");
	vcn_info("dropped");
	CHECK_INT(calls, ==, 0);
	vcn_warn("cannot open '%s': %s", "/x", "No such file");
	CHECK_INT(calls, ==, 1);
	CHECK_STR(last, "warning|cannot open '/x': No such file|ctx");
}

static void test_long_message_truncated(void)
{
	char big[3000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	calls = 0;
	vcn_log_set(sink, "ctx", VCN_LOG_DEBUG);
	vcn_err("%s", big);
	CHECK_INT(calls, ==, 1);
	CHECK_STR(vcn_log_level_name(VCN_LOG_LAST), "?");
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_silent_without_logger), VCN_TEST(test_level_filter_and_format),
		VCN_TEST(test_long_message_truncated), { NULL, NULL },
	};
	int rc = vcn_test_main(tests, argc, argv);

	return rc;
}
