/* lib/partition.c: one test per key, the v1 -> v2 mapping, libvirt's
 * directory naming, creation through the directory writer into a scratch
 * tree (golden plans for v1 and v2), and a table of malformed files. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "partition.h"

static struct vcn_partitions *load(void)
{
	struct vcn_partitions *ps = NULL;

	vcn_test_log_reset();
	CHECK_INT(vcn_partitions_load(vcn_test_data_path("partition/good.conf"), &ps), ==, 0);
	CHECK(ps != NULL);
	return ps;
}

static void test_groups(void)
{
	struct vcn_partitions *ps = load();

	if (!ps)
		return;
	CHECK_INT(ps->n, ==, 2);
	CHECK_STR(ps->p[0].name, "machine/vo-physics");
	CHECK_STR(ps->p[0].libvirt, "/machine/vo-physics");
	CHECK_INT(ps->p[0].line, ==, 2);
	CHECK(ps->p[0].ctl[VCN_CG_CPU] && ps->p[0].ctl[VCN_CG_BLKIO] && ps->p[0].ctl[VCN_CG_MEMORY]);
	CHECK_STR(ps->p[1].name, "machine/vo-chem/batch");
	CHECK_INT(ps->p[1].line, ==, 14);
	CHECK(!ps->p[1].ctl[VCN_CG_BLKIO]);
	CHECK(vcn_partitions_find(ps, "/machine/vo-chem/batch") == &ps->p[1]);
	CHECK(vcn_partitions_find(ps, "machine/vo-physics") == &ps->p[0]);
	CHECK(vcn_partitions_find(ps, "/machine/vo-none") == NULL);
	vcn_partitions_free(ps);
	vcn_partitions_free(NULL);
}

static void test_key_cpu_shares_and_weight(void)
{
	struct vcn_partitions *ps = load();

	if (!ps)
		return;
	CHECK_INT(ps->p[0].cpu_shares, ==, 2048);
	CHECK_INT(ps->p[0].cpu_weight, ==, 0);
	CHECK_INT(ps->p[1].cpu_weight, ==, 200);
	CHECK_INT(ps->p[1].cpu_shares, ==, 0);
	vcn_partitions_free(ps);
}

static void test_key_cfs(void)
{
	struct vcn_partitions *ps = load();

	if (!ps)
		return;
	CHECK_INT(ps->p[0].cfs_quota_us, ==, 150000);
	CHECK_INT(ps->p[0].cfs_period_us, ==, 100000);
	CHECK_INT(ps->p[1].cfs_quota_us, ==, -1);
	CHECK_INT(ps->p[1].cfs_period_us, ==, 0);
	vcn_partitions_free(ps);
}

static void test_key_blkio_and_memory(void)
{
	struct vcn_partitions *ps = load();

	if (!ps)
		return;
	CHECK_INT(ps->p[0].blkio_weight, ==, 500);
	CHECK_INT(ps->p[0].memory_limit, ==, 2ULL << 30);
	CHECK(ps->p[1].memory_limit == UINT64_MAX);
	vcn_partitions_free(ps);
}

static void test_mapping_formulas(void)
{
	CHECK_INT(vcn_cg_shares_to_weight(2), ==, 1);
	CHECK_INT(vcn_cg_shares_to_weight(1024), ==, 39);
	CHECK_INT(vcn_cg_shares_to_weight(2048), ==, 79);
	CHECK_INT(vcn_cg_shares_to_weight(262144), ==, 10000);
	CHECK_INT(vcn_cg_shares_to_weight(0), ==, 1);
	CHECK_INT(vcn_cg_blkio_to_io_weight(500), ==, 100);
	CHECK_INT(vcn_cg_blkio_to_io_weight(10), ==, 2);
	CHECK_INT(vcn_cg_blkio_to_io_weight(1000), ==, 200);
}

static void test_settings_v2(void)
{
	struct vcn_partitions *ps = load();
	struct vcn_cg_setting s[VCN_CG_SETTINGS_MAX];
	size_t n;

	if (!ps)
		return;
	CHECK_INT(vcn_partition_settings(&ps->p[0], VCN_CG_V2, s, &n), ==, 0);
	CHECK_INT(n, ==, 4);
	if (n == 4) {
		CHECK_STR(s[0].file, "cpu.weight");
		CHECK_STR(s[0].value, "79");
		CHECK_STR(s[1].file, "cpu.max");
		CHECK_STR(s[1].value, "150000 100000");
		CHECK_STR(s[2].file, "io.weight");
		CHECK_STR(s[2].value, "100");
		CHECK_STR(s[3].file, "memory.max");
		CHECK_STR(s[3].value, "2147483648");
	}
	CHECK_INT(vcn_partition_settings(&ps->p[1], VCN_CG_V2, s, &n), ==, 0);
	CHECK_INT(n, ==, 3);
	if (n == 3) {
		CHECK_STR(s[1].file, "cpu.max");
		CHECK_STR(s[1].value, "max 100000");
		CHECK_STR(s[2].value, "max");
	}
	vcn_partitions_free(ps);
}

static void test_settings_v1(void)
{
	struct vcn_partitions *ps = load();
	struct vcn_cg_setting s[VCN_CG_SETTINGS_MAX];
	size_t n;

	if (!ps)
		return;
	CHECK_INT(vcn_partition_settings(&ps->p[0], VCN_CG_V1, s, &n), ==, 0);
	CHECK_INT(n, ==, 5);
	if (n == 5) {
		CHECK_STR(s[0].file, "cpu.shares");
		CHECK_STR(s[1].file, "cpu.cfs_period_us"); /* the period before the quota */
		CHECK_STR(s[2].file, "cpu.cfs_quota_us");
		CHECK_STR(s[3].file, "blkio.weight");
	}
	CHECK_INT(vcn_partition_settings(&ps->p[1], VCN_CG_V1, s, &n), ==, 0);
	CHECK(n >= 1);
	if (n >= 1) {
		CHECK_STR(s[0].file, "cpu.shares"); /* cpu.weight 200 back in shares */
		CHECK_STR(s[0].value, "5219");
	}
	vcn_partitions_free(ps);
}

