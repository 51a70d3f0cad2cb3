/* lib/vcnd_conf.c: one test per option (tests/data/vcnd_conf/good.conf sets
 * them all, minimal.conf none), and a table of malformed files, each with the
 * exact "file:line: message" it must produce. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vcnd_conf.h"

static struct vcn_vcnd_conf *load(const char *rel)
{
	struct vcn_vcnd_conf *c = NULL;
	char path[4096];

	snprintf(path, sizeof(path), "%s", vcn_test_data_path(rel));
	vcn_test_log_reset();
	CHECK_INT(vcn_vcnd_conf_load(path, &c), ==, 0);
	CHECK(c != NULL);
	return c;
}

static void test_globals_paths(void)
{
	struct vcn_vcnd_conf *c = load("vcnd_conf/good.conf");

	if (!c)
		return;
	CHECK_STR(c->state_dir, "/var/lib/vcn-test");
	CHECK_STR(c->scratch_dir, "/var/lib/vcn-test/scratch");
	CHECK_STR(c->control_socket, "/run/vcn-test/vcnd.sock");
	CHECK_STR(c->audit_log, "/var/log/vcn-test/audit.jsonl");
	vcn_vcnd_conf_free(c);
}

static void test_globals_files(void)
{
	struct vcn_vcnd_conf *c = load("vcnd_conf/good.conf");
	char want[4096];

	if (!c)
		return;
	/* relative names are relative to the conf's directory */
	snprintf(want, sizeof(want), "%s", vcn_test_data_path("vcnd_conf/partitions.conf"));
	CHECK_STR(c->partitions_file, want);
	CHECK_INT(c->line_partitions_file, ==, 8);
	snprintf(want, sizeof(want), "%s", vcn_test_data_path("vcnd_conf/rules.conf"));
	CHECK_STR(c->rules_file, want);
	CHECK_INT(c->line_rules_file, ==, 9);
	snprintf(want, sizeof(want), "%s", vcn_test_data_path("vcnd_conf/files/gmond.conf"));
	CHECK_STR(c->gmond_conf, want);
	CHECK_STR(c->path, vcn_test_data_path("vcnd_conf/good.conf"));
	vcn_vcnd_conf_free(c);
}

static void test_globals_interval_and_target(void)
{
	struct vcn_vcnd_conf *c = load("vcnd_conf/good.conf");

	if (!c)
		return;
	CHECK_INT(c->interval_ms, ==, 5000);
	CHECK(c->fairness_target > 0.899 && c->fairness_target < 0.901);
	vcn_vcnd_conf_free(c);
}

static void test_defaults(void)
{
	struct vcn_vcnd_conf *c = load("vcnd_conf/minimal/vcnd.conf");

	if (!c)
		return;
	CHECK_STR(c->state_dir, "/var/lib/vcn");
	CHECK_STR(c->scratch_dir, "/var/lib/vcn/scratch");
	CHECK_STR(c->control_socket, "/run/vcn/vcnd.sock");
	CHECK_STR(c->audit_log, "/var/log/vcn/audit.jsonl");
	CHECK_INT(c->interval_ms, ==, 10000);
	CHECK(c->fairness_target > 0.949 && c->fairness_target < 0.951);
	/* the default partitions.conf / vcn-rules.conf beside it do not exist: none */
	CHECK(c->partitions_file == NULL);
	CHECK(c->rules_file == NULL);
	CHECK_INT(c->n_hosts, ==, 1);
	CHECK_STR(c->hosts[0].name, "local");
	CHECK_STR(c->hosts[0].uri, "test:///default");
	CHECK_INT(c->hosts[0].line, ==, 1);
	CHECK_INT(c->n_vos, ==, 0);
	CHECK(vcn_vcnd_conf_vo(c, "physics") == NULL);
	vcn_vcnd_conf_free(c);
}

static void test_web(void)
{
	struct vcn_vcnd_conf *c = load("vcnd_conf/web.conf");

	if (!c)
		return;
	CHECK_STR(c->status_socket, "/run/vcn-test/vcnd-status.sock");
	CHECK_STR(c->status_socket_group, "root");
	CHECK_STR(c->web_events_file, "/var/lib/ganglia-web/conf/events.json");
	CHECK_INT(c->web_events_max, ==, 42);
	CHECK_STR(c->web_views_command, "/usr/share/vcn/web/vcn-gweb-views --conf-dir /var/lib/ganglia-web/conf");
	vcn_vcnd_conf_free(c);
	/* none by default */
	c = load("vcnd_conf/minimal/vcnd.conf");
	if (!c)
		return;
	CHECK(!c->status_socket && !c->status_socket_group && !c->web_events_file && !c->web_views_command);
	CHECK_INT(c->web_events_max, ==, 500);
	vcn_vcnd_conf_free(c);
}

