/* lib/pinning.c (+ lib/cpuset.c): placement per topology fixture and
 * scenario as golden pin maps, dedicated refusal, reserved emulator CPUs,
 * rebalance trigger and hysteresis. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "pinning.h"

#define MAXVM 16

struct host {
	struct vcn_topology t;
	struct vcn_pin_vm vms[MAXVM];
	unsigned nvms;
	struct vcn_cpuset reserved;
};

static bool host_load(struct host *h, const char *fixture)
{
	char path[256];
	char *xml;
	int rc;

	memset(h, 0, sizeof(*h));
	snprintf(path, sizeof(path), "topology/%s.xml", fixture);
	xml = vcn_test_read_data(path);
	rc = xml ? vcn_topology_parse(xml, &h->t) : -ENOENT;
	free(xml);
	CHECK_INT(rc, ==, 0);
	return rc == 0;
}

static void host_free(struct host *h)
{
	unsigned i;

	for (i = 0; i < h->nvms; i++)
		vcn_pin_vm_clear(&h->vms[i]);
	vcn_topology_clear(&h->t);
}

static int place(struct host *h, const char *name, unsigned nvcpus, enum vcn_pin_strategy s)
{
	struct vcn_pin_request req = { .name = name, .nvcpus = nvcpus, .strategy = s };
	int rc;

	rc = vcn_pinning_place(&h->t, &h->reserved, h->vms, h->nvms, &req, &h->vms[h->nvms]);
	if (rc == 0)
		h->nvms++;
	return rc;
}

static void golden_map(struct host *h, const char *golden)
{
	char *text = NULL;

	CHECK_INT(vcn_pinning_format(&h->t, h->vms, h->nvms, &text), ==, 0);
	if (text)
		CHECK_GOLDEN(golden, text);
	free(text);
}

static const char *pins(const struct vcn_pin_vm *vm, char *buf, size_t size)
{
	size_t len = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < vm->nvcpus && len < size; i++) {
		char one[VCN_CPUSET_STRLEN];

		vcn_cpuset_format(&vm->vcpus[i].cpus, one, sizeof(one));
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? " " : "", one);
	}
	return buf;
}

/* The measured case of DESIGN.md: 2-, 1-, 1-vCPU guests on this 2-core host. */
static void test_spread_2_1_1_on_2_cores(void)
{
	struct host h;
	char buf[128], *json = NULL;

	if (!host_load(&h, "real-tcg-2cpu"))
		return;
	CHECK_INT(place(&h, "a", 2, VCN_PIN_SPREAD), ==, 0);
	CHECK_INT(place(&h, "b", 1, VCN_PIN_SPREAD), ==, 0);
	CHECK_INT(place(&h, "c", 1, VCN_PIN_SPREAD), ==, 0);
	CHECK_STR(pins(&h.vms[0], buf, sizeof(buf)), "0 1");
	CHECK_STR(pins(&h.vms[1], buf, sizeof(buf)), "0");
	CHECK_STR(pins(&h.vms[2], buf, sizeof(buf)), "1"); /* 2 busy vCPUs per core */
	golden_map(&h, "pinning/real-tcg-2cpu-spread-2-1-1.txt");
	CHECK_INT(vcn_pinning_format_json(&h.t, h.vms, h.nvms, &json), ==, 0);
	if (json)
		CHECK_GOLDEN("pinning/real-tcg-2cpu-spread-2-1-1.json", json);
	free(json);
	host_free(&h);
}

/* Distinct physical cores before SMT siblings; a VM stays in one cell. */
static void test_spread_smt_and_cells(void)
{
	struct host h;
	char buf[128];

	if (!host_load(&h, "2s-8c-16t"))
		return;
	CHECK_INT(place(&h, "w", 4, VCN_PIN_SPREAD), ==, 0);
	CHECK_INT(place(&h, "x", 2, VCN_PIN_SPREAD), ==, 0);
	CHECK_INT(place(&h, "y", 2, VCN_PIN_SPREAD), ==, 0);
	CHECK_INT(place(&h, "z", 1, VCN_PIN_SPREAD), ==, 0);
	CHECK_STR(pins(&h.vms[0], buf, sizeof(buf)), "0 1 2 3"); /* four cores of cell 0, no siblings */
	CHECK_STR(pins(&h.vms[1], buf, sizeof(buf)), "4 5");     /* cell 1 is idle */
	golden_map(&h, "pinning/2s-8c-16t-spread-4-2-2-1.txt");
	host_free(&h);
}

