/* lib/domxml.c: golden XML per guest shape; invalid specs are refused with
 * one message naming the field; escaping is libxml2's, not ours. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>

#include <libvirt/libvirt.h>

#include "domxml.h"
#include "harness.h"

static const struct vcn_domspec tcg_guest = {
	.name = "physics-1", .type = VCN_VIRT_QEMU, .vcpus = 2, .memory_mib = 128,
	.kernel = "/var/lib/vcn/guest/vmlinuz", .initrd = "/var/lib/vcn/guest/initrd.img",
	.cmdline = "console=ttyS0 quiet vcn.hostname=physics-1 vcn.workload=cpu=2",
	.disk = "/var/lib/vcn/scratch/physics-1.qcow2", .network = "vcn-test",
	.console = "/var/log/vcn/physics-1.console", .vo = "physics", .created = 1795000000,
	.hostname = "physics-1", .address = "10.250.1.10",
};

static void check_build(const struct vcn_domspec *spec, const char *golden)
{
	char *xml = NULL;

	CHECK_INT(vcn_domxml_build(spec, &xml), ==, 0);
	if (xml)
		CHECK_GOLDEN(golden, xml);
	free(xml);
}

static void test_tcg_direct_kernel(void)
{
	check_build(&tcg_guest, "domxml/tcg-direct-kernel.xml");
}

static void test_kvm_disk_boot(void)
{
	struct vcn_domspec s = {
		.name = "bio-12", .uuid = "5b1d0c1e-8a07-4e1f-9b7e-0d6c3a1f2e90", .type = VCN_VIRT_KVM,
		.vcpus = 4, .memory_mib = 2048, .disk = "/srv/vcn/bio-12.qcow2", .disk_cache = "none",
		.network = "vo-bio", .mac = "02:76:63:00:00:0c", .partition = "/machine/vo-bio", .vo = "bio",
	};

	check_build(&s, "domxml/kvm-disk-boot.xml");
}

static void test_test_driver_minimal(void)
{
	struct vcn_domspec s = { .name = "t1", .type = VCN_VIRT_TEST, .vcpus = 1, .memory_mib = 64 };

	check_build(&s, "domxml/test-minimal.xml");
}

static void test_escaping(void)
{
	struct vcn_domspec s = tcg_guest;

	s.cmdline = "console=ttyS0 vcn.note=<a&b> \"q\"";
	s.console = "/tmp/it's here/console.log";
	check_build(&s, "domxml/escaping.xml");
}

static void test_mac_is_derived_and_stable(void)
{
	char *a = NULL, *b = NULL;
	struct vcn_domspec s = tcg_guest;

	CHECK_INT(vcn_domxml_build(&s, &a), ==, 0);
	CHECK_INT(vcn_domxml_build(&s, &b), ==, 0);
	CHECK(a && b && strcmp(a, b) == 0);
	CHECK(a && strstr(a, "<mac address=\"02:76:63:"));
	free(a);
	free(b);
}

static const char *const pins_2[] = { "0", "1" };
static const struct vcn_cputune tune_2 = {
	.vcpupin = pins_2, .nvcpupin = 2, .emulatorpin = "0-1",
	.shares = 2048, .global_period = 100000, .global_quota = 150000,
};
static const struct vcn_domcpu cpu_maximum = { .mode = VCN_CPU_MODE_MAXIMUM };

/* TCG guest with what TCG offers for "host-passthrough" and a full <cputune>. */
static void test_cpu_and_cputune(void)
{
	struct vcn_domspec s = tcg_guest;

	s.cpu = &cpu_maximum;
	s.cputune = &tune_2;
	check_build(&s, "domxml/tcg-cpu-cputune.xml");
}

static void test_custom_cpu_partial_pins(void)
{
	static const struct vcn_cpu_feature feats[] = {
		{ "pdpe1gb", VCN_CPU_POLICY_REQUIRE }, { "hle", VCN_CPU_POLICY_DISABLE }, { "avx512f", VCN_CPU_POLICY_OPTIONAL },
	};
	static const struct vcn_domcpu cpu = {
		.mode = VCN_CPU_MODE_CUSTOM, .model = "Skylake-Server-IBRS", .fallback = "forbid", .vendor = "Intel",
		.features = feats, .nfeatures = 3,
	};
	static const char *const pins[] = { "2,18", NULL, "4-5" };
	static const struct vcn_cputune tune = { .vcpupin = pins, .nvcpupin = 3, .global_quota = -1 };
	struct vcn_domspec s = {
		.name = "bio-13", .type = VCN_VIRT_KVM, .vcpus = 4, .memory_mib = 2048,
		.disk = "/srv/vcn/bio-13.qcow2", .cpu = &cpu, .cputune = &tune,
	};

	check_build(&s, "domxml/kvm-custom-cpu.xml");
}

