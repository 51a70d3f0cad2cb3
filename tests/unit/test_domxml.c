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
		VCN_TEST(test_virt_type_names), VCN_TEST(test_libvirt_accepts), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