static void test_spread_bigger_than_a_cell(void)
{
	struct host h;

	if (!host_load(&h, "2numa-12c-24t"))
		return;
	CHECK_INT(place(&h, "big", 14, VCN_PIN_SPREAD), ==, 0);
	CHECK_INT(place(&h, "small", 2, VCN_PIN_SPREAD), ==, 0);
	golden_map(&h, "pinning/2numa-12c-24t-spread-14-2.txt");
	host_free(&h);
}

static void test_pack(void)
{
	struct host h;
	char buf[128];

	if (!host_load(&h, "2s-8c-16t"))
		return;
	CHECK_INT(place(&h, "p1", 2, VCN_PIN_PACK), ==, 0);
	CHECK_INT(place(&h, "p2", 3, VCN_PIN_PACK), ==, 0);
	CHECK_INT(place(&h, "p3", 4, VCN_PIN_PACK), ==, 0);
	CHECK_STR(pins(&h.vms[0], buf, sizeof(buf)), "0 8"); /* sibling threads of core 0 */
	golden_map(&h, "pinning/2s-8c-16t-pack-2-3-4.txt");
	host_free(&h);
}

static void test_pack_overcommits_least_loaded(void)
{
	struct host h;

	if (!host_load(&h, "1numa-4c"))
		return;
	CHECK_INT(place(&h, "p1", 3, VCN_PIN_PACK), ==, 0);
	CHECK_INT(place(&h, "p2", 3, VCN_PIN_PACK), ==, 0);
	golden_map(&h, "pinning/1numa-4c-pack-overcommit.txt");
	host_free(&h);
}

static void test_dedicated_success_and_refusal(void)
{
	struct host h;
	struct vcn_pin_vm out;
	struct vcn_pin_request req = { .name = "d3", .nvcpus = 1, .strategy = VCN_PIN_DEDICATED };

	if (!host_load(&h, "1numa-4c"))
		return;
	CHECK_INT(place(&h, "d1", 2, VCN_PIN_DEDICATED), ==, 0);
	CHECK_INT(place(&h, "s1", 1, VCN_PIN_SPREAD), ==, 0); /* only on CPUs d1 does not hold */
	CHECK(!vcn_cpuset_has(&h.vms[1].vcpus[0].cpus, 0) && !vcn_cpuset_has(&h.vms[1].vcpus[0].cpus, 1));
	CHECK_INT(place(&h, "d2", 1, VCN_PIN_DEDICATED), ==, 0);
	golden_map(&h, "pinning/1numa-4c-dedicated.txt");
	vcn_test_log_reset();
	CHECK_INT(vcn_pinning_place(&h.t, NULL, h.vms, h.nvms, &req, &out), ==, -EBUSY);
	CHECK(out.vcpus == NULL);
	CHECK(vcn_test_log_has("dedicated placement of 'd3' needs 1 free host CPUs, 0 free (4 online, 0 reserved, 4 in use by other vCPUs)"));
	host_free(&h);
}

/* SMT: a dedicated VM takes whole cores, siblings together. */
static void test_dedicated_whole_cores(void)
{
	struct host h;
	char buf[128];

	if (!host_load(&h, "2s-8c-16t"))
		return;
	CHECK_INT(place(&h, "s", 1, VCN_PIN_SPREAD), ==, 0); /* cpu 0: cell 0 has load now */
	CHECK_INT(place(&h, "d", 3, VCN_PIN_DEDICATED), ==, 0);
	CHECK_STR(pins(&h.vms[1], buf, sizeof(buf)), "4 12 5"); /* idle cell 1; core 4's threads, then core 5 */
	CHECK_INT(place(&h, "d2", 5, VCN_PIN_DEDICATED), ==, 0); /* cell 1 has 5 left, whole core 7 first */
	golden_map(&h, "pinning/2s-8c-16t-dedicated-whole-cores.txt");
	host_free(&h);
}