static void test_invalid_cpu_specs(void)
{
	static const struct vcn_domcpu no_model = { .mode = VCN_CPU_MODE_CUSTOM };
	static const struct vcn_domcpu bad_fallback = { .mode = VCN_CPU_MODE_CUSTOM, .model = "qemu64", .fallback = "maybe" };
	static const struct vcn_domcpu model_with_pt = { .mode = VCN_CPU_MODE_HOST_PASSTHROUGH, .model = "qemu64" };
	static const struct vcn_domcpu bad_mode = { .mode = VCN_CPU_MODE_LAST };
	static const struct vcn_cpu_feature nameless[] = { { NULL, VCN_CPU_POLICY_REQUIRE } };
	static const struct vcn_domcpu bad_feature = { .mode = VCN_CPU_MODE_CUSTOM, .model = "qemu64", .features = nameless, .nfeatures = 1 };
	static const char *const bad_pin[] = { "0-x" };
	static const struct vcn_cputune t_pin = { .vcpupin = bad_pin, .nvcpupin = 1 };
	static const char *const three[] = { "0", "0", "0" };
	static const struct vcn_cputune t_many = { .vcpupin = three, .nvcpupin = 3 };
	static const struct vcn_cputune t_emu = { .emulatorpin = "" };
	static const struct vcn_cputune t_shares = { .shares = 1 };
	static const struct vcn_cputune t_period = { .global_period = 999 };
	static const struct vcn_cputune t_quota = { .global_quota = 500 };
	static const struct {
		const struct vcn_domcpu *cpu;
		const struct vcn_cputune *tune;
		int rc;
		const char *msg;
	} cases[] = {
		{ &no_model, NULL, -EINVAL, "'custom' needs a model" },
		{ &bad_fallback, NULL, -EINVAL, "fallback 'maybe'" },
		{ &model_with_pt, NULL, -EINVAL, "model 'qemu64' given with mode 'host-passthrough'" },
		{ &bad_mode, NULL, -EINVAL, "unknown CPU mode" },
		{ &bad_feature, NULL, -EINVAL, "CPU feature 0 ''" },
		{ NULL, &t_pin, -EINVAL, "vcpupin 0 cpuset '0-x'" },
		{ NULL, &t_many, -ERANGE, "3 vcpupin entries for 2 vCPUs" },
		{ NULL, &t_emu, -EINVAL, "emulatorpin cpuset ''" },
		{ NULL, &t_shares, -ERANGE, "shares 1 out of range" },
		{ NULL, &t_period, -ERANGE, "global_period 999" },
		{ NULL, &t_quota, -ERANGE, "global_quota 500" },
	};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vcn_domspec s = { .name = "a", .type = VCN_VIRT_QEMU, .vcpus = 2, .memory_mib = 64,
					 .cpu = cases[i].cpu, .cputune = cases[i].tune };
		char *xml = (char *)"untouched";

		vcn_test_log_reset();
		CHECK_INT(vcn_domxml_build(&s, &xml), ==, cases[i].rc);
		CHECK(xml == NULL);
		if (!vcn_test_log_has(cases[i].msg))
			vcn_test_fail(__FILE__, __LINE__, "case %u: log lacks '%s': %s", i, cases[i].msg, vcn_test_log());
	}
}

static void test_cpu_names(void)
{
	enum vcn_cpu_mode m;
	enum vcn_cpu_policy p;

	CHECK_INT(vcn_cpu_mode_parse("maximum", &m), ==, 0);
	CHECK_INT(m, ==, VCN_CPU_MODE_MAXIMUM);
	CHECK_INT(vcn_cpu_mode_parse("host", &m), ==, -EINVAL);
	CHECK_INT(vcn_cpu_policy_parse("forbid", &p), ==, 0);
	CHECK_INT(p, ==, VCN_CPU_POLICY_FORBID);
	CHECK_INT(vcn_cpu_policy_parse(NULL, &p), ==, -EINVAL);
	CHECK(vcn_cpu_mode_name(VCN_CPU_MODE_LAST) == NULL);
	CHECK(vcn_cpu_policy_name(VCN_CPU_POLICY_LAST) == NULL);
}

/* libvirt keeps our pins and tuning (test:/// driver). */
static void test_libvirt_accepts_cputune(void)
{
	struct vcn_domspec s = { .name = "t-tune", .type = VCN_VIRT_TEST, .vcpus = 2, .memory_mib = 64,
				 .cputune = &tune_2 };
	virConnectPtr conn = virConnectOpen("test:///default");
	virDomainPtr dom = NULL;
	char *xml = NULL, *back = NULL;

	CHECK(conn != NULL);
	CHECK_INT(vcn_domxml_build(&s, &xml), ==, 0);
	if (conn && xml) {
		dom = virDomainCreateXML(conn, xml, 0);
		CHECK(dom != NULL);
	}
	if (dom) {
		back = virDomainGetXMLDesc(dom, 0);
		CHECK(back && strstr(back, "<vcpupin vcpu='1' cpuset='1'/>"));
		CHECK(back && strstr(back, "<emulatorpin cpuset='0-1'/>"));
		CHECK(back && strstr(back, "<shares>2048</shares>"));
		CHECK_INT(virDomainDestroy(dom), ==, 0);
		virDomainFree(dom);
	}
	free(back);
	free(xml);
	if (conn)
		virConnectClose(conn);
}