static void test_hosts(void)
{
	struct vcn_vcnd_conf *c = load("vcnd_conf/good.conf");

	if (!c)
		return;
	CHECK_INT(c->n_hosts, ==, 2);
	CHECK_STR(c->hosts[0].name, "hv-a");
	CHECK_STR(c->hosts[0].uri, "qemu:///system");
	CHECK_INT(c->hosts[0].line, ==, 14);
	CHECK_STR(c->hosts[1].name, "hv-b");
	CHECK_STR(c->hosts[1].uri, "qemu+tcp://10.77.0.2/system");
	CHECK_INT(c->hosts[1].line, ==, 17);
	CHECK(vcn_vcnd_conf_host(c, "hv-b") == &c->hosts[1]);
	CHECK(vcn_vcnd_conf_host(c, "hv-c") == NULL);
	vcn_vcnd_conf_free(c);
}

static void test_vo_image_vcpus_memory(void)
{
	struct vcn_vcnd_conf *c = load("vcnd_conf/good.conf");
	const struct vcn_conf_vo *vo;

	if (!c)
		return;
	CHECK_INT(c->n_vos, ==, 2);
	vo = vcn_vcnd_conf_vo(c, "physics");
	CHECK(vo == &c->vos[0]);
	if (!vo)
		goto out;
	CHECK_INT(vo->line, ==, 21);
	CHECK_STR(vo->image, vcn_test_data_path("vcnd_conf/files/base.qcow2"));
	CHECK(vo->kernel == NULL && vo->initrd == NULL && vo->cmdline == NULL);
	CHECK_INT(vo->vcpus, ==, 2);
	CHECK_INT(vo->memory, ==, 256ULL << 20);
out:
	vcn_vcnd_conf_free(c);
}

static void test_vo_cpu(void)
{
	struct vcn_vcnd_conf *c = load("vcnd_conf/good.conf");
	const struct vcn_conf_vo *vo;

	if (!c)
		return;
	vo = &c->vos[0];
	CHECK_INT(vo->cpu_mode, ==, VCN_VO_CPU_CUSTOM);
	CHECK_STR(vo->cpu_model, "Skylake-Server");
	CHECK_INT(vo->n_cpu_features, ==, 2);
	if (vo->n_cpu_features == 2) {
		CHECK_STR(vo->cpu_features[0], "+avx2");
		CHECK_STR(vo->cpu_features[1], "-svm");
	}
	CHECK_INT(c->vos[1].cpu_mode, ==, VCN_VO_CPU_MIGRATION_SAFE);
	CHECK_STR(vcn_vo_cpu_mode_name(VCN_VO_CPU_HOST_PASSTHROUGH), "host-passthrough");
	CHECK_STR(vcn_vo_cpu_mode_name(VCN_VO_CPU_LAST), "?");
	vcn_vcnd_conf_free(c);
}

static void test_vo_network_min_max_partition(void)
{
	struct vcn_vcnd_conf *c = load("vcnd_conf/good.conf");
	const struct vcn_conf_vo *vo;

	if (!c)
		return;
	vo = &c->vos[0];
	CHECK_STR(vo->network, "vcn-test");
	CHECK_INT(vo->min, ==, 1);
	CHECK_INT(vo->max, ==, 8);
	CHECK_STR(vo->partition, "/machine/vo-physics");
	vcn_vcnd_conf_free(c);
}

static void test_vo_kernel_boot_and_defaults(void)
{
	struct vcn_vcnd_conf *c = load("vcnd_conf/good.conf");
	const struct vcn_conf_vo *vo;

	if (!c)
		return;
	vo = vcn_vcnd_conf_vo(c, "tiny");
	CHECK(vo != NULL);
	if (!vo)
		goto out;
	CHECK_INT(vo->line, ==, 34);
	CHECK_STR(vo->kernel, vcn_test_data_path("vcnd_conf/files/vmlinuz"));
	CHECK_STR(vo->initrd, vcn_test_data_path("vcnd_conf/files/initrd.img"));
	CHECK_STR(vo->cmdline, "console=ttyS0 vcn.workload=idle");
	CHECK_INT(vo->vcpus, ==, 1);
	CHECK_INT(vo->memory, ==, 128ULL << 20);
	CHECK_STR(vo->network, "default");
	CHECK_INT(vo->min, ==, 0);
	CHECK_INT(vo->max, ==, 16);
	CHECK(vo->partition == NULL);
	CHECK(vo->cpu_model == NULL);
	CHECK_INT(vo->n_cpu_features, ==, 0);
out:
	vcn_vcnd_conf_free(c);
}

