/* lib/limits.c: parameters and nft argv built from actions (golden), name
 * checks, nft listing parser, refusal classification, and what libvirt's
 * test:/// driver implements in 9.0: block I/O tune and interface
 * parameters round-trip; scheduler parameters there know only "weight", so
 * cpu_shares must fail with libvirt's message. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "harness.h"
#include "vmlimits.h"

static void action(struct vcn_fair_action *a, enum vcn_fair_resource r, const char *dev,
		   uint64_t v)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->vm, sizeof(a->vm), "test");
	a->resource = r;
	snprintf(a->dev, sizeof(a->dev), "%s", dev);
	a->new_value = v;
}

static void append(char *buf, size_t size, const char *s)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len, "%s", s);
}

static void dump_params(char *buf, size_t size, virTypedParameterPtr p, int n)
{
	char line[160];
	int i;

	for (i = 0; i < n; i++) {
		switch (p[i].type) {
		case VIR_TYPED_PARAM_ULLONG:
			snprintf(line, sizeof(line), "%s=%llu (ullong)\n", p[i].field, p[i].value.ul);
			break;
		case VIR_TYPED_PARAM_LLONG:
			snprintf(line, sizeof(line), "%s=%lld (llong)\n", p[i].field, p[i].value.l);
			break;
		case VIR_TYPED_PARAM_UINT:
			snprintf(line, sizeof(line), "%s=%u (uint)\n", p[i].field, p[i].value.ui);
			break;
		default:
			snprintf(line, sizeof(line), "%s=? (type %d)\n", p[i].field, p[i].type);
		}
		append(buf, size, line);
	}
}

static void test_params_golden(void)
{
	struct vcn_fair_action a;
	virTypedParameterPtr p;
	char buf[2048] = "";
	int n;

	append(buf, sizeof(buf), "# cpu_shares 2048\n");
	action(&a, VCN_FAIR_CPU_SHARES, "", 2048);
	CHECK_INT(vcn_limits_sched_params(&a, &p, &n), ==, 0);
	dump_params(buf, sizeof(buf), p, n);
	virTypedParamsFree(p, n);
	append(buf, sizeof(buf), "# cpu_quota 105000\n");
	action(&a, VCN_FAIR_CPU_QUOTA, "", 105000);
	CHECK_INT(vcn_limits_sched_params(&a, &p, &n), ==, 0);
	dump_params(buf, sizeof(buf), p, n);
	virTypedParamsFree(p, n);
	append(buf, sizeof(buf), "# cpu_quota released\n");
	action(&a, VCN_FAIR_CPU_QUOTA, "", 0);
	CHECK_INT(vcn_limits_sched_params(&a, &p, &n), ==, 0);
	dump_params(buf, sizeof(buf), p, n);
	virTypedParamsFree(p, n);
	append(buf, sizeof(buf), "# disk_iotune vda 64 MiB/s\n");
	action(&a, VCN_FAIR_DISK_IOTUNE, "vda", 64 << 20);
	CHECK_INT(vcn_limits_iotune_params(&a, &p, &n), ==, 0);
	dump_params(buf, sizeof(buf), p, n);
	virTypedParamsFree(p, n);
	append(buf, sizeof(buf), "# net_bandwidth vnet0 1000000 B/s\n");
	action(&a, VCN_FAIR_NET_BANDWIDTH, "vnet0", 1000000);
	CHECK_INT(vcn_limits_iface_params(&a, &p, &n), ==, 0);
	dump_params(buf, sizeof(buf), p, n);
	virTypedParamsFree(p, n);
	CHECK_GOLDEN("vmlimits/params", buf);

	vcn_test_log_reset();
	CHECK_INT(vcn_limits_iotune_params(&a, &p, &n), ==, -EINVAL);
	CHECK(vcn_test_log_has("'net_bandwidth' is not a block I/O tune"));
	CHECK_INT(vcn_limits_sched_params(&a, &p, &n), ==, -EINVAL);
	CHECK(p == NULL && n == 0);
}

static void join(char *buf, size_t size, const struct vcn_nft_cmd *c)
{
	int i;

	for (i = 0; i < c->argc; i++) {
		append(buf, size, i ? " " : "");
		append(buf, size, c->argv[i]);
	}
	append(buf, size, "\n");
	CHECK(c->argv[c->argc] == NULL);
}

static void test_nft_argv_golden(void)
{
	struct vcn_limits l;
	struct vcn_nft_cmd c;
	char buf[2048] = "";

	vcn_limits_init(&l);
	CHECK_INT(vcn_limits_nft_set_cmd(&c, &l, "vnet3", 1090000), ==, 0);
	join(buf, sizeof(buf), &c);
	CHECK_INT(vcn_limits_nft_del_cmd(&c, &l, "vnet3"), ==, 0);
	join(buf, sizeof(buf), &c);
	CHECK_INT(vcn_limits_nft_list_cmd(&c, &l, "vnet3"), ==, 0);
	join(buf, sizeof(buf), &c);
	CHECK_GOLDEN("vmlimits/nft-argv", buf);

	vcn_test_log_reset();
	CHECK_INT(vcn_limits_nft_set_cmd(&c, &l, "vnet3\"; flush ruleset", 1), ==, -EINVAL);
	CHECK(vcn_test_log_has("refusing interface name"));
	CHECK_INT(vcn_limits_nft_set_cmd(&c, &l, "vnet3", 0), ==, -EINVAL);
	l.table = "vcn table";
	CHECK_INT(vcn_limits_nft_del_cmd(&c, &l, "vnet3"), ==, -EINVAL);
}

static void test_tap_names(void)
{
	CHECK(vcn_limits_tap_name_ok("vnet0"));
	CHECK(vcn_limits_tap_name_ok("vcn-a_1.2"));
	CHECK(vcn_limits_tap_name_ok("abcdefghijklmno"));    /* 15 */
	CHECK(!vcn_limits_tap_name_ok("abcdefghijklmnop"));  /* 16 */
	CHECK(!vcn_limits_tap_name_ok(""));
	CHECK(!vcn_limits_tap_name_ok(NULL));
	CHECK(!vcn_limits_tap_name_ok("vnet0 "));
	CHECK(!vcn_limits_tap_name_ok("vnet0;"));
	CHECK(!vcn_limits_tap_name_ok("\"vnet0\""));
	CHECK(!vcn_limits_tap_name_ok("vnet{0}"));
}