static void test_reserved_emulator_cpus(void)
{
	struct host h;
	char set[VCN_CPUSET_STRLEN];
	unsigned i, j;

	if (!host_load(&h, "2numa-12c-24t"))
		return;
	CHECK_INT(vcn_cpuset_parse("0,12", &h.reserved), ==, 0);
	CHECK_INT(place(&h, "r1", 6, VCN_PIN_SPREAD), ==, 0);
	CHECK_INT(place(&h, "r2", 4, VCN_PIN_PACK), ==, 0);
	CHECK_INT(place(&h, "r3", 4, VCN_PIN_DEDICATED), ==, 0);
	for (i = 0; i < h.nvms; i++) {
		vcn_cpuset_format(&h.vms[i].emulator, set, sizeof(set));
		CHECK_STR(set, "0,12");
		for (j = 0; j < h.vms[i].nvcpus; j++)
			CHECK(!vcn_cpuset_has(&h.vms[i].vcpus[j].cpus, 0) && !vcn_cpuset_has(&h.vms[i].vcpus[j].cpus, 12));
	}
	golden_map(&h, "pinning/2numa-12c-24t-reserved.txt");
	host_free(&h);
}

static void test_deterministic(void)
{
	struct host a, b;
	char *ta = NULL, *tb = NULL;

	if (!host_load(&a, "2s-8c-16t") || !host_load(&b, "2s-8c-16t"))
		return;
	CHECK_INT(place(&a, "x", 3, VCN_PIN_SPREAD), ==, 0);
	CHECK_INT(place(&a, "y", 5, VCN_PIN_SPREAD), ==, 0);
	CHECK_INT(place(&b, "x", 3, VCN_PIN_SPREAD), ==, 0);
	CHECK_INT(place(&b, "y", 5, VCN_PIN_SPREAD), ==, 0);
	CHECK_INT(vcn_pinning_format(&a.t, a.vms, a.nvms, &ta), ==, 0);
	CHECK_INT(vcn_pinning_format(&b.t, b.vms, b.nvms, &tb), ==, 0);
	CHECK(ta && tb && strcmp(ta, tb) == 0);
	free(ta);
	free(tb);
	host_free(&a);
	host_free(&b);
}

static void test_invalid(void)
{
	struct host h;
	struct vcn_pin_vm out;
	struct vcn_pin_request req = { .name = "bad", .nvcpus = 0, .strategy = VCN_PIN_SPREAD };

	if (!host_load(&h, "1numa-4c"))
		return;
	CHECK_INT(vcn_pinning_place(&h.t, NULL, NULL, 0, &req, &out), ==, -EINVAL);
	CHECK(vcn_test_log_has("request for 'bad' is invalid (vcpus 0"));
	req.nvcpus = 1;
	req.load = 1.5;
	CHECK_INT(vcn_pinning_place(&h.t, NULL, NULL, 0, &req, &out), ==, -EINVAL);
	req.load = 0;
	CHECK_INT(place(&h, "a", 1, VCN_PIN_SPREAD), ==, 0);
	h.vms[0].vcpus[0].load = 2.0;
	vcn_test_log_reset();
	CHECK_INT(vcn_pinning_place(&h.t, NULL, h.vms, h.nvms, &req, &out), ==, -EINVAL);
	CHECK(vcn_test_log_has("VM 'a' vCPU 0 load 2 is outside 0..1"));
	h.vms[0].vcpus[0].load = 1.0;
	CHECK_INT(vcn_cpuset_parse("0-3", &h.reserved), ==, 0);
	vcn_test_log_reset();
	CHECK_INT(vcn_pinning_place(&h.t, &h.reserved, h.vms, h.nvms, &req, &out), ==, -EBUSY);
	CHECK(vcn_test_log_has("no host CPU left for 'bad' (4 online, 4 reserved, 0 dedicated)"));
	host_free(&h);
}

/* --- rebalance ----------------------------------------------------------- */

static void pin1(struct host *h, const char *name, int cpu, double load)
{
	struct vcn_pin_vm *vm = &h->vms[h->nvms++];

	vm->name = name;
	vm->strategy = VCN_PIN_SPREAD;
	vm->nvcpus = 1;
	vm->vcpus = calloc(1, sizeof(*vm->vcpus));
	vcn_cpuset_add(&vm->vcpus[0].cpus, cpu);
	vm->vcpus[0].load = load;
}

static char *moves_text(const struct host *h, const struct vcn_pin_move *m, unsigned n)
{
	static char buf[1024];
	size_t len = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s/%u %d->%d (%.2f)\n", h->vms[m[i].vm].name,
					m[i].vcpu, m[i].from, m[i].to, m[i].load);
	return buf;
}