static void test_cgroup_dir_and_names(void)
{
	char dir[256];

	CHECK_INT(vcn_partition_cgroup_dir("/machine/vo-physics", dir, sizeof(dir)), ==, 0);
	CHECK_STR(dir, "machine/vo-physics.partition");
	CHECK_INT(vcn_partition_cgroup_dir("machine/a/b", dir, sizeof(dir)), ==, 0);
	CHECK_STR(dir, "machine/a.partition/b.partition");
	CHECK_INT(vcn_partition_cgroup_dir("/machine", dir, sizeof(dir)), ==, 0);
	CHECK_STR(dir, "machine");
	CHECK_INT(vcn_partition_cgroup_dir("/machine/vo-physics", dir, 10), ==, -ENAMETOOLONG);
	CHECK_INT(vcn_partition_cgroup_dir("/system/x", dir, sizeof(dir)), ==, -EINVAL);
	CHECK(vcn_partition_path_valid("/machine/vo-x"));
	CHECK(!vcn_partition_path_valid("/machinery/x"));
	CHECK(!vcn_partition_path_valid("/machine/"));
	CHECK(!vcn_partition_path_valid("/machine//x"));
	CHECK(!vcn_partition_path_valid("/machine/a.b"));
	CHECK(!vcn_partition_path_valid("/machine/a/b/c/d/e"));
	CHECK(!vcn_partition_path_valid(NULL));
}

static void test_plan_golden(void)
{
	struct vcn_partitions *ps = load();
	char *plan;

	if (!ps)
		return;
	plan = vcn_partitions_format_plan(ps, VCN_CG_V1);
	CHECK_GOLDEN("partition/good.plan-v1", plan ? plan : "");
	free(plan);
	plan = vcn_partitions_format_plan(ps, VCN_CG_V2);
	CHECK_GOLDEN("partition/good.plan-v2", plan ? plan : "");
	free(plan);
	vcn_partitions_free(ps);
}

