/* lib/domstats.c: the bulk round trip against libvirt's test driver (which in
 * libvirt 9.0 answers the state group only), and the parameter parser on a
 * record captured from a real qemu guest plus hand-made awkward records. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "domstats.h"
#include "harness.h"
#include "uuid.h"

static void quiet(void *opaque, virErrorPtr err)
{
	(void)opaque;
	(void)err;
}

/* Render the fields a sample holds, one per line, present fields only;
 * what a golden file compares. */
static void render(const struct vcn_vmsample *s, char *buf, size_t size)
{
	size_t len = 0;
	char uuid[VCN_UUID_STRLEN];
	unsigned i;

#define OUT(...) do { if (len < size) len += (size_t)snprintf(buf + len, size - len, __VA_ARGS__); } while (0)
	vcn_uuid_format(s->uuid, uuid);
	OUT("name %s\nuuid %s\nid %d\nsource %s\ntruncated %u\n", s->name, uuid, s->id,
	    vcn_vmsample_source_name(s->source), s->truncated);
	if (s->have & VCN_VMS_HAVE_STATE)
		OUT("state %s\n", vcn_vm_state_name(s->state));
	if (s->have & VCN_VMS_HAVE_VCPUS)
		OUT("vcpus %u/%u\n", s->vcpus_current, s->vcpus_max);
	if (s->have & VCN_VMS_HAVE_CPU_TIME)
		OUT("cpu_time_ns %" PRIu64 "\n", s->cpu_time_ns);
	if (s->have & VCN_VMS_HAVE_CPU_USER)
		OUT("cpu_user_ns %" PRIu64 "\n", s->cpu_user_ns);
	if (s->have & VCN_VMS_HAVE_CPU_SYSTEM)
		OUT("cpu_system_ns %" PRIu64 "\n", s->cpu_system_ns);
	if (s->have & VCN_VMS_HAVE_BALLOON_CUR)
		OUT("balloon_current_kib %" PRIu64 "\n", s->balloon_current_kib);
	if (s->have & VCN_VMS_HAVE_BALLOON_MAX)
		OUT("balloon_maximum_kib %" PRIu64 "\n", s->balloon_maximum_kib);
	if (s->have & VCN_VMS_HAVE_RSS)
		OUT("rss_kib %" PRIu64 "\n", s->rss_kib);
	for (i = 0; i < s->nvcpus; i++) {
		const struct vcn_vmsample_vcpu *v = &s->vcpu[i];

		OUT("vcpu %u have %#x time %" PRIu64 " wait %" PRIu64 " delay %" PRIu64 "\n", i,
		    v->have, v->time_ns, v->wait_ns, v->delay_ns);
	}
	for (i = 0; i < s->ndisks; i++) {
		const struct vcn_vmsample_disk *d = &s->disk[i];

		OUT("disk %u %s have %#x rd %" PRIu64 "/%" PRIu64 "/%" PRIu64 " wr %" PRIu64 "/%" PRIu64
		    "/%" PRIu64 " fl %" PRIu64 "/%" PRIu64 "\n", i, d->name, d->have, d->rd_reqs,
		    d->rd_bytes, d->rd_times_ns, d->wr_reqs, d->wr_bytes, d->wr_times_ns, d->fl_reqs,
		    d->fl_times_ns);
	}
	for (i = 0; i < s->nnics; i++) {
		const struct vcn_vmsample_nic *n = &s->nic[i];

		OUT("nic %u %s have %#x rx %" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 " tx %" PRIu64
		    "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "\n", i, n->name, n->have, n->rx_bytes,
		    n->rx_pkts, n->rx_errs, n->rx_drop, n->tx_bytes, n->tx_pkts, n->tx_errs,
		    n->tx_drop);
	}
#undef OUT
}

/* Load a "FIELD TYPE VALUE" file into typed parameters, as libvirt would
 * hand them over. */
