/* lib/policy.c: the rules file of tests/data/policy/rules.conf resolved for
 * VCNs of several shapes (one test per key, golden output of the whole
 * resolution), and a table of malformed files with their exact file:line. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "partition.h"
#include "policy.h"

static struct vcn_policy *load(void)
{
	struct vcn_policy *p = NULL;

	vcn_test_log_reset();
	CHECK_INT(vcn_policy_load(vcn_test_data_path("policy/rules.conf"), &p), ==, 0);
	CHECK(p != NULL);
	return p;
}

static void resolve(const struct vcn_policy *p, const char *vcn, const char *vo, unsigned vcpus,
		    struct vcn_policy_limits *l)
{
	CHECK_INT(vcn_policy_resolve(p, vcn, vo, vcpus, l), ==, 0);
}

static void test_load_counts(void)
{
	struct vcn_policy *p = load();

	CHECK_INT(vcn_policy_rules(p), ==, 5);
	CHECK_STR(vcn_policy_path(p), vcn_test_data_path("policy/rules.conf"));
	vcn_policy_free(p);
	vcn_policy_free(NULL);
}

static void test_key_partition(void)
{
	struct vcn_policy *p = load();
	struct vcn_policy_limits l;

	resolve(p, "physics-1", "physics", 1, &l);
	CHECK_STR(l.partition, "/machine/vo-physics");
	CHECK_INT(l.line[VCN_KEY_PARTITION], ==, 2);
	resolve(p, "web-1", "web", 1, &l);
	CHECK_STR(l.partition, "");
	CHECK_INT(l.line[VCN_KEY_PARTITION], ==, 0);
	vcn_policy_free(p);
}

static void test_key_weight(void)
{
	struct vcn_policy *p = load();
	struct vcn_policy_limits l;

	resolve(p, "physics-big-1", "physics", 4, &l);
	CHECK(!l.weight_auto);
	CHECK_INT(l.cpu_shares, ==, 4096);
	CHECK_INT(l.line[VCN_KEY_WEIGHT], ==, 3);
	resolve(p, "web-1", "web", 2, &l); /* auto: 1024 per vCPU */
	CHECK(l.weight_auto);
	CHECK_INT(l.cpu_shares, ==, 2048);
	CHECK_INT(l.line[VCN_KEY_WEIGHT], ==, 6);
	CHECK_INT(vcn_policy_resolve(NULL, "x", NULL, 300, &l), ==, 0); /* no rules: defaults */
	CHECK(l.weight_auto);
	CHECK_INT(l.cpu_shares, ==, 262144);
	vcn_policy_free(p);
}

static void test_key_cpu_cap(void)
{
	struct vcn_policy *p = load();
	struct vcn_policy_limits l;

	resolve(p, "physics-big-1", "physics", 1, &l);
	CHECK_INT(l.cpu_cap_pct, ==, 150);
	resolve(p, "web-1", NULL, 1, &l);
	CHECK_INT(l.cpu_cap_pct, ==, 80);
	resolve(p, "chem-3", "chem", 1, &l); /* none on its line stops the '*' line's cap */
	CHECK_INT(l.cpu_cap_pct, ==, 0);
	CHECK_INT(l.line[VCN_KEY_CPU_CAP], ==, 5);
	vcn_policy_free(p);
}

static void test_key_disk(void)
{
	struct vcn_policy *p = load();
	struct vcn_policy_limits l;

	resolve(p, "physics-big-1", "physics", 1, &l);
	CHECK_INT(l.disk_write_bps, ==, 64ULL << 20);
	CHECK_INT(l.disk_read_bps, ==, 100ULL << 20);
	CHECK_INT(l.disk_read_iops, ==, 0);
	resolve(p, "physics-7", "physics", 1, &l);
	CHECK_INT(l.disk_read_iops, ==, 500);
	CHECK_INT(l.disk_write_iops, ==, 400);
	CHECK_INT(l.disk_write_bps, ==, 0);
	vcn_policy_free(p);
}