static void test_nft_parse_rate(void)
{
	/* what nft 1.0.6 prints for our chain (checked on this machine) */
	const char *listing =
		"table netdev vcn {\n\tchain in_vnet3 {\n"
		"\t\ttype filter hook ingress device \"vnet3\" priority filter; policy accept;\n"
		"\t\tiifname \"vnet3\" limit rate over 1 mbytes/second burst 1 mbytes drop\n"
		"\t}\n}\n";
	uint64_t v = 0;

	CHECK_INT(vcn_limits_nft_parse_rate(listing, &v), ==, 0);
	CHECK_INT(v, ==, 1048576);
	CHECK_INT(vcn_limits_nft_parse_rate("limit rate over 1065 kbytes/second drop", &v), ==, 0);
	CHECK_INT(v, ==, 1065 * 1024);
	CHECK_INT(vcn_limits_nft_parse_rate("limit rate over 512 bytes/second\n", &v), ==, 0);
	CHECK_INT(v, ==, 512);
	CHECK_INT(vcn_limits_nft_parse_rate("chain in_vnet3 {\n}\n", &v), ==, -ENOENT);
	CHECK_INT(vcn_limits_nft_parse_rate(NULL, &v), ==, -ENOENT);
	vcn_test_log_reset();
	CHECK_INT(vcn_limits_nft_parse_rate("limit rate over 5 furlongs/second", &v), ==, -EINVAL);
	CHECK(vcn_test_log_has("unknown nft rate unit"));
	CHECK_INT(vcn_limits_nft_parse_rate("limit rate over x kbytes/second", &v), ==, -EINVAL);
}

static void test_tc_refused(void)
{
	/* DESIGN.md: what libvirt says on this kernel */
	CHECK(vcn_limits_tc_refused(VIR_ERR_INTERNAL_ERROR,
				    "internal error: Child process (tc filter add dev vnet0 ...) "
				    "unexpected exit status 2: Error: Failed to load TC action "
				    "module."));
	CHECK(vcn_limits_tc_refused(VIR_ERR_INTERNAL_ERROR,
				    "Child process (/usr/sbin/tc qdisc add dev vnet0 root handle 1: "
				    "htb default 1) unexpected exit status 2"));
	CHECK(vcn_limits_tc_refused(VIR_ERR_OPERATION_UNSUPPORTED, "anything"));
	CHECK(!vcn_limits_tc_refused(VIR_ERR_INVALID_ARG,
				     "invalid argument: 'vnet9' is not a known interface"));
	CHECK(!vcn_limits_tc_refused(VIR_ERR_INTERNAL_ERROR, NULL));
	CHECK_STR(vcn_netlimit_mech_name(VCN_NETLIMIT_NONE), "none");
	CHECK_STR(vcn_netlimit_mech_name(VCN_NETLIMIT_LIBVIRT_TC), "libvirt-tc");
	CHECK_STR(vcn_netlimit_mech_name(VCN_NETLIMIT_NFTABLES), "nftables");
	CHECK_STR(vcn_netlimit_mech_name(VCN_NETLIMIT_LAST), "unknown");
}