static char *slurp(const char *root, const char *rel)
{
	char path[4096], *buf = calloc(1, 256);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	if (!f || !buf) {
		free(buf);
		if (f)
			fclose(f);
		vcn_test_fail(__FILE__, __LINE__, "missing %s", rel);
		return NULL;
	}
	if (fread(buf, 1, 255, f) == 0)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

#define CHECK_FILE(root, rel, want) \
	do { char *got_ = slurp(root, rel); if (got_) CHECK_STR(got_, want); free(got_); } while (0)

static void test_apply_dir_v1(void)
{
	struct vcn_partitions *ps = load();
	char root[] = "/tmp/vcn-test-partition-XXXXXX", cmd[256];
	struct vcn_cg_writer w;

	if (!ps || !mkdtemp(root))
		return;
	vcn_cg_writer_dir(&w, root);
	CHECK_INT(vcn_partitions_apply(ps, VCN_CG_V1, &w), ==, 0);
	CHECK_FILE(root, "cpu/machine/vo-physics.partition/cpu.shares", "2048");
	CHECK_FILE(root, "cpu/machine/vo-physics.partition/cpu.cfs_quota_us", "150000");
	CHECK_FILE(root, "blkio/machine/vo-physics.partition/blkio.weight", "500");
	CHECK_FILE(root, "memory/machine/vo-physics.partition/memory.limit_in_bytes", "2147483648");
	CHECK_FILE(root, "cpu/machine/vo-chem.partition/batch.partition/cpu.cfs_quota_us", "-1");
	CHECK_FILE(root, "memory/machine/vo-chem.partition/batch.partition/memory.limit_in_bytes", "-1");
	snprintf(cmd, sizeof(cmd), "%s/blkio/machine/vo-chem.partition", root);
	CHECK(access(cmd, F_OK) != 0); /* only the hierarchies a group names */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK_INT(system(cmd), ==, 0);
	vcn_partitions_free(ps);
}

static void test_apply_dir_v2(void)
{
	struct vcn_partitions *ps = load();
	char root[] = "/tmp/vcn-test-partition-XXXXXX", cmd[256];
	struct vcn_cg_writer w;
	enum vcn_cg_version v = VCN_CG_V1;

	if (!ps || !mkdtemp(root))
		return;
	snprintf(cmd, sizeof(cmd), "%s/cgroup.controllers", root);
	CHECK_INT(close(creat(cmd, 0644)), ==, 0);
	CHECK_INT(vcn_cg_detect(root, &v), ==, 0);
	CHECK_INT(v, ==, VCN_CG_V2);
	vcn_cg_writer_dir(&w, root);
	CHECK_INT(vcn_partitions_apply(ps, v, &w), ==, 0);
	CHECK_FILE(root, "machine/vo-physics.partition/cpu.weight", "79");
	CHECK_FILE(root, "machine/vo-physics.partition/cpu.max", "150000 100000");
	CHECK_FILE(root, "machine/vo-physics.partition/io.weight", "100");
	CHECK_FILE(root, "machine/vo-physics.partition/memory.max", "2147483648");
	CHECK_FILE(root, "cgroup.subtree_control", "+cpu +memory");
	CHECK_FILE(root, "machine/vo-chem.partition/cgroup.subtree_control", "+cpu +memory");
	CHECK_FILE(root, "machine/vo-chem.partition/batch.partition/cpu.weight", "200");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK_INT(system(cmd), ==, 0);
	vcn_partitions_free(ps);
}

static void test_detect_v1(void)
{
	enum vcn_cg_version v = VCN_CG_V2;

	CHECK_INT(vcn_cg_detect(vcn_test_data_path("cgroup/v1"), &v), ==, 0);
	CHECK_INT(v, ==, VCN_CG_V1);
	CHECK_INT(vcn_cg_detect(vcn_test_data_path("partition/no-such-root"), &v), ==, -ENOENT);
	CHECK_STR(vcn_cg_version_name(VCN_CG_V2), "v2");
	CHECK_STR(vcn_cg_ctl_name(VCN_CG_BLKIO), "blkio");
}

static const struct bad_case {
	const char *file, *want;
} bad_cases[] = {
	{ "missing-semi", ":3: expected ';' after the value, got '}'" },
	{ "unclosed", ":2: expected a controller or '}', got 'end of file'" },
	{ "unterminated", ":2: unterminated string" },
	{ "mount", ":1: mount: not supported here (this file only declares groups)" },
	{ "not-group", ":1: expected 'group', got 'grupo'" },
	{ "name-outside", ":1: group 'system/vo-a': not a partition below machine" },
	{ "name-dot", ":1: group 'machine/vo.a': not a partition below machine" },
	{ "name-machine", ":1: group 'machine': not a partition below machine" },
	{ "ctl-unknown", ":3: cpuset: unknown controller (known: cpu, blkio, memory)" },
	{ "perm", ":2: perm: not supported" },
	{ "key-unknown", ":3: cpu.bogus: unknown key for controller cpu (known: cpu.shares, cpu.weight, cpu.cfs_quota_us, cpu.cfs_period_us)" },
	{ "key-wrong-ctl", ":2: blkio.weight: unknown key for controller cpu" },
	{ "shares-garbage", ":2: cpu.shares: '12x': not a valid value (an integer from 2 to 262144)" },
	{ "shares-range", ":2: cpu.shares: '1': out of range (an integer from 2 to 262144)" },
	{ "weight-range", ":2: cpu.weight: '10001': out of range" },
	{ "quota-range", ":2: cpu.cfs_quota_us: '999': out of range" },
	{ "period-range", ":2: cpu.cfs_period_us: '2000000': out of range" },
	{ "blkio-range", ":2: blkio.weight: '5': out of range (an integer from 10 to 1000)" },
	{ "memory-bad", ":2: memory.limit_in_bytes: '2X': not a valid value" },
	{ "key-twice", ":3: cpu.shares: set twice (first at line 2)" },
	{ "ctl-twice", ":3: cpu: controller twice in one group (first at line 2)" },
	{ "shares-weight", ":3: cpu.weight: cpu.shares is set too (line 2): use one" },
	{ "no-ctl", ":2: group 'machine/vo-a': no controller (cpu, blkio or memory)" },
	{ "group-twice", ":3: group 'machine/vo-a': declared twice (first at line 1)" },
	{ "many", ":2: cpu.shares: '1': out of range" },
	{ "many", ":3: blkio.weight: '2000': out of range" },
};

/* The commented sample in cgroup-policies/ is valid as shipped. */
static void test_sample(void)
{
	const char *top = getenv("VCN_TOP");
	char path[4096];
	struct vcn_partitions *x = NULL;

	snprintf(path, sizeof(path), "%s/cgroup-policies/partitions.conf", top ? top : ".");
	vcn_test_log_reset();
		CHECK_INT(vcn_partitions_load(path, &x), ==, 0);
	CHECK(x && x->n == 2);
	vcn_partitions_free(x);
}

static void test_malformed_table(void)
{
	struct vcn_partitions *sentinel = (struct vcn_partitions *)&sentinel, *ps;
	char rel[256], want[4400];
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		snprintf(rel, sizeof(rel), "partition/bad/%s.conf", bad_cases[i].file);
		snprintf(want, sizeof(want), "%s%s", vcn_test_data_path(rel), bad_cases[i].want);
		vcn_test_log_reset();
		ps = sentinel;
		if (vcn_partitions_load(vcn_test_data_path(rel), &ps) != -EINVAL)
			vcn_test_fail(__FILE__, __LINE__, "%s: not refused with -EINVAL", rel);
		if (ps != sentinel)
			vcn_test_fail(__FILE__, __LINE__, "%s: out was touched", rel);
		if (!vcn_test_log_has(want))
			vcn_test_fail(__FILE__, __LINE__, "%s: want '%s', log:\n%s", rel, bad_cases[i].want,
				      vcn_test_log());
	}
	vcn_test_log_reset();
	CHECK_INT(vcn_partitions_load(vcn_test_data_path("partition/absent.conf"), &ps), ==, -ENOENT);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_groups), VCN_TEST(test_key_cpu_shares_and_weight), VCN_TEST(test_key_cfs),
		VCN_TEST(test_key_blkio_and_memory), VCN_TEST(test_mapping_formulas), VCN_TEST(test_settings_v2),
		VCN_TEST(test_settings_v1), VCN_TEST(test_cgroup_dir_and_names), VCN_TEST(test_plan_golden),
		VCN_TEST(test_apply_dir_v1), VCN_TEST(test_apply_dir_v2), VCN_TEST(test_detect_v1),
		VCN_TEST(test_sample), VCN_TEST(test_malformed_table), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
