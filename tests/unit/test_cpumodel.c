/* lib/cpumodel.c: domain capabilities fixtures (this machine's for virttype
 * qemu and kvm, plus hand-written), the mode decision with its TCG
 * fallbacks, baseline parsing, and what libvirt's test:/// driver offers
 * (9.0: no GetDomainCapabilities, no BaselineHypervisorCPU; the older
 * BaselineCPU without the migratable flag). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <libvirt/libvirt.h>

#include "cpumodel.h"
#include "harness.h"

static bool load_domcaps(const char *name, struct vcn_domcaps *dc)
{
	char path[256];
	char *xml;
	int rc;

	snprintf(path, sizeof(path), "cpumodel/%s.xml", name);
	xml = vcn_test_read_data(path);
	rc = xml ? vcn_domcaps_parse(xml, dc) : -ENOENT;
	free(xml);
	CHECK_INT(rc, ==, 0);
	return rc == 0;
}

/* First in the table: the fallback is said once per (mode, virttype). */
static void test_fallback_logged_once(void)
{
	struct vcn_domcaps dc;
	struct vcn_cpumodel m;
	struct vcn_cpumodel_req req = { .mode = VCN_CPUMODEL_HOST_PASSTHROUGH };
	const char *needle = "'host-passthrough' is not supported for virttype 'qemu': using 'maximum'";
	const char *p;
	int i, n = 0;

	if (!load_domcaps("domcaps-real-qemu", &dc))
		return;
	for (i = 0; i < 3; i++) {
		CHECK_INT(vcn_cpumodel_choose(&dc, &req, NULL, &m), ==, 0);
		CHECK(m.fell_back);
		CHECK(strstr(m.why, needle) != NULL);
		vcn_cpumodel_clear(&m);
	}
	for (p = vcn_test_log(); (p = strstr(p, needle)); p++)
		n++;
	CHECK_INT(n, ==, 1);
	vcn_domcaps_clear(&dc);
}

static void test_parse_real_qemu(void)
{
	struct vcn_domcaps dc;
	const struct vcn_domcaps_model *mm;

	if (!load_domcaps("domcaps-real-qemu", &dc))
		return;
	CHECK_STR(dc.virttype, "qemu");
	CHECK_STR(dc.arch, "x86_64");
	CHECK(!dc.passthrough); /* TCG: libvirt 9.0 says supported='no' */
	CHECK(dc.maximum);
	CHECK(dc.host_model);
	CHECK(dc.custom);
	CHECK_STR(dc.host_model_name, "EPYC");
	mm = vcn_domcaps_model(&dc, "qemu64");
	CHECK(mm && mm->usable);
	mm = vcn_domcaps_model(&dc, "Haswell");
	CHECK(mm && !mm->usable);
	CHECK(vcn_domcaps_model(&dc, "NoSuchCPU") == NULL);
	CHECK_INT(dc.nmodels, ==, 53);
	if (dc.host_model_xml)
		CHECK_GOLDEN("cpumodel/host-model-real-qemu.xml", dc.host_model_xml);
	vcn_domcaps_clear(&dc);
	vcn_domcaps_clear(&dc);
}

static void test_parse_real_kvm(void)
{
	struct vcn_domcaps dc;

	if (!load_domcaps("domcaps-real-kvm", &dc))
		return;
	CHECK_STR(dc.virttype, "kvm");
	/* libvirt offers it though KVM does not actually run guests here
	 * (nested virtualisation off): the boot probe decides kvm vs qemu */
	CHECK(dc.passthrough);
	CHECK(dc.host_model);
	vcn_domcaps_clear(&dc);
}

static void test_parse_malformed(void)
{
	struct vcn_domcaps dc;

	CHECK_INT(vcn_domcaps_parse("<capabilities/>", &dc), ==, -EINVAL);
	CHECK(vcn_test_log_has("not <domainCapabilities>"));
	CHECK_INT(vcn_domcaps_parse("<domainCapabilities>", &dc), ==, -EINVAL);
	CHECK_INT(vcn_domcaps_parse(NULL, &dc), ==, -EINVAL);
	CHECK_INT(vcn_domcaps_parse("<domainCapabilities/>", &dc), ==, 0);
	CHECK(!dc.passthrough && !dc.host_model && !dc.custom && dc.nmodels == 0);
	vcn_domcaps_clear(&dc);
}