static void test_invalid_specs(void)
{
	static const struct {
		struct vcn_domspec spec;
		int rc;
		const char *msg;
	} cases[] = {
		{ { .name = "bad name", .type = VCN_VIRT_QEMU, .vcpus = 1, .memory_mib = 64 }, -EINVAL, "'bad name' is not valid" },
		{ { .name = NULL, .type = VCN_VIRT_QEMU, .vcpus = 1, .memory_mib = 64 }, -EINVAL, "'' is not valid" },
		{ { .name = "a", .type = VCN_VIRT_LAST, .vcpus = 1, .memory_mib = 64 }, -EINVAL, "unknown virtualisation type" },
		{ { .name = "a", .type = VCN_VIRT_QEMU, .vcpus = 0, .memory_mib = 64 }, -ERANGE, "vcpus 0 out of range" },
		{ { .name = "a", .type = VCN_VIRT_QEMU, .vcpus = 1, .memory_mib = 8 }, -ERANGE, "memory 8 MiB" },
		{ { .name = "a", .type = VCN_VIRT_QEMU, .vcpus = 1, .memory_mib = 64, .initrd = "/i" }, -EINVAL, "without a kernel" },
		{ { .name = "a", .type = VCN_VIRT_QEMU, .vcpus = 1, .memory_mib = 64, .mac = "01:00:5e:00:00:01" }, -EINVAL, "MAC '01:00:5e:00:00:01'" },
		{ { .name = "a", .type = VCN_VIRT_QEMU, .vcpus = 1, .memory_mib = 64, .partition = "machine" }, -EINVAL, "partition 'machine'" },
		{ { .name = "a", .type = VCN_VIRT_QEMU, .vcpus = 1, .memory_mib = 64, .address = "10.0.0.300" }, -EINVAL, "address '10.0.0.300'" },
		{ { .name = "a", .type = VCN_VIRT_QEMU, .vcpus = 1, .memory_mib = 64, .hostname = "a b" }, -EINVAL, "hostname 'a b'" },
	};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *xml = (char *)"untouched";

		vcn_test_log_reset();
		CHECK_INT(vcn_domxml_build(&cases[i].spec, &xml), ==, cases[i].rc);
		CHECK(xml == NULL);
		if (!vcn_test_log_has(cases[i].msg))
			vcn_test_fail(__FILE__, __LINE__, "case %u: log lacks '%s': %s", i, cases[i].msg, vcn_test_log());
	}
}

/* libvirt itself (test:/// driver) accepts what we build and starts it. */
static void test_libvirt_accepts(void)
{
	struct vcn_domspec s = tcg_guest;
	virConnectPtr conn = virConnectOpen("test:///default");
	virDomainPtr dom = NULL;
	char *xml = NULL, *back = NULL;

	s.type = VCN_VIRT_TEST;
	s.network = "default"; /* the test driver's predefined network */
	CHECK(conn != NULL);
	CHECK_INT(vcn_domxml_build(&s, &xml), ==, 0);
	if (conn && xml) {
		dom = virDomainCreateXML(conn, xml, 0);
		CHECK(dom != NULL);
	}
	if (dom) {
		back = virDomainGetXMLDesc(dom, 0);
		CHECK(back && strstr(back, "<vcn:vo>physics</vcn:vo>"));
		CHECK(back && strstr(back, "<cmdline>console=ttyS0 quiet vcn.hostname=physics-1"));
		CHECK_INT(virDomainDestroy(dom), ==, 0);
		virDomainFree(dom);
	}
	free(back);
	free(xml);
	if (conn)
		virConnectClose(conn);
}

static void test_virt_type_names(void)
{
	enum vcn_virt_type t;

	CHECK_INT(vcn_virt_type_parse("kvm", &t), ==, 0);
	CHECK_INT(t, ==, VCN_VIRT_KVM);
	CHECK_INT(vcn_virt_type_parse("qemu", &t), ==, 0);
	CHECK_INT(t, ==, VCN_VIRT_QEMU);
	CHECK_INT(vcn_virt_type_parse("xen", &t), ==, -EINVAL);
	CHECK_INT(vcn_virt_type_parse(NULL, &t), ==, -EINVAL);
	CHECK(vcn_virt_type_name(VCN_VIRT_LAST) == NULL);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_tcg_direct_kernel), VCN_TEST(test_kvm_disk_boot),
		VCN_TEST(test_test_driver_minimal), VCN_TEST(test_escaping),
		VCN_TEST(test_mac_is_derived_and_stable), VCN_TEST(test_invalid_specs),
		VCN_TEST(test_virt_type_names), VCN_TEST(test_libvirt_accepts), VCN_TEST(test_cpu_and_cputune),
		VCN_TEST(test_custom_cpu_partial_pins), VCN_TEST(test_invalid_cpu_specs), VCN_TEST(test_cpu_names),
		VCN_TEST(test_libvirt_accepts_cputune), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