static int load_params(const char *relpath, virTypedParameterPtr *params, int *n)
{
	char *text = vcn_test_read_data(relpath), *line, *next;
	int max = 0, rc = 0;

	*params = NULL;
	*n = 0;
	if (!text)
		return -ENOENT;
	for (line = text; line && *line; line = next) {
		char field[VIR_TYPED_PARAM_FIELD_LENGTH], type[16], value[256];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (sscanf(line, "%79s %15s %255s", field, type, value) != 3) {
			rc = -EINVAL;
			break;
		}
		if (strcmp(type, "int") == 0)
			rc = virTypedParamsAddInt(params, n, &max, field, atoi(value));
		else if (strcmp(type, "uint") == 0)
			rc = virTypedParamsAddUInt(params, n, &max, field, (unsigned)strtoul(value, NULL, 10));
		else if (strcmp(type, "llong") == 0)
			rc = virTypedParamsAddLLong(params, n, &max, field, strtoll(value, NULL, 10));
		else if (strcmp(type, "ullong") == 0)
			rc = virTypedParamsAddULLong(params, n, &max, field, strtoull(value, NULL, 10));
		else if (strcmp(type, "string") == 0)
			rc = virTypedParamsAddString(params, n, &max, field, value);
		else
			rc = -1;
		if (rc < 0) {
			rc = -EINVAL;
			break;
		}
	}
	free(text);
	return rc;
}

static void check_params_golden(const char *params_path, const char *golden)
{
	virTypedParameterPtr params = NULL;
	struct vcn_vmsample *s = malloc(sizeof(*s));
	char buf[16384];
	unsigned warned = 0;
	int n = 0;

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_INT(load_params(params_path, &params, &n), ==, 0);
	vcn_vmsample_reset(s);
	snprintf(s->name, sizeof(s->name), "fixture");
	CHECK_INT(vcn_domstats_parse(params, n, s, &warned), ==, 0);
	render(s, buf, sizeof(buf));
	CHECK_GOLDEN(golden, buf);
	CHECK_INT(warned, ==, 0);
	CHECK_STR(vcn_test_log(), "");
	virTypedParamsFree(params, n);
	free(s);
}

/* Every counter of a real qemu record lands where vmmetrics expects it. */
static void test_parse_real_qemu_record(void)
{
	check_params_golden("domstats/qemu-2vcpu.params", "domstats/qemu-2vcpu.golden");
}

static void test_parse_real_record_fields(void)
{
	virTypedParameterPtr params = NULL;
	struct vcn_vmsample *s = malloc(sizeof(*s));
	int n = 0;

	if (!s)
		return;
	CHECK_INT(load_params("domstats/qemu-2vcpu.params", &params, &n), ==, 0);
	vcn_vmsample_reset(s);
	CHECK_INT(vcn_domstats_parse(params, n, s, NULL), ==, 0);
	CHECK_INT(s->state, ==, VCN_VM_STATE_RUNNING);
	CHECK_INT(s->vcpus_current, ==, 2);
	CHECK_INT(s->nvcpus, ==, 2);
	CHECK_INT(s->vcpu[0].delay_ns, ==, 897111744);
	CHECK_INT(s->vcpu[1].have, ==, VCN_VCPU_HAVE_TIME | VCN_VCPU_HAVE_WAIT | VCN_VCPU_HAVE_DELAY);
	CHECK_INT(s->ndisks, ==, 1);
	CHECK_STR(s->disk[0].name, "vda");
	CHECK_INT(s->disk[0].have, ==, 0xff);
	CHECK_INT(s->disk[0].rd_bytes, ==, 4608);
	CHECK_INT(s->nnics, ==, 1);
	CHECK_STR(s->nic[0].name, "vnet0");
	CHECK_INT(s->nic[0].have, ==, 0xff);
	CHECK_INT(s->nic[0].rx_bytes, ==, 640);
	CHECK_INT(s->rss_kib, ==, 231556);
	CHECK(!(s->have & VCN_VMS_HAVE_ID)); /* the parser leaves id to the sampler */
	virTypedParamsFree(params, n);
	free(s);
}

/* A record with only some groups (a busy domain under NOWAIT, an older
 * daemon): what is absent stays absent. */