static void test_key_net(void)
{
	struct vcn_policy *p = load();
	struct vcn_policy_limits l;

	resolve(p, "anything", NULL, 1, &l);
	CHECK_INT(l.net_average_kbps, ==, 10240);
	CHECK_INT(l.net_peak_kbps, ==, 20480);
	CHECK_INT(l.line[VCN_KEY_NET_PEAK], ==, 6);
	vcn_policy_free(p);
}

static void test_key_pin(void)
{
	struct vcn_policy *p = load();
	struct vcn_policy_limits l;

	resolve(p, "physics-7", "physics", 1, &l); /* vo: line (2) before the glob line (4) */
	CHECK_INT(l.pin, ==, VCN_PIN_SPREAD);
	CHECK_INT(l.line[VCN_KEY_PIN], ==, 2);
	resolve(p, "physics-7", "other", 1, &l);
	CHECK_INT(l.pin, ==, VCN_PIN_PACK);
	resolve(p, "chem-1", "chem", 1, &l);
	CHECK_INT(l.pin, ==, VCN_PIN_DEDICATED);
	resolve(p, "web-1", NULL, 1, &l); /* no rule sets pin: unpinned, as libvirt */
	CHECK_INT(l.pin, ==, VCN_PIN_NONE);
	CHECK_INT(l.line[VCN_KEY_PIN], ==, 0);
	CHECK_STR(vcn_pin_name(VCN_PIN_NONE), "none");
	CHECK_STR(vcn_pin_name(VCN_PIN_LAST), "?");
	vcn_policy_free(p);
}

static void test_golden_resolution(void)
{
	static const struct { const char *vcn, *vo; unsigned vcpus; } shapes[] = {
		{ "physics-big-1", "physics", 4 }, { "physics-7", "physics", 2 }, { "chem-3", "chem", 1 },
		{ "web-1", NULL, 2 },
	};
	struct vcn_policy *p = load();
	struct vcn_policy_limits l;
	char *all = NULL, *one;
	size_t len = 0, i;
	FILE *f = open_memstream(&all, &len);

	for (i = 0; f && i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		resolve(p, shapes[i].vcn, shapes[i].vo, shapes[i].vcpus, &l);
		one = vcn_policy_limits_format(&l);
		fprintf(f, "== %s (vo %s, %u vCPUs)\n%s", shapes[i].vcn, shapes[i].vo ? shapes[i].vo : "-",
			shapes[i].vcpus, one ? one : "");
		free(one);
	}
	if (f)
		fclose(f);
	CHECK_GOLDEN("policy/rules.resolved", all ? all : "");
	free(all);
	vcn_policy_free(p);
}

static void test_resolve_refuses(void)
{
	struct vcn_policy *p = load();
	struct vcn_policy_limits l;

	CHECK_INT(vcn_policy_resolve(p, "bad name", NULL, 1, &l), ==, -EINVAL);
	CHECK_INT(vcn_policy_resolve(p, "ok", NULL, 0, &l), ==, -EINVAL);
	CHECK_INT(vcn_policy_resolve(p, "ok", "bad/vo", 1, &l), ==, -EINVAL);
	vcn_policy_free(p);
}

static void test_check_partitions(void)
{
	struct vcn_policy *p = load();
	struct vcn_partitions *ps = NULL;

	CHECK_INT(vcn_partitions_load(vcn_test_data_path("partition/good.conf"), &ps), ==, 0);
	vcn_test_log_reset();
	CHECK_INT(vcn_policy_check_partitions(p, ps), ==, 0);
	CHECK_INT(vcn_policy_check_partitions(p, NULL), ==, -EINVAL);
	CHECK(vcn_test_log_has("rules.conf:2: partition '/machine/vo-physics' is not a group in"));
	vcn_partitions_free(ps);
	vcn_policy_free(p);
}