static const struct bad_case {
	const char *file;
	const char *want; /* after "PATH" */
} bad_cases[] = {
	{ "syntax-brace", ":1: '{' is never closed" },
	{ "syntax-token", ":2: " },
	{ "comments", ":7: vcpus: '3x'" },
	{ "unknown-option", ":3: no such option 'intervall'" },
	{ "interval-garbage", ":3: interval: '10x': not a valid value (a duration from 1s to 1h, such as 10s)" },
	{ "interval-range", ":4: interval: '500ms': out of range" },
	{ "fairness-range", ":2: fairness_target: '1.5': out of range (a number from 0 to 1)" },
	{ "relative-state", ":3: state_dir: 'var/lib/vcn': must be an absolute path" },
	{ "rules-missing", ":3: rules_file: '" },
	{ "no-host", ": no host section" },
	{ "host-no-uri", ":3: host 'a': no uri" },
	{ "host-bad-uri", ":2: uri: 'localhost': not a libvirt URI (such as qemu:///system)" },
	{ "host-bad-name", ":1: host 'a b': not a valid name" },
	{ "host-dup", ":2: found duplicate title 'a'" },
	{ "host-dup-uri", ":3: host 'b': uri 'test:///default' is also host 'a' (line 1)" },
	{ "set-twice", ":3: uri: set twice (first at line 2)" },
	{ "vo-nothing", ":3: vo 'x': neither image nor kernel: nothing to boot" },
	{ "vo-image-missing", ":3: image: '/nonexistent/base.qcow2': cannot read: No such file or directory" },
	{ "vo-vcpus", ":4: vcpus: '12x': not a valid value (an integer from 1 to 256)" },
	{ "vo-vcpus-zero", ":4: vcpus: '0': out of range (an integer from 1 to 256)" },
	{ "vo-memory", ":4: memory: '128Q': not a valid value" },
	{ "vo-memory-small", ":4: memory: '1M': out of range (a size from 16M to 1T, such as 128M)" },
	{ "vo-cpu-mode", ":4: cpu_mode: 'host': not one of default, host-passthrough" },
	{ "vo-custom-nomodel", ":3: vo 'x': cpu_mode custom needs cpu_model" },
	{ "vo-model-notcustom", ":4: cpu_model: only with cpu_mode custom" },
	{ "vo-feature", ":6: cpu_features: 'avx2': not +name (require) or -name (disable)" },
	{ "vo-min-max", ":5: vo 'x': min 5 is above max 2" },
	{ "vo-partition", ":4: partition: '/system/vo-x': not a libvirt partition under /machine" },
	{ "vo-initrd-alone", ":4: initrd: only with kernel" },
	{ "vo-bad-name", ":2: vo '-x': not a valid name" },
	{ "vo-dup", ":3: found duplicate title 'x'" },
	{ "vo-network", ":4: network: 'a/b': not a libvirt network name" },
	{ "web-group", ":4: status_socket_group: 'no-such-group-vcn': no such group" },
	{ "web-group-alone", ":2: status_socket_group: set without status_socket" },
	{ "web-views-relative", ":3: web_views_command: 'vcn-gweb-views --conf-dir /x': must start with an absolute path (it is run without a shell)" },
	{ "web-events-max", ":4: web_events_max: '0': out of range (an integer from 1 to 100000)" },
	{ "web-events-relative", ":2: web_events_file: 'events.json': must be an absolute path" },
	{ "many-errors", ":4: vcpus: 'two'" },
	{ "many-errors", ":5: memory: 'lots'" },
	{ "many-errors", ":6: max: '-1'" },
	{ "cluster-rebalance", ":5: rebalance: 'sometimes': not off, advise or auto" },
	{ "cluster-threshold", ":5: threshold: '0.1x': not a valid value (a number from 0 to 10)" },
	{ "cluster-down", ":6: down_after: shorter than suspect_after" },
	{ "cluster-gmetad", ":5: gmetad: 'localhost': not ADDR:PORT" },
	{ "cluster-ganglia", ":5: load ganglia needs ganglia_cluster" },
	{ "cluster-fence", ":5: fence: element 2 is empty" },
	{ "as-nosource", ":7: vo 'x': autoscale without source" },
	{ "as-source", ":7: source: 'shell': not command, file or ganglia" },
	{ "as-command", ":7: source command needs command" },
	{ "as-step", ":9: step_down: '0': out of range (an integer from 1 to 4096)" },
	{ "as-cooldown", ":9: cooldown: 'soon': not a valid value" },
};