static void test_parse_missing_fields(void)
{
	virTypedParameterPtr p = NULL;
	struct vcn_vmsample s;
	int n = 0, max = 0;

	virTypedParamsAddInt(&p, &n, &max, "state.state", VIR_DOMAIN_PAUSED);
	virTypedParamsAddULLong(&p, &n, &max, "cpu.time", 42);
	virTypedParamsAddULLong(&p, &n, &max, "vcpu.1.time", 7);
	virTypedParamsAddUInt(&p, &n, &max, "net.count", 1);
	virTypedParamsAddULLong(&p, &n, &max, "net.0.rx.bytes", 9);
	vcn_vmsample_reset(&s);
	CHECK_INT(vcn_domstats_parse(p, n, &s, NULL), ==, 0);
	CHECK_INT(s.have, ==, VCN_VMS_HAVE_STATE | VCN_VMS_HAVE_CPU_TIME);
	CHECK_INT(s.state, ==, VCN_VM_STATE_PAUSED);
	CHECK_INT(s.cpu_time_ns, ==, 42);
	CHECK_INT(s.nvcpus, ==, 2);
	CHECK_INT(s.vcpu[0].have, ==, 0);
	CHECK_INT(s.vcpu[1].have, ==, VCN_VCPU_HAVE_TIME);
	CHECK_INT(s.nnics, ==, 1);
	CHECK_STR(s.nic[0].name, "net0"); /* unnamed: still matchable */
	CHECK_INT(s.nic[0].have, ==, VCN_NIC_HAVE_RX_BYTES);
	CHECK_INT(s.ndisks, ==, 0);
	virTypedParamsFree(p, n);

	vcn_vmsample_reset(&s);
	CHECK_INT(vcn_domstats_parse(NULL, 0, &s, NULL), ==, 0);
	CHECK_INT(s.have, ==, 0);
	CHECK_INT(vcn_domstats_parse(NULL, 3, &s, NULL), ==, -EINVAL);
	CHECK_INT(vcn_domstats_parse(NULL, 0, NULL, NULL), ==, -EINVAL);
}

/* Names that look almost right, wrong types, negative and huge indices:
 * skipped, never stored out of bounds; a wrong type is said once. */
static void test_parse_malformed(void)
{
	virTypedParameterPtr p = NULL;
	struct vcn_vmsample s;
	unsigned warned = 0;
	int n = 0, max = 0;

	virTypedParamsAddString(&p, &n, &max, "cpu.time", "12");
	virTypedParamsAddLLong(&p, &n, &max, "cpu.user", -5);
	virTypedParamsAddULLong(&p, &n, &max, "vcpu.x.time", 1);
	virTypedParamsAddULLong(&p, &n, &max, "vcpu.-1.time", 1);
	virTypedParamsAddULLong(&p, &n, &max, "vcpu.99999999999999.time", 1);
	virTypedParamsAddULLong(&p, &n, &max, "vcpu.0time", 1);
	virTypedParamsAddULLong(&p, &n, &max, "vcpu.0.", 1);
	virTypedParamsAddULLong(&p, &n, &max, "block.", 1);
	virTypedParamsAddULLong(&p, &n, &max, "block.0", 1);
	virTypedParamsAddULLong(&p, &n, &max, "net.0.rx.bytesx", 1);
	virTypedParamsAddInt(&p, &n, &max, "net.0.name", 3);
	virTypedParamsAddInt(&p, &n, &max, "state.state", 99);
	virTypedParamsAddULLong(&p, &n, &max, "cpu.system", 11);
	virTypedParamsAddString(&p, &n, &max, "block.0.name",
				"a-very-long-disk-name-that-does-not-fit-in-the-struct");
	vcn_vmsample_reset(&s);
	snprintf(s.name, sizeof(s.name), "odd");
	CHECK_INT(vcn_domstats_parse(p, n, &s, &warned), ==, 0);
	CHECK_INT(s.have, ==, VCN_VMS_HAVE_CPU_SYSTEM);
	CHECK_INT(s.cpu_system_ns, ==, 11);
	CHECK_INT(s.nvcpus, ==, 0);
	CHECK_INT(s.ndisks, ==, 1);
	CHECK_INT(strlen(s.disk[0].name), ==, VCN_VMSAMPLE_DEV_MAX - 1);
	CHECK_INT(s.disk[0].have, ==, 0);
	CHECK_INT(s.nnics, ==, 0);
	CHECK_INT(warned, ==, VCN_DOMSTATS_WARNED_TYPE);
	CHECK(vcn_test_log_has("domain 'odd': field 'cpu.time' has unexpected type"));
	vcn_test_log_reset();
	CHECK_INT(vcn_domstats_parse(p, n, &s, &warned), ==, 0);
	CHECK_STR(vcn_test_log(), ""); /* once */
	virTypedParamsFree(p, n);
}

/* More vCPUs, disks and NICs than the struct holds: the first ones are
 * kept, the sample says it was truncated, the log says so once. */
