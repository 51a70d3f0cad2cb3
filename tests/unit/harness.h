/* vcn unit-test harness: a table of test functions, CHECK macros that record
 * failures and go on, golden files under tests/data/<object>/<scenario>
 * (VCN_REGEN_GOLDEN=1 rewrites them), and a logger that captures messages. */
#ifndef VCN_TEST_HARNESS_H
#define VCN_TEST_HARNESS_H

#include <stdbool.h>
#include <string.h>

struct vcn_test {
	const char *name;
	void (*fn)(void);
};

#define VCN_TEST(fn) { #fn, fn }

extern int vcn_test_failed;

void vcn_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define CHECK(cond) \
	do { if (!(cond)) vcn_test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); } while (0)

#define CHECK_INT(a, op, b) \
	do { long long a_ = (long long)(a), b_ = (long long)(b); \
	     if (!(a_ op b_)) vcn_test_fail(__FILE__, __LINE__, "%s %s %s: %lld vs %lld", \
					    #a, #op, #b, a_, b_); } while (0)

#define CHECK_STR(a, b) \
	do { const char *a_ = (a), *b_ = (b); \
	     if (!a_ || !b_ || strcmp(a_, b_) != 0) \
		     vcn_test_fail(__FILE__, __LINE__, "%s == %s: '%s' vs '%s'", #a, #b, \
				   a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)

int vcn_test_main(const struct vcn_test *tests, int argc, char **argv);
void vcn_test_golden(const char *file, int line, const char *relpath, const char *actual);
#define CHECK_GOLDEN(relpath, actual) vcn_test_golden(__FILE__, __LINE__, relpath, actual)

char *vcn_test_read_file(const char *path);
char *vcn_test_read_data(const char *relpath);
const char *vcn_test_data_path(const char *relpath);

/* Messages the library logged since the last reset, newline-separated. */
const char *vcn_test_log(void);
void vcn_test_log_reset(void);
bool vcn_test_log_has(const char *needle);

#endif