static void apply(struct host *h, const struct vcn_pin_move *m, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		vcn_cpuset_zero(&h->vms[m[i].vm].vcpus[m[i].vcpu].cpus);
		vcn_cpuset_add(&h->vms[m[i].vm].vcpus[m[i].vcpu].cpus, m[i].to);
	}
}

static void test_rebalance_triggers_and_settles(void)
{
	struct host h;
	struct vcn_pin_move *m = NULL;
	unsigned n = 9;

	if (!host_load(&h, "1numa-4c"))
		return;
	pin1(&h, "a", 0, 0.9);
	pin1(&h, "b", 0, 0.8);
	pin1(&h, "c", 1, 0.1);
	pin1(&h, "d", 2, 0.2);
	pin1(&h, "e", 3, 0.1);
	CHECK_INT(vcn_pinning_rebalance(&h.t, NULL, h.vms, h.nvms, NULL, &m, &n), ==, 0);
	CHECK_INT(n, ==, 1);
	CHECK_STR(moves_text(&h, m, n), "b/0 0->1 (0.80)\n");
	apply(&h, m, n);
	free(m);
	/* same loads again: nothing */
	CHECK_INT(vcn_pinning_rebalance(&h.t, NULL, h.vms, h.nvms, NULL, &m, &n), ==, 0);
	CHECK_INT(n, ==, 0);
	CHECK(m == NULL);
	/* loads wobble by 0.1 either way: still nothing (no flapping) */
	h.vms[0].vcpus[0].load = 1.0;
	h.vms[2].vcpus[0].load = 0.0;
	h.vms[4].vcpus[0].load = 0.2;
	CHECK_INT(vcn_pinning_rebalance(&h.t, NULL, h.vms, h.nvms, NULL, &m, &n), ==, 0);
	CHECK_INT(n, ==, 0);
	golden_map(&h, "pinning/1numa-4c-rebalanced.txt");
	host_free(&h);
}

static void test_rebalance_below_threshold_and_max_moves(void)
{
	struct host h;
	struct vcn_pin_move *m = NULL;
	struct vcn_rebalance_opts o = { .threshold = 0.5, .max_moves = 1 };
	unsigned n;

	if (!host_load(&h, "1numa-4c"))
		return;
	pin1(&h, "a", 0, 0.5);
	pin1(&h, "b", 1, 0.1);
	pin1(&h, "c", 2, 0.3);
	CHECK_INT(vcn_pinning_rebalance(&h.t, NULL, h.vms, h.nvms, &o, &m, &n), ==, 0);
	CHECK_INT(n, ==, 0); /* gap 0.5 (cpu 0 vs idle cpu 3) is not above 0.5 */
	/* four busy vCPUs on cpu 0: at most one move per call */
	pin1(&h, "d", 0, 0.6);
	pin1(&h, "e", 0, 0.6);
	CHECK_INT(vcn_pinning_rebalance(&h.t, NULL, h.vms, h.nvms, &o, &m, &n), ==, 0);
	CHECK_INT(n, ==, 1);
	CHECK_STR(moves_text(&h, m, n), "d/0 0->3 (0.60)\n");
	free(m);
	o.max_moves = 4;
	CHECK_INT(vcn_pinning_rebalance(&h.t, NULL, h.vms, h.nvms, &o, &m, &n), ==, 0);
	/* then a (0.50) halves the remaining 1.1 vs 0.1 gap best; after that
	 * the gap is 0.3, under half the threshold */
	CHECK_STR(moves_text(&h, m, n), "d/0 0->3 (0.60)\na/0 0->1 (0.50)\n");
	free(m);
	host_free(&h);
}

/* Pack and dedicated VMs are never moved. */
static void test_rebalance_leaves_pack_and_dedicated(void)
{
	struct host h;
	struct vcn_pin_move *m = NULL;
	unsigned n;

	if (!host_load(&h, "1numa-4c"))
		return;
	CHECK_INT(place(&h, "p", 2, VCN_PIN_PACK), ==, 0);
	h.vms[0].vcpus[0].load = 1.0;
	vcn_cpuset_zero(&h.vms[0].vcpus[1].cpus);
	vcn_cpuset_add(&h.vms[0].vcpus[1].cpus, 0);
	CHECK_INT(vcn_pinning_rebalance(&h.t, NULL, h.vms, h.nvms, NULL, &m, &n), ==, 0);
	CHECK_INT(n, ==, 0);
	host_free(&h);
}