static void test_parse_truncation(void)
{
	virTypedParameterPtr p = NULL;
	struct vcn_vmsample *s = malloc(sizeof(*s));
	unsigned warned = 0, i;
	char f[VIR_TYPED_PARAM_FIELD_LENGTH];
	int n = 0, max = 0;

	if (!s)
		return;
	for (i = 0; i < VCN_VMSAMPLE_MAX_VCPUS + 6; i++) {
		snprintf(f, sizeof(f), "vcpu.%u.time", i);
		virTypedParamsAddULLong(&p, &n, &max, f, 1000 + i);
	}
	for (i = 0; i < VCN_VMSAMPLE_MAX_DISKS + 2; i++) {
		snprintf(f, sizeof(f), "block.%u.wr.bytes", i);
		virTypedParamsAddULLong(&p, &n, &max, f, i);
	}
	for (i = 0; i < VCN_VMSAMPLE_MAX_NICS + 1; i++) {
		snprintf(f, sizeof(f), "net.%u.tx.pkts", i);
		virTypedParamsAddULLong(&p, &n, &max, f, i);
	}
	vcn_vmsample_reset(s);
	snprintf(s->name, sizeof(s->name), "wide");
	CHECK_INT(vcn_domstats_parse(p, n, s, &warned), ==, 0);
	CHECK_INT(s->nvcpus, ==, VCN_VMSAMPLE_MAX_VCPUS);
	CHECK_INT(s->vcpu[VCN_VMSAMPLE_MAX_VCPUS - 1].time_ns, ==, 1000 + VCN_VMSAMPLE_MAX_VCPUS - 1);
	CHECK_INT(s->ndisks, ==, VCN_VMSAMPLE_MAX_DISKS);
	CHECK_INT(s->nnics, ==, VCN_VMSAMPLE_MAX_NICS);
	CHECK_INT(s->truncated, ==, VCN_VMSAMPLE_TRUNC_VCPUS | VCN_VMSAMPLE_TRUNC_DISKS |
		  VCN_VMSAMPLE_TRUNC_NICS);
	CHECK(vcn_test_log_has("domain 'wide': vCPU 64 and above ignored: at most 64 are kept"));
	CHECK(vcn_test_log_has("domain 'wide': disk 16 and above ignored"));
	CHECK(vcn_test_log_has("domain 'wide': interface 16 and above ignored"));
	CHECK(!vcn_test_log_has("vCPU 65"));
	vcn_test_log_reset();
	vcn_vmsample_reset(s);
	CHECK_INT(vcn_domstats_parse(p, n, s, &warned), ==, 0);
	CHECK_INT(s->truncated, ==, VCN_VMSAMPLE_TRUNC_VCPUS | VCN_VMSAMPLE_TRUNC_DISKS |
		  VCN_VMSAMPLE_TRUNC_NICS);
	CHECK_STR(vcn_test_log(), "");
	virTypedParamsFree(p, n);
	free(s);
}

static const struct vcn_vmsample *find(const struct vcn_domstats *ds, const char *name)
{
	size_t i;

	for (i = 0; i < ds->n; i++)
		if (strcmp(ds->vms[i].name, name) == 0)
			return &ds->vms[i];
	return NULL;
}

/* test:///default: one running domain "test"; the 9.0 test driver returns
 * only state.state and state.reason for it. */
static void test_sample_default_driver(void)
{
	virConnectPtr conn = virConnectOpen("test:///default");
	struct vcn_domstats ds;
	const struct vcn_vmsample *s;
	char uuid[VCN_UUID_STRLEN];

	CHECK(conn != NULL);
	if (!conn)
		return;
	vcn_domstats_init(&ds);
	CHECK_INT(vcn_domstats_sample(conn, &ds), ==, 1);
	s = find(&ds, "test");
	CHECK(s != NULL);
	if (s) {
		vcn_uuid_format(s->uuid, uuid);
		CHECK_STR(uuid, "6695eb01-f6a4-8304-79aa-97f2502e193f");
		CHECK_INT(s->id, ==, 1);
		CHECK_INT(s->have, ==, VCN_VMS_HAVE_STATE | VCN_VMS_HAVE_ID);
		CHECK_INT(s->state, ==, VCN_VM_STATE_RUNNING);
		CHECK_INT(s->source, ==, VCN_VMSAMPLE_SRC_LIBVIRT);
		CHECK(s->t_ns > 0);
		CHECK_INT(s->nvcpus + s->ndisks + s->nnics, ==, 0);
	}
	CHECK_STR(vcn_test_log(), "");
	vcn_domstats_free(&ds);
	vcn_domstats_free(NULL);
	virConnectClose(conn);
}