static const struct bad_case {
	const char *file, *want;
} bad_cases[] = {
	{ "unknown-key", ":2: weigth: unknown key (partition, weight," },
	{ "no-equals", ":3: 'weight': not key=value" },
	{ "bad-number", ":1: weight: '12x': not a valid value (auto or an integer from 2 to 262144)" },
	{ "weight-range", ":1: weight: '1': out of range" },
	{ "cap-range", ":1: cpu_cap: '0': out of range (none or a percentage of one CPU from 1 to 100000)" },
	{ "bps", ":1: disk_read_bps: '64Q': not a valid value" },
	{ "iops", ":1: disk_write_iops: '-5': not a valid value" },
	{ "net", ":1: net_average: 'ten': not a valid value" },
	{ "peak-below", ":1: net_peak 50 is below net_average 100" },
	{ "pin", ":1: pin: 'scatter': not a valid value (none, spread, pack or dedicated)" },
	{ "partition", ":1: partition: 'machine/vo-x': not a valid value" },
	{ "partition-dot", ":1: partition: '/machine/vo.x'" },
	{ "dup-key", ":1: pin: set twice on one line" },
	{ "empty-value", ":1: cpu_cap: empty value" },
	{ "no-settings", ":2: pattern 'vo:physics': no settings" },
	{ "bad-vo", ":1: pattern 'vo:-x': '-x' is not a VO name" },
	{ "bad-kind", ":1: pattern 'user:bob': unknown kind" },
	{ "bad-glob", ":1: pattern 'physics-[0-9': not a glob" },
	{ "bad-glob-char", ":1: pattern 'phys/ics': not a glob" },
	{ "dup-pattern", ":3: pattern '*': already used at line 1" },
	{ "long-line", ":1: line longer than 1024 characters" },
	{ "many", ":2: pin: 'nope'" },
	{ "many", ":3: cpu_cap: '12x'" },
};

/* The commented sample in cgroup-policies/ is valid as shipped. */
static void test_sample(void)
{
	const char *top = getenv("VCN_TOP");
	char path[4096];
	struct vcn_policy *x = NULL;

	snprintf(path, sizeof(path), "%s/cgroup-policies/vcn-rules.conf", top ? top : ".");
	vcn_test_log_reset();
		CHECK_INT(vcn_policy_load(path, &x), ==, 0);
	CHECK_INT(vcn_policy_rules(x), ==, 4);
	vcn_policy_free(x);
}

static void test_malformed_table(void)
{
	struct vcn_policy *sentinel = (struct vcn_policy *)&sentinel, *p;
	char rel[256], want[4400];
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		snprintf(rel, sizeof(rel), "policy/bad/%s.conf", bad_cases[i].file);
		snprintf(want, sizeof(want), "%s%s", vcn_test_data_path(rel), bad_cases[i].want);
		vcn_test_log_reset();
		p = sentinel;
		if (vcn_policy_load(vcn_test_data_path(rel), &p) != -EINVAL)
			vcn_test_fail(__FILE__, __LINE__, "%s: not refused with -EINVAL", rel);
		if (p != sentinel)
			vcn_test_fail(__FILE__, __LINE__, "%s: out was touched", rel);
		if (!vcn_test_log_has(want))
			vcn_test_fail(__FILE__, __LINE__, "%s: want '%s', log:\n%s", rel, bad_cases[i].want,
				      vcn_test_log());
	}
}

/* A bad reload leaves the running policy as it was (the daemon's swap). */
static void test_bad_reload_keeps_old(void)
{
	struct vcn_policy *running = load(), *fresh = running;
	struct vcn_policy_limits l;

	CHECK_INT(vcn_policy_load(vcn_test_data_path("policy/bad/many.conf"), &fresh), ==, -EINVAL);
	CHECK(fresh == running);
	resolve(running, "web-1", NULL, 1, &l);
	CHECK_INT(l.cpu_cap_pct, ==, 80);
	CHECK_INT(vcn_policy_load(vcn_test_data_path("policy/absent.conf"), &fresh), ==, -ENOENT);
	CHECK(fresh == running);
	vcn_policy_free(running);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_load_counts), VCN_TEST(test_key_partition), VCN_TEST(test_key_weight),
		VCN_TEST(test_key_cpu_cap), VCN_TEST(test_key_disk), VCN_TEST(test_key_net),
		VCN_TEST(test_key_pin), VCN_TEST(test_golden_resolution), VCN_TEST(test_resolve_refuses),
		VCN_TEST(test_check_partitions), VCN_TEST(test_sample), VCN_TEST(test_malformed_table),
		VCN_TEST(test_bad_reload_keeps_old), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