static void quiet(void *opaque, virErrorPtr err)
{
	(void)opaque;
	(void)err;
}

static void test_test_driver(void)
{
	struct vcn_limits l;
	struct vcn_fair_action a;
	struct vcn_vm_limits cur;
	enum vcn_netlimit_mech mech = VCN_NETLIMIT_LAST;
	virConnectPtr conn;
	virDomainPtr dom;

	virSetErrorFunc(NULL, quiet);
	conn = virConnectOpen("test:///default");
	CHECK(conn != NULL);
	if (!conn)
		return;
	dom = virDomainLookupByName(conn, "test");
	CHECK(dom != NULL);
	if (!dom)
		goto cleanup;
	vcn_limits_init(&l);
	l.nft = "/nonexistent/nft"; /* never touch the host's ruleset from a unit test */

	/* block I/O tune: set, read back, release */
	action(&a, VCN_FAIR_DISK_IOTUNE, "vda", 64 << 20);
	CHECK_INT(vcn_limits_apply(&l, dom, &a, NULL), ==, 0);
	CHECK_INT(vcn_limits_read(&l, dom, "vda", NULL, &cur, NULL), ==, 0);
	CHECK_INT(cur.disk_bytes_s, ==, 64 << 20);
	action(&a, VCN_FAIR_DISK_IOTUNE, "vda", 0);
	CHECK_INT(vcn_limits_apply(&l, dom, &a, NULL), ==, 0);
	CHECK_INT(vcn_limits_read(&l, dom, "vda", NULL, &cur, NULL), ==, 0);
	CHECK_INT(cur.disk_bytes_s, ==, 0);
	vcn_test_log_reset();
	action(&a, VCN_FAIR_DISK_IOTUNE, "vdz", 1 << 20);
	CHECK_INT(vcn_limits_apply(&l, dom, &a, NULL), ==, -EIO);
	CHECK(vcn_test_log_has("disk_iotune=1048576 on 'vdz' of 'test'"));

	/* interface bandwidth: the test driver accepts it (libvirt-tc) */
	action(&a, VCN_FAIR_NET_BANDWIDTH, "testnet0", 1000000);
	CHECK_INT(vcn_limits_apply(&l, dom, &a, &mech), ==, 0);
	CHECK_STR(vcn_netlimit_mech_name(mech), "libvirt-tc");
	CHECK_INT(vcn_limits_read(&l, dom, NULL, "testnet0", &cur, &mech), ==, 0);
	CHECK_INT(cur.net_bytes_s, ==, 977 * 1024); /* rounded up to KiB/s */
	CHECK_STR(vcn_netlimit_mech_name(mech), "libvirt-tc");
	vcn_test_log_reset();
	action(&a, VCN_FAIR_NET_BANDWIDTH, "testnet0", 0);
	/* the release also removes a fallback chain; with no nft that fails loudly */
	CHECK_INT(vcn_limits_apply(&l, dom, &a, &mech), ==, -ENOENT);
	CHECK(vcn_test_log_has("cannot run '/nonexistent/nft'"));
	CHECK_INT(vcn_limits_read(&l, dom, NULL, "testnet0", &cur, &mech), ==, 0);
	CHECK_INT(cur.net_bytes_s, ==, 0);
	CHECK_STR(vcn_netlimit_mech_name(mech), "none");

	/* scheduler: the test driver only has "weight": cpu_shares is refused
	 * with libvirt's message, and reading finds no shares */
	vcn_test_log_reset();
	action(&a, VCN_FAIR_CPU_SHARES, "", 2048);
	CHECK_INT(vcn_limits_apply(&l, dom, &a, NULL), ==, -EIO);
	CHECK(vcn_test_log_has("cpu_shares=2048 on 'test'"));
	CHECK_INT(vcn_limits_read(&l, dom, NULL, NULL, &cur, NULL), ==, 0);
	CHECK_INT(cur.cpu_shares, ==, 0);
	CHECK_INT(cur.cpu_quota_us, ==, 0);

	virDomainFree(dom);
cleanup:
	virConnectClose(conn);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_params_golden),
		VCN_TEST(test_nft_argv_golden),
		VCN_TEST(test_tap_names),
		VCN_TEST(test_nft_parse_rate),
		VCN_TEST(test_tc_refused),
		VCN_TEST(test_test_driver),
		{ NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