static virConnectPtr open_node(void)
{
	char uri[4200];

	snprintf(uri, sizeof(uri), "test://%s", vcn_test_data_path("domstats/node.xml"));
	return virConnectOpen(uri);
}

/* A custom node: running and paused domains are reported (with id and
 * state), the shut-off one is not; the array is reused on the next pass. */
static void test_sample_custom_node(void)
{
	virConnectPtr conn = open_node();
	struct vcn_domstats ds = { 0 };
	const struct vcn_vmsample *s;
	struct vcn_vmsample *before;
	char uuid[VCN_UUID_STRLEN];
	virDomainPtr dom;

	CHECK(conn != NULL);
	if (!conn)
		return;
	CHECK_INT(vcn_domstats_sample(conn, &ds), ==, 3);
	s = find(&ds, "physics-1");
	CHECK(s && s->state == VCN_VM_STATE_RUNNING && s->id >= 1);
	if (s) {
		vcn_uuid_format(s->uuid, uuid);
		CHECK_STR(uuid, "5b1d0c1e-8a07-4e1f-9b7e-0d6c3a1f2e91");
	}
	s = find(&ds, "chem-3");
	CHECK(s && s->state == VCN_VM_STATE_PAUSED && (s->have & VCN_VMS_HAVE_ID));
	CHECK(find(&ds, "bio-12") != NULL);
	CHECK(find(&ds, "old-7") == NULL);
	CHECK_INT(ds.vms[0].t_ns, ==, ds.vms[2].t_ns); /* one instant per pass */

	/* Destroy one: the next pass has two, in the same array. */
	before = ds.vms;
	dom = virDomainLookupByName(conn, "bio-12");
	CHECK(dom && virDomainDestroy(dom) == 0);
	if (dom)
		virDomainFree(dom);
	CHECK_INT(vcn_domstats_sample(conn, &ds), ==, 2);
	CHECK(ds.vms == before);
	CHECK(find(&ds, "bio-12") == NULL);
	CHECK_STR(vcn_test_log(), "");
	vcn_domstats_free(&ds);
	virConnectClose(conn);
}

/* No connection: -ENOTCONN, said once for a run of identical failures. */
static void test_sample_errors(void)
{
	struct vcn_domstats ds = { 0 };

	CHECK_INT(vcn_domstats_sample(NULL, &ds), ==, -ENOTCONN);
	CHECK(vcn_test_log_has("libvirt domain stats: no connection"));
	vcn_test_log_reset();
	CHECK_INT(vcn_domstats_sample(NULL, &ds), ==, -ENOTCONN);
	CHECK_STR(vcn_test_log(), "");
	CHECK_INT(vcn_domstats_sample(NULL, NULL), ==, -EINVAL);
	CHECK_INT(ds.n, ==, 0);
	vcn_domstats_free(&ds);
}

static void test_hostinfo(void)
{
	virConnectPtr conn = open_node();
	struct vcn_hostinfo hi;

	CHECK(conn != NULL);
	if (!conn)
		return;
	CHECK_INT(vcn_domstats_hostinfo(conn, &hi), ==, 0);
	CHECK_INT(hi.pcpus, ==, 16);
	CHECK_INT(hi.mhz, ==, 2400);
	CHECK_INT(hi.sockets * hi.cores * hi.threads, ==, 16);
	CHECK_INT(hi.memory_kib, ==, 33554432);
	CHECK_STR(hi.model, "x86_64");
	CHECK_INT(vcn_domstats_hostinfo(NULL, &hi), ==, -EINVAL);
	virConnectClose(conn);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_parse_real_qemu_record),
		VCN_TEST(test_parse_real_record_fields),
		VCN_TEST(test_parse_missing_fields),
		VCN_TEST(test_parse_malformed),
		VCN_TEST(test_parse_truncation),
		VCN_TEST(test_sample_default_driver),
		VCN_TEST(test_sample_custom_node),
		VCN_TEST(test_sample_errors),
		VCN_TEST(test_hostinfo),
		{ NULL, NULL },
	};

	/* virTypedParamsAdd*() reset libvirt's thread-local error: without
	 * virInitialize() its key is unset and another library's slot is freed */
	if (virInitialize() < 0)
		return 99;
	virSetErrorFunc(NULL, quiet);
	return vcn_test_main(tests, argc, argv);
}