static void render(FILE *f, const char *fixture, const struct vcn_cpumodel_req *req, int rc,
		   const struct vcn_cpumodel *m)
{
	unsigned i;

	fprintf(f, "%s %s: ", fixture, vcn_cpumodel_mode_name(req->mode));
	if (rc < 0) {
		fprintf(f, "error %d\n", rc);
		return;
	}
	if (!m->present) {
		fprintf(f, "no <cpu>");
	} else {
		fprintf(f, "mode=%s", vcn_cpu_mode_name(m->cpu.mode));
		if (m->cpu.model)
			fprintf(f, " model=%s", m->cpu.model);
		if (m->cpu.fallback)
			fprintf(f, " fallback=%s", m->cpu.fallback);
		if (m->cpu.vendor)
			fprintf(f, " vendor=%s", m->cpu.vendor);
		for (i = 0; i < m->cpu.nfeatures; i++)
			fprintf(f, " %s:%s", vcn_cpu_policy_name(m->cpu.features[i].policy), m->cpu.features[i].name);
	}
	fprintf(f, "%s\n  why: %s\n", m->fell_back ? " (fallback)" : "", m->why);
}

/* Every mode against every fixture, as one golden table. */
static void test_decision_matrix(void)
{
	static const char *const fixtures[] = {
		"domcaps-real-qemu", "domcaps-real-kvm", "domcaps-kvm-intel", "domcaps-old-tcg", "domcaps-tcg-bare",
	};
	static const struct vcn_cpu_feature feats[] = {
		{ "sse4.2", VCN_CPU_POLICY_REQUIRE }, { "avx", VCN_CPU_POLICY_OPTIONAL }, { "vmx", VCN_CPU_POLICY_DISABLE },
	};
	char *baseline = vcn_test_read_data("cpumodel/baseline-real-qemu.xml");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	unsigned i, mode;

	CHECK(baseline && f);
	if (!baseline || !f)
		return;
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		struct vcn_domcaps dc;

		if (!load_domcaps(fixtures[i], &dc))
			continue;
		for (mode = 0; mode < VCN_CPUMODEL_LAST; mode++) {
			struct vcn_cpumodel_req req = { .mode = (enum vcn_cpumodel_mode)mode, .model = "Westmere",
							.features = feats, .nfeatures = 3 };
			struct vcn_cpumodel m;
			int rc = vcn_cpumodel_choose(&dc, &req, baseline, &m);

			render(f, fixtures[i], &req, rc, &m);
			vcn_cpumodel_clear(&m);
		}
		vcn_domcaps_clear(&dc);
	}
	fclose(f);
	CHECK_GOLDEN("cpumodel/decisions.txt", buf);
	free(buf);
	free(baseline);
}

static void test_tcg_offers(void)
{
	struct vcn_domcaps dc;
	struct vcn_cpumodel m;
	struct vcn_cpumodel_req req = { .mode = VCN_CPUMODEL_HOST_PASSTHROUGH };

	if (!load_domcaps("domcaps-old-tcg", &dc))
		return;
	CHECK_INT(vcn_cpumodel_choose(&dc, &req, NULL, &m), ==, 0);
	CHECK(m.present && m.fell_back && m.cpu.mode == VCN_CPU_MODE_CUSTOM);
	CHECK_STR(m.cpu.model, "qemu64");
	vcn_cpumodel_clear(&m);
	vcn_domcaps_clear(&dc);
	if (!load_domcaps("domcaps-tcg-bare", &dc))
		return;
	CHECK_INT(vcn_cpumodel_choose(&dc, &req, NULL, &m), ==, 0);
	CHECK(!m.present && m.fell_back);
	CHECK(vcn_cpumodel_domcpu(&m) == NULL);
	vcn_cpumodel_clear(&m);
	vcn_domcaps_clear(&dc);
}