static void test_cpuset(void)
{
	struct vcn_cpuset s;
	char buf[VCN_CPUSET_STRLEN], tiny[4];

	CHECK_INT(vcn_cpuset_parse("0-3,8,10-11,^2", &s), ==, 0);
	CHECK_INT(vcn_cpuset_count(&s), ==, 6);
	CHECK_INT(vcn_cpuset_format(&s, buf, sizeof(buf)), ==, 13);
	CHECK_STR(buf, "0-1,3,8,10-11");
	CHECK_INT(vcn_cpuset_format(&s, tiny, sizeof(tiny)), ==, -ENOSPC);
	CHECK_INT(vcn_cpuset_parse("1023", &s), ==, 0);
	CHECK_INT(vcn_cpuset_first(&s), ==, 1023);
	CHECK_INT(vcn_cpuset_parse("1024", &s), ==, -ERANGE);
	CHECK_INT(vcn_cpuset_parse("", &s), ==, -EINVAL);
	CHECK_INT(vcn_cpuset_parse("3-1", &s), ==, -EINVAL);
	CHECK_INT(vcn_cpuset_parse("1,,2", &s), ==, -EINVAL);
	CHECK_INT(vcn_cpuset_parse("1x", &s), ==, -EINVAL);
	CHECK_INT(vcn_cpuset_parse("^1", &s), ==, -EINVAL);
	CHECK_INT(vcn_cpuset_parse(" 1", &s), ==, -EINVAL);
	CHECK(!vcn_cpuset_add(&s, -1) && !vcn_cpuset_add(&s, 1024));
}

/* An unpinned VM (pin=none, vcnd's default) shows as "none" in the map,
 * whatever strategy placement input carried for it. */
static void test_unpinned_shows_none(void)
{
	struct host h;
	struct vcn_pin_vcpu cpu = { .load = 1.0 };
	char *text = NULL, *json = NULL;

	if (!host_load(&h, "real-tcg-2cpu"))
		return;
	vcn_cpuset_zero(&cpu.cpus);
	h.vms[0] = (struct vcn_pin_vm){ .name = "free-1", .strategy = VCN_PIN_SPREAD, .nvcpus = 1, .vcpus = &cpu };
	vcn_cpuset_zero(&h.vms[0].emulator);
	CHECK_INT(vcn_pinning_format(&h.t, h.vms, 1, &text), ==, 0);
	CHECK(text && strstr(text, "free-1               none      0     *"));
	CHECK_INT(vcn_pinning_format_json(&h.t, h.vms, 1, &json), ==, 0);
	CHECK(json && strstr(json, "\"strategy\":\"none\""));
	free(text);
	free(json);
	vcn_topology_clear(&h.t);
}

static void test_strategy_names(void)
{
	enum vcn_pin_strategy s;

	CHECK_INT(vcn_pin_strategy_parse("dedicated", &s), ==, 0);
	CHECK_INT(s, ==, VCN_PIN_DEDICATED);
	CHECK_INT(vcn_pin_strategy_parse("Spread", &s), ==, -EINVAL);
	CHECK_STR(vcn_pin_strategy_name(VCN_PIN_PACK), "pack");
	CHECK(vcn_pin_strategy_name(VCN_PIN_LAST) == NULL);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_spread_2_1_1_on_2_cores), VCN_TEST(test_spread_smt_and_cells),
		VCN_TEST(test_unpinned_shows_none),
		VCN_TEST(test_spread_bigger_than_a_cell), VCN_TEST(test_pack),
		VCN_TEST(test_pack_overcommits_least_loaded), VCN_TEST(test_dedicated_success_and_refusal),
		VCN_TEST(test_dedicated_whole_cores), VCN_TEST(test_reserved_emulator_cpus),
		VCN_TEST(test_deterministic), VCN_TEST(test_invalid),
		VCN_TEST(test_rebalance_triggers_and_settles), VCN_TEST(test_rebalance_below_threshold_and_max_moves),
		VCN_TEST(test_rebalance_leaves_pack_and_dedicated), VCN_TEST(test_cpuset),
		VCN_TEST(test_strategy_names), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