/* Each malformed file: -EINVAL, the exact file:line message, out untouched. */
static void test_malformed_table(void)
{
	struct vcn_vcnd_conf *sentinel = (struct vcn_vcnd_conf *)&sentinel, *c;
	char rel[256], want[4400];
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		snprintf(rel, sizeof(rel), "vcnd_conf/bad/%s.conf", bad_cases[i].file);
		snprintf(want, sizeof(want), "%s%s", vcn_test_data_path(rel), bad_cases[i].want);
		vcn_test_log_reset();
		c = sentinel;
		if (vcn_vcnd_conf_load(vcn_test_data_path(rel), &c) != -EINVAL)
			vcn_test_fail(__FILE__, __LINE__, "%s: not refused with -EINVAL", rel);
		if (c != sentinel)
			vcn_test_fail(__FILE__, __LINE__, "%s: out was touched", rel);
		if (!vcn_test_log_has(want))
			vcn_test_fail(__FILE__, __LINE__, "%s: want '%s', log:\n%s", rel, bad_cases[i].want,
				      vcn_test_log());
	}
}

static void test_missing_file(void)
{
	struct vcn_vcnd_conf *c = NULL;

	vcn_test_log_reset();
	CHECK_INT(vcn_vcnd_conf_load(vcn_test_data_path("vcnd_conf/absent.conf"), &c), ==, -ENOENT);
	CHECK(c == NULL);
	CHECK(vcn_test_log_has("cannot open '"));
	CHECK(vcn_test_log_has("absent.conf': No such file or directory"));
	vcn_vcnd_conf_free(NULL);
}

/* The installed sample parses; its only complaint is the site's image. */
static void test_sample(void)
{
	struct vcn_vcnd_conf *c = NULL;
	const char *top = getenv("VCN_TOP");
	char path[4096];

	snprintf(path, sizeof(path), "%s/controller/vcnd.conf.sample", top ? top : ".");
	vcn_test_log_reset();
	CHECK_INT(vcn_vcnd_conf_load(path, &c), ==, -EINVAL);
	CHECK(vcn_test_log_has("vcnd.conf.sample:28: image: '/var/lib/vcn/images/physics.qcow2': cannot read"));
	CHECK(strchr(vcn_test_log(), '\n') == strrchr(vcn_test_log(), '\n')); /* one line */
}