static void test_custom_errors(void)
{
	struct vcn_domcaps dc;
	struct vcn_cpumodel m;
	struct vcn_cpumodel_req req = { .mode = VCN_CPUMODEL_CUSTOM, .model = "Haswell" };

	if (!load_domcaps("domcaps-real-qemu", &dc))
		return;
	CHECK_INT(vcn_cpumodel_choose(&dc, &req, NULL, &m), ==, -ENOTSUP);
	CHECK(vcn_test_log_has("CPU model 'Haswell' is not usable with virttype 'qemu'"));
	req.model = "Zen9";
	CHECK_INT(vcn_cpumodel_choose(&dc, &req, NULL, &m), ==, -ENOENT);
	CHECK(vcn_test_log_has("CPU model 'Zen9' is unknown"));
	req.model = NULL;
	CHECK_INT(vcn_cpumodel_choose(&dc, &req, NULL, &m), ==, -EINVAL);
	req.mode = VCN_CPUMODEL_MIGRATION_SAFE;
	CHECK_INT(vcn_cpumodel_choose(&dc, &req, NULL, &m), ==, -EINVAL);
	CHECK(vcn_test_log_has("needs the baseline CPU"));
	req.mode = VCN_CPUMODEL_LAST;
	CHECK_INT(vcn_cpumodel_choose(&dc, &req, NULL, &m), ==, -EINVAL);
	/* no domain capabilities at all: the request is taken as is */
	req.mode = VCN_CPUMODEL_CUSTOM;
	req.model = "Zen9";
	CHECK_INT(vcn_cpumodel_choose(NULL, &req, NULL, &m), ==, 0);
	CHECK_STR(m.cpu.model, "Zen9");
	vcn_cpumodel_clear(&m);
	vcn_domcaps_clear(&dc);
}

static void test_migration_safe_checks_model(void)
{
	struct vcn_domcaps dc;
	struct vcn_cpumodel m;
	struct vcn_cpumodel_req req = { .mode = VCN_CPUMODEL_MIGRATION_SAFE };
	char *baseline = vcn_test_read_data("cpumodel/baseline-real-qemu.xml");

	if (!load_domcaps("domcaps-kvm-intel", &dc))
		return;
	/* the EPYC baseline is listed by this Intel host (unusable as plain
	 * model, but the baseline's features disable what it lacks) */
	CHECK_INT(vcn_cpumodel_choose(&dc, &req, baseline, &m), ==, 0);
	vcn_cpumodel_clear(&m);
	vcn_domcaps_clear(&dc);
	if (!load_domcaps("domcaps-old-tcg", &dc))
		return;
	CHECK_INT(vcn_cpumodel_choose(&dc, &req, baseline, &m), ==, -ENOENT);
	CHECK(vcn_test_log_has("baseline CPU model 'EPYC' is unknown"));
	vcn_domcaps_clear(&dc);
	free(baseline);
}

static void test_parse_cpu(void)
{
	struct vcn_cpumodel m;

	CHECK_INT(vcn_cpumodel_parse_cpu("<cpu mode='custom' match='exact'><model fallback='allow'>Westmere</model>"
					 "<vendor>Intel</vendor><feature name='vmx'/><feature policy='disable' name='x2apic'/></cpu>",
					 &m), ==, 0);
	CHECK_STR(m.cpu.model, "Westmere");
	CHECK_STR(m.cpu.fallback, "allow");
	CHECK_STR(m.cpu.vendor, "Intel");
	CHECK_INT(m.cpu.nfeatures, ==, 2);
	CHECK_INT(m.cpu.features[0].policy, ==, VCN_CPU_POLICY_REQUIRE);
	CHECK_INT(m.cpu.features[1].policy, ==, VCN_CPU_POLICY_DISABLE);
	vcn_cpumodel_clear(&m);
	CHECK_INT(vcn_cpumodel_parse_cpu("<cpu><vendor>Intel</vendor></cpu>", &m), ==, -EINVAL);
	CHECK(vcn_test_log_has("has no <model>"));
	CHECK_INT(vcn_cpumodel_parse_cpu("<cpu><model>x</model><feature policy='maybe' name='a'/></cpu>", &m), ==, -EINVAL);
	CHECK(vcn_test_log_has("feature 'a' with policy 'maybe'"));
	CHECK_INT(vcn_cpumodel_parse_cpu("<domain/>", &m), ==, -EINVAL);
	CHECK_INT(vcn_cpumodel_parse_cpu(NULL, &m), ==, -EINVAL);
}

/* The decision becomes the domain's <cpu> element. */
static void test_into_domxml(void)
{
	struct vcn_domcaps dc;
	struct vcn_cpumodel m;
	struct vcn_cpumodel_req req = { .mode = VCN_CPUMODEL_MIGRATION_SAFE };
	char *baseline = vcn_test_read_data("cpumodel/baseline-real-qemu.xml"), *xml = NULL;
	struct vcn_domspec s = { .name = "ms-1", .type = VCN_VIRT_QEMU, .vcpus = 1, .memory_mib = 128 };

	if (!load_domcaps("domcaps-real-qemu", &dc))
		return;
	CHECK_INT(vcn_cpumodel_choose(&dc, &req, baseline, &m), ==, 0);
	s.cpu = vcn_cpumodel_domcpu(&m);
	CHECK_INT(vcn_domxml_build(&s, &xml), ==, 0);
	if (xml)
		CHECK_GOLDEN("cpumodel/domain-migration-safe-qemu.xml", xml);
	free(xml);
	vcn_cpumodel_clear(&m);
	vcn_domcaps_clear(&dc);
	free(baseline);
}

/* What libvirt 9.0's test:/// driver implements of all this. */
static void test_test_driver(void)
{
	virConnectPtr conn = virConnectOpen("test:///default");
	struct vcn_domcaps dc;
	struct vcn_cpumodel m;
	char *a = vcn_test_read_data("cpumodel/host-cpu-westmere.xml");
	char *b = vcn_test_read_data("cpumodel/host-cpu-sandybridge.xml");
	const char *xmls[2] = { a, b };
	char *out = NULL;

	CHECK(conn && a && b);
	if (!conn || !a || !b)
		goto cleanup;
	CHECK_INT(vcn_domcaps_from_conn(conn, "qemu", &dc), ==, -ENOTSUP);
	CHECK(vcn_test_log_has("not supported by the connection driver: virConnectGetDomainCapabilities"));
	CHECK_INT(vcn_cpumodel_migration_safe(&conn, 1, "qemu", &out), ==, -ENOTSUP);
	CHECK(out == NULL);
	/* no BaselineHypervisorCPU: the older call, without the migratable flag */
	CHECK_INT(vcn_cpumodel_baseline(conn, "qemu", xmls, 2, &out), ==, 0);
	CHECK(vcn_test_log_has("trying virConnectBaselineCPU"));
	CHECK(vcn_test_log_has("refused the migratable flag"));
	if (out) {
		CHECK_INT(vcn_cpumodel_parse_cpu(out, &m), ==, 0);
		CHECK_STR(m.cpu.model, "Westmere");
		vcn_cpumodel_clear(&m);
		CHECK_GOLDEN("cpumodel/test-driver-baseline.xml", out);
	}
	free(out);
	CHECK_INT(vcn_cpumodel_baseline(conn, "qemu", xmls, 0, &out), ==, -EINVAL);
	xmls[1] = "<cpu><model>NoSuchModel</model></cpu>";
	CHECK_INT(vcn_cpumodel_baseline(conn, "qemu", xmls, 2, &out), ==, -EIO);
	CHECK(vcn_test_log_has("cannot compute the baseline of 2 CPU definition(s)"));
cleanup:
	free(a);
	free(b);
	if (conn)
		virConnectClose(conn);
}

static void test_mode_names(void)
{
	enum vcn_cpumodel_mode m;

	CHECK_INT(vcn_cpumodel_mode_parse("migration-safe", &m), ==, 0);
	CHECK_INT(m, ==, VCN_CPUMODEL_MIGRATION_SAFE);
	CHECK_INT(vcn_cpumodel_mode_parse("passthrough", &m), ==, -EINVAL);
	CHECK(vcn_cpumodel_mode_name(VCN_CPUMODEL_LAST) == NULL);
	CHECK_STR(vcn_cpumodel_mode_name(VCN_CPUMODEL_DEFAULT), "default");
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_fallback_logged_once), VCN_TEST(test_parse_real_qemu), VCN_TEST(test_parse_real_kvm),
		VCN_TEST(test_parse_malformed), VCN_TEST(test_decision_matrix), VCN_TEST(test_tcg_offers),
		VCN_TEST(test_custom_errors), VCN_TEST(test_migration_safe_checks_model), VCN_TEST(test_parse_cpu),
		VCN_TEST(test_into_domxml), VCN_TEST(test_test_driver), VCN_TEST(test_mode_names), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