/* issue 5: cluster { } and vo { autoscale { } } */
static void test_cluster(void)
{
	struct vcn_vcnd_conf *c = load("vcnd_conf/cluster.conf");
	const struct vcn_conf_cluster *cl;
	const struct vcn_conf_autoscale *a;

	if (!c)
		return;
	cl = &c->cluster;
	CHECK_INT(cl->rebalance, ==, VCN_REBALANCE_AUTO);
	CHECK_INT(cl->load, ==, VCN_LOAD_GANGLIA);
	CHECK(cl->threshold == 0.2);
	CHECK_INT(cl->migrations_per_round, ==, 3);
	CHECK_INT(cl->rebalance_interval_ms, ==, 20000);
	CHECK_INT(cl->hold_ms, ==, 120000);
	CHECK_INT(cl->retry_after_ms, ==, 90000);
	CHECK(cl->max_load == 1.5);
	CHECK(!cl->anti_affinity);
	CHECK(cl->cost_mem == 0.01);
	CHECK(cl->cost_dirty == 0.00002); /* default */
	CHECK(cl->shared_storage);
	CHECK_INT(cl->suspect_after_ms, ==, 5000);
	CHECK_INT(cl->down_after_ms, ==, 20000);
	CHECK_INT(cl->n_fence, ==, 3);
	CHECK_STR(cl->fence[0], "/usr/sbin/fence-host");
	CHECK_STR(cl->fence[2], "%h");
	CHECK(cl->fence[3] == NULL);
	CHECK_STR(cl->gmetad, "127.0.0.1:8651");
	CHECK_STR(cl->ganglia_cluster, "vcn");
	CHECK_STR(cl->rrd_rootdir, "/var/lib/ganglia-test/rrds");
	CHECK_INT(cl->rrd_window_ms, ==, 180000);
	CHECK_INT(cl->line, ==, 6); /* its first option */
	CHECK_INT(c->n_vos, ==, 3);
	a = &c->vos[0].autoscale;
	CHECK(a->enabled);
	CHECK_INT(a->line, ==, 28); /* its first option */
	CHECK_INT(a->source, ==, 0); /* VCN_DEMAND_COMMAND */
	CHECK_INT(a->n_command, ==, 6);
	CHECK_STR(a->command[5], "%i");
	CHECK(a->jobs_per_vcn == 2);
	CHECK_INT(a->step_up, ==, 3);
	CHECK_INT(a->step_down, ==, 2);
	CHECK_INT(a->cooldown_ms, ==, 45000);
	CHECK(a->idle_threshold == 0.05);
	CHECK_INT(a->idle_period_ms, ==, 120000);
	CHECK_INT(a->shutdown_timeout_ms, ==, 20000);
	CHECK_INT(a->timeout_ms, ==, 5000);
	a = &c->vos[1].autoscale;
	CHECK(a->enabled);
	CHECK_INT(a->source, ==, 1);
	CHECK_STR(a->file, "/run/vcn/bio.demand");
	CHECK(a->jobs_per_vcn == 1);
	CHECK_INT(a->step_up, ==, 2);
	CHECK_INT(a->step_down, ==, 1);
	CHECK_INT(a->cooldown_ms, ==, 30000);
	CHECK_INT(a->idle_period_ms, ==, 60000);
	CHECK(!c->vos[2].autoscale.enabled);
	vcn_vcnd_conf_free(c);
	c = load("vcnd_conf/minimal/vcnd.conf");
	if (!c)
		return;
	CHECK_INT(c->cluster.rebalance, ==, VCN_REBALANCE_OFF);
	CHECK_INT(c->cluster.load, ==, VCN_LOAD_LIBVIRT);
	CHECK(c->cluster.threshold == 0.15);
	CHECK_INT(c->cluster.migrations_per_round, ==, 2);
	CHECK(c->cluster.anti_affinity && !c->cluster.shared_storage);
	CHECK_INT(c->cluster.suspect_after_ms, ==, 10000);
	CHECK_INT(c->cluster.down_after_ms, ==, 30000);
	CHECK(c->cluster.fence == NULL && c->cluster.gmetad == NULL);
	CHECK_STR(c->cluster.rrd_rootdir, "/var/lib/ganglia/rrds");
	CHECK_INT(c->cluster.line, ==, 0);
	CHECK_STR(vcn_rebalance_mode_name(VCN_REBALANCE_ADVISE), "advise");
	CHECK_STR(vcn_load_source_name(VCN_LOAD_VCPUS), "vcpus");
	vcn_vcnd_conf_free(c);
}

static void test_cpu_mode_names(void)
{
	enum vcn_vo_cpu_mode m;
	unsigned i;

	for (i = 0; i < VCN_VO_CPU_LAST; i++) {
		CHECK_INT(vcn_vo_cpu_mode_parse(vcn_vo_cpu_mode_name((enum vcn_vo_cpu_mode)i), &m), ==, 0);
		CHECK_INT(m, ==, i);
	}
	CHECK_INT(vcn_vo_cpu_mode_parse("Host-Model", &m), ==, -EINVAL);
	CHECK_INT(vcn_vo_cpu_mode_parse(NULL, &m), ==, -EINVAL);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_globals_paths), VCN_TEST(test_globals_files),
		VCN_TEST(test_globals_interval_and_target), VCN_TEST(test_defaults), VCN_TEST(test_hosts), VCN_TEST(test_web),
		VCN_TEST(test_vo_image_vcpus_memory), VCN_TEST(test_vo_cpu),
		VCN_TEST(test_vo_network_min_max_partition), VCN_TEST(test_vo_kernel_boot_and_defaults),
		VCN_TEST(test_malformed_table), VCN_TEST(test_missing_file), VCN_TEST(test_sample), VCN_TEST(test_cpu_mode_names), VCN_TEST(test_cluster),
		{ NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
