/* vCPU placement. Every choice is a sort on explicit keys ending in the CPU
 * id, so the same inputs always give the same map (golden-testable, and a
 * restarted vcnd proposes what the old one did).
 *
 * Load model: a vCPU pinned to a set of N CPUs adds load/N to each; an
 * unpinned vCPU (empty set) counts against every online CPU. A CPU held by
 * a dedicated VM is never offered to anyone else; reserved CPUs are for
 * emulator threads only. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pinning.h"

#define EPS 1e-9

static const char *const strategy_names[VCN_PIN_LAST] = {
	[VCN_PIN_SPREAD] = "spread",
	[VCN_PIN_PACK] = "pack",
	[VCN_PIN_DEDICATED] = "dedicated",
};

/* "spread", "pack" or "dedicated"; NULL when @s is out of range. */
const char *vcn_pin_strategy_name(enum vcn_pin_strategy s)
{
	return (unsigned)s < VCN_PIN_LAST ? strategy_names[s] : NULL;
}

/* What a map shows as @vm's strategy: "none" when nothing of it is pinned
 * (unpinned VCNs, the default), else its strategy's name ("?" if unknown). */
static const char *shown_strategy(const struct vcn_pin_vm *vm)
{
	unsigned j;

	for (j = 0; j < vm->nvcpus; j++)
		if (!vcn_cpuset_empty(&vm->vcpus[j].cpus))
			return vcn_pin_strategy_name(vm->strategy) ? vcn_pin_strategy_name(vm->strategy) : "?";
	if (!vcn_cpuset_empty(&vm->emulator))
		return vcn_pin_strategy_name(vm->strategy) ? vcn_pin_strategy_name(vm->strategy) : "?";
	return "none";
}

/* Inverse of vcn_pin_strategy_name: 0, or -EINVAL for an unknown name. */
int vcn_pin_strategy_parse(const char *s, enum vcn_pin_strategy *out)
{
	unsigned i;

	for (i = 0; s && i < VCN_PIN_LAST; i++) {
		if (strcmp(s, strategy_names[i]) == 0) {
			*out = (enum vcn_pin_strategy)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Free what vcn_pinning_place allocated in @vm and zero it; NULL is a no-op. */
void vcn_pin_vm_clear(struct vcn_pin_vm *vm)
{
	if (!vm)
		return;
	free(vm->vcpus);
	memset(vm, 0, sizeof(*vm));
}

/* What the VMs already on the host add up to. */
struct hoststate {
	double load[VCN_CPUSET_MAX];  /* per host CPU */
	struct vcn_cpuset occupied;   /* any vCPU may run there */
	struct vcn_cpuset dedicated;  /* held by a dedicated VM */
	struct vcn_cpuset reserved;   /* emulator-only (within the topology) */
	struct vcn_cpuset shared;     /* offered to spread/pack: all - reserved - dedicated */
};

static const char *vm_name(const struct vcn_pin_vm *vm)
{
	return vm->name ? vm->name : "(unnamed)";
}

/* The CPUs a vCPU may run on, within the topology (empty set: all). */
static struct vcn_cpuset vcpu_cpus(const struct vcn_topology *t, const struct vcn_pin_vcpu *v)
{
	struct vcn_cpuset s;
	unsigned i;

	if (vcn_cpuset_empty(&v->cpus))
		return t->all;
	s = v->cpus;
	for (i = 0; i < VCN_CPUSET_MAX / 64; i++)
		s.bits[i] &= t->all.bits[i];
	return s;
}

static int load_state(const struct vcn_topology *t, const struct vcn_cpuset *reserved,
		      const struct vcn_pin_vm *vms, unsigned nvms, struct hoststate *h)
{
	unsigned i, j, k, n;
	int cpu;

	memset(h, 0, sizeof(*h));
	if (!t || t->ncpus == 0) {
		vcn_err("pinning: empty host topology");
		return -EINVAL;
	}
	if (reserved) {
		for (k = 0; k < VCN_CPUSET_MAX / 64; k++)
			h->reserved.bits[k] = reserved->bits[k] & t->all.bits[k];
	}
	for (i = 0; i < nvms; i++) {
		for (j = 0; j < vms[i].nvcpus; j++) {
			const struct vcn_pin_vcpu *v = &vms[i].vcpus[j];
			struct vcn_cpuset s = vcpu_cpus(t, v);

			if (!(v->load >= 0.0 && v->load <= 1.0)) {
				vcn_err("pinning: VM '%s' vCPU %u load %g is outside 0..1", vm_name(&vms[i]), j, v->load);
				return -EINVAL;
			}
			n = vcn_cpuset_count(&s);
			if (n == 0) {
				vcn_err("pinning: VM '%s' vCPU %u is pinned to no CPU of this host", vm_name(&vms[i]), j);
				return -EINVAL;
			}
			VCN_CPUSET_FOREACH(cpu, &s)
				h->load[cpu] += v->load / n;
			vcn_cpuset_or(&h->occupied, &s);
			if (vms[i].strategy == VCN_PIN_DEDICATED)
				vcn_cpuset_or(&h->dedicated, &s);
		}
	}
	for (k = 0; k < VCN_CPUSET_MAX / 64; k++)
		h->shared.bits[k] = t->all.bits[k] & ~h->reserved.bits[k] & ~h->dedicated.bits[k];
	return 0;
}

static struct vcn_cpuset set_and(const struct vcn_cpuset *a, const struct vcn_cpuset *b)
{
	struct vcn_cpuset r;
	unsigned k;

	for (k = 0; k < VCN_CPUSET_MAX / 64; k++)
		r.bits[k] = a->bits[k] & b->bits[k];
	return r;
}

static double core_load(const struct vcn_topology *t, const struct hoststate *h, int cpu)
{
	const struct vcn_topo_cpu *c = vcn_topology_cpu(t, cpu);
	double sum = 0;
	int x;

	VCN_CPUSET_FOREACH(x, &t->cores[c->core].cpus)
		sum += h->load[x];
	return sum;
}

/* Loads compared at 1/1000 resolution: floating-point noise must not
 * decide between equal choices (the CPU id does). */
static long long q(double v)
{
	return llround(v * 1000.0);
}

static unsigned own_on_core(const struct vcn_topology *t, const struct vcn_pin_vm *out, unsigned placed, int cpu)
{
	const struct vcn_topo_cpu *c = vcn_topology_cpu(t, cpu);
	unsigned i, n = 0;

	for (i = 0; i < placed; i++)
		if (vcn_topology_cpu(t, vcn_cpuset_first(&out->vcpus[i].cpus))->core == c->core)
			n++;
	return n;
}

static bool own_on_cpu(const struct vcn_pin_vm *out, unsigned placed, int cpu)
{
	unsigned i;

	for (i = 0; i < placed; i++)
		if (vcn_cpuset_has(&out->vcpus[i].cpus, cpu))
			return true;
	return false;
}

/* The cell to keep a VM in: among cells with at least @need CPUs of
 * @avail, for pack the first with room for @add load (else the roomiest),
 * for the others the least loaded per CPU after adding @add; lowest id on
 * ties; -1 when no cell has @need CPUs. */
static int pick_cell(const struct vcn_topology *t, const struct hoststate *h, const struct vcn_cpuset *avail,
		     unsigned need, double add, bool pack)
{
	long long best_key = 0;
	int best = -1, cpu;
	unsigned i, n;

	for (i = 0; i < t->ncells; i++) {
		struct vcn_cpuset s = set_and(&t->cells[i].cpus, avail);
		double load = 0, room = 0;
		long long key;

		n = vcn_cpuset_count(&s);
		if (n < need)
			continue;
		VCN_CPUSET_FOREACH(cpu, &s) {
			load += h->load[cpu];
			room += h->load[cpu] < 1.0 ? 1.0 - h->load[cpu] : 0.0;
		}
		if (pack) {
			/* first cell (in id order) with room for the whole VM */
			if (room + EPS >= add)
				return (int)i;
			key = -q(room);
		} else {
			key = q((load + add) / n);
		}
		if (best < 0 || key < best_key) {
			best = (int)i;
			best_key = key;
		}
	}
	return best;
}

static void place_spread(const struct vcn_topology *t, struct hoststate *h, const struct vcn_cpuset *cand,
			 double l, struct vcn_pin_vm *out)
{
	unsigned v;
	int cpu;

	for (v = 0; v < out->nvcpus; v++) {
		long long bk[3] = { 0, 0, 0 };
		int best = -1;

		VCN_CPUSET_FOREACH(cpu, cand) {
			long long k[3] = { q(core_load(t, h, cpu)), (long long)own_on_core(t, out, v, cpu), q(h->load[cpu]) };

			if (best < 0 || k[0] < bk[0] || (k[0] == bk[0] && (k[1] < bk[1] || (k[1] == bk[1] && k[2] < bk[2])))) {
				best = cpu;
				memcpy(bk, k, sizeof(bk));
			}
		}
		vcn_cpuset_add(&out->vcpus[v].cpus, best);
		h->load[best] += l;
	}
}

static void place_pack(const struct vcn_topology *t, struct hoststate *h, const struct vcn_cpuset *cand,
		       double l, struct vcn_pin_vm *out)
{
	unsigned v, c;
	int cpu, best;

	for (v = 0; v < out->nvcpus; v++) {
		best = -1;
		/* first fit, cores in topology order, threads in id order */
		for (c = 0; c < t->ncores && best < 0; c++) {
			VCN_CPUSET_FOREACH(cpu, &t->cores[c].cpus) {
				if (vcn_cpuset_has(cand, cpu) && h->load[cpu] + l <= 1.0 + EPS) {
					best = cpu;
					break;
				}
			}
		}
		if (best < 0) { /* full: overcommit the least loaded */
			VCN_CPUSET_FOREACH(cpu, cand)
				if (best < 0 || q(h->load[cpu]) < q(h->load[best]))
					best = cpu;
		}
		vcn_cpuset_add(&out->vcpus[v].cpus, best);
		h->load[best] += l;
	}
}

/* Dedicated: whole free cores first (a dedicated vCPU should not share a
 * physical core with someone else's), a core's threads together. */
static void place_dedicated(const struct vcn_topology *t, struct hoststate *h, const struct vcn_cpuset *cand,
			    double l, struct vcn_pin_vm *out)
{
	unsigned v;
	int cpu;

	for (v = 0; v < out->nvcpus; v++) {
		long long bk[3] = { 0, 0, 0 };
		int best = -1;

		VCN_CPUSET_FOREACH(cpu, cand) {
			const struct vcn_topo_cpu *c = vcn_topology_cpu(t, cpu);
			struct vcn_cpuset others = set_and(&t->cores[c->core].cpus, &h->occupied);
			long long k[3];

			if (vcn_cpuset_has(&h->occupied, cpu) || own_on_cpu(out, v, cpu))
				continue;
			k[0] = vcn_cpuset_empty(&others) ? 0 : 1;
			k[1] = own_on_core(t, out, v, cpu) ? 0 : 1;
			k[2] = c->core;
			if (best < 0 || k[0] < bk[0] || (k[0] == bk[0] && (k[1] < bk[1] || (k[1] == bk[1] && k[2] < bk[2])))) {
				best = cpu;
				memcpy(bk, k, sizeof(bk));
			}
		}
		vcn_cpuset_add(&out->vcpus[v].cpus, best);
		h->load[best] += l;
	}
	for (v = 0; v < out->nvcpus; v++)
		vcn_cpuset_or(&h->occupied, &out->vcpus[v].cpus);
}

/* Place a new VM (@req) on host @t beside @vms (their pins and measured
 * load per vCPU), keeping @reserved (may be NULL or empty) for emulator
 * threads. Fills @out (zeroed first; out->vcpus malloc'd, free with
 * vcn_pin_vm_clear; out->name borrows req->name): one host CPU per vCPU and
 * an emulator set — the reserved CPUs when there are any, else for
 * dedicated VMs the CPUs nobody holds exclusively (or their own when none
 * is left), else the VM's own vCPU CPUs.
 * Returns 0; -EINVAL for a bad request or input; -EBUSY when dedicated
 * placement would overcommit, or no CPU is left outside reserved and
 * dedicated ones (logged once with the counts); -ENOMEM. */
int vcn_pinning_place(const struct vcn_topology *t, const struct vcn_cpuset *reserved,
		      const struct vcn_pin_vm *vms, unsigned nvms, const struct vcn_pin_request *req,
		      struct vcn_pin_vm *out)
{
	struct hoststate *h = NULL;
	struct vcn_cpuset avail, cand, mine;
	const char *name = req && req->name ? req->name : "(unnamed)";
	double l;
	int rc, cell;
	unsigned v, k;

	memset(out, 0, sizeof(*out));
	if (!req || req->nvcpus == 0 || req->nvcpus > VCN_CPUSET_MAX || !vcn_pin_strategy_name(req->strategy) ||
	    !(req->load >= 0.0 && req->load <= 1.0)) {
		vcn_err("pinning: request for '%s' is invalid (vcpus %u, strategy %d, load %g)", name,
			req ? req->nvcpus : 0, req ? (int)req->strategy : -1, req ? req->load : 0.0);
		return -EINVAL;
	}
	l = req->load > 0 ? req->load : 1.0;
	h = malloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	rc = load_state(t, reserved, vms, nvms, h);
	if (rc < 0)
		goto cleanup;
	if (req->strategy == VCN_PIN_DEDICATED) {
		for (k = 0; k < VCN_CPUSET_MAX / 64; k++)
			avail.bits[k] = t->all.bits[k] & ~h->reserved.bits[k] & ~h->occupied.bits[k];
		if (vcn_cpuset_count(&avail) < req->nvcpus) {
			vcn_err("pinning: dedicated placement of '%s' needs %u free host CPUs, %u free (%u online, %u reserved, %u in use by other vCPUs)",
				name, req->nvcpus, vcn_cpuset_count(&avail), t->ncpus,
				vcn_cpuset_count(&h->reserved), vcn_cpuset_count(&h->occupied));
			rc = -EBUSY;
			goto cleanup;
		}
	} else {
		avail = h->shared;
		if (vcn_cpuset_empty(&avail)) {
			vcn_err("pinning: no host CPU left for '%s' (%u online, %u reserved, %u dedicated)", name,
				t->ncpus, vcn_cpuset_count(&h->reserved), vcn_cpuset_count(&h->dedicated));
			rc = -EBUSY;
			goto cleanup;
		}
	}
	cell = pick_cell(t, h, &avail, req->nvcpus, l * req->nvcpus, req->strategy == VCN_PIN_PACK);
	cand = cell >= 0 ? set_and(&t->cells[cell].cpus, &avail) : avail;
	rc = -ENOMEM;
	out->vcpus = calloc(req->nvcpus, sizeof(*out->vcpus));
	if (!out->vcpus)
		goto cleanup;
	out->name = req->name;
	out->strategy = req->strategy;
	out->nvcpus = req->nvcpus;
	for (v = 0; v < out->nvcpus; v++)
		out->vcpus[v].load = l;
	if (req->strategy == VCN_PIN_SPREAD)
		place_spread(t, h, &cand, l, out);
	else if (req->strategy == VCN_PIN_PACK)
		place_pack(t, h, &cand, l, out);
	else
		place_dedicated(t, h, &cand, l, out);

	vcn_cpuset_zero(&mine);
	for (v = 0; v < out->nvcpus; v++)
		vcn_cpuset_or(&mine, &out->vcpus[v].cpus);
	if (!vcn_cpuset_empty(&h->reserved)) {
		out->emulator = h->reserved;
	} else if (req->strategy == VCN_PIN_DEDICATED) {
		for (k = 0; k < VCN_CPUSET_MAX / 64; k++)
			out->emulator.bits[k] = h->shared.bits[k] & ~mine.bits[k];
		if (cell >= 0) {
			struct vcn_cpuset near = set_and(&out->emulator, &t->cells[cell].cpus);

			if (!vcn_cpuset_empty(&near))
				out->emulator = near;
		}
		if (vcn_cpuset_empty(&out->emulator))
			out->emulator = mine;
	} else {
		out->emulator = mine;
	}
	rc = 0;
cleanup:
	free(h);
	if (rc < 0)
		vcn_pin_vm_clear(out);
	return rc;
}

struct vcpu_at {
	unsigned vm, vcpu;
	int cpu;
};

/* Propose re-pins from measured load (vms[].vcpus[].load). Within each NUMA
 * cell, over the CPUs spread VMs may use, imbalance = most - least loaded
 * CPU. Nothing happens until it exceeds opts->threshold; then single-CPU
 * vCPUs of spread VMs move from the busiest to the idlest CPU (the one
 * whose load best halves the gap, and only when the move narrows it) until
 * the imbalance is under half the threshold or opts->max_moves are
 * proposed. The gap between threshold and half of it is the hysteresis: a
 * map this function produced is not moved again at the same loads. Pack
 * and dedicated VMs are never moved. *@moves is malloc'd (NULL when
 * *@nmoves is 0; caller frees). Returns 0, -EINVAL, -ENOMEM. */
int vcn_pinning_rebalance(const struct vcn_topology *t, const struct vcn_cpuset *reserved,
			  const struct vcn_pin_vm *vms, unsigned nvms,
			  const struct vcn_rebalance_opts *opts, struct vcn_pin_move **moves,
			  unsigned *nmoves)
{
	struct hoststate *h = NULL;
	struct vcpu_at *at = NULL;
	double threshold = opts && opts->threshold > 0 ? opts->threshold : 0.5;
	unsigned max_moves = opts && opts->max_moves ? opts->max_moves : 2;
	unsigned i, j, n = 0, nat = 0, c;
	int rc, cpu;

	*moves = NULL;
	*nmoves = 0;
	h = malloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	rc = load_state(t, reserved, vms, nvms, h);
	if (rc < 0)
		goto cleanup;
	for (i = 0; i < nvms; i++)
		nat += vms[i].nvcpus;
	rc = -ENOMEM;
	at = calloc(nat ? nat : 1, sizeof(*at));
	*moves = calloc(max_moves, sizeof(**moves));
	if (!at || !*moves)
		goto cleanup;
	nat = 0;
	for (i = 0; i < nvms; i++) {
		for (j = 0; j < vms[i].nvcpus; j++) {
			struct vcn_cpuset s = vcpu_cpus(t, &vms[i].vcpus[j]);

			if (vms[i].strategy != VCN_PIN_SPREAD || vcn_cpuset_count(&s) != 1)
				continue;
			at[nat].vm = i;
			at[nat].vcpu = j;
			at[nat].cpu = vcn_cpuset_first(&s);
			nat++;
		}
	}
	for (c = 0; c < t->ncells && n < max_moves; c++) {
		struct vcn_cpuset cand = set_and(&t->cells[c].cpus, &h->shared);
		bool active = false;

		while (n < max_moves) {
			int hi = -1, lo = -1, pick = -1;
			double gap, best_d = 0;

			VCN_CPUSET_FOREACH(cpu, &cand) {
				if (hi < 0 || q(h->load[cpu]) > q(h->load[hi]))
					hi = cpu;
				if (lo < 0 || q(h->load[cpu]) < q(h->load[lo]))
					lo = cpu;
			}
			if (hi < 0)
				break;
			gap = h->load[hi] - h->load[lo];
			if (q(gap) <= q(active ? threshold / 2 : threshold))
				break;
			active = true;
			for (i = 0; i < nat; i++) {
				double lv = vms[at[i].vm].vcpus[at[i].vcpu].load, d;

				if (at[i].cpu != hi || q(lv) <= 0 || q(lv) >= q(gap))
					continue;
				d = fabs(gap / 2 - lv);
				if (pick < 0 || q(d) < q(best_d)) {
					pick = (int)i;
					best_d = d;
				}
			}
			if (pick < 0)
				break;
			{
				double lv = vms[at[pick].vm].vcpus[at[pick].vcpu].load;

				(*moves)[n].vm = at[pick].vm;
				(*moves)[n].vcpu = at[pick].vcpu;
				(*moves)[n].from = hi;
				(*moves)[n].to = lo;
				(*moves)[n].load = lv;
				n++;
				h->load[hi] -= lv;
				h->load[lo] += lv;
				at[pick].cpu = lo;
			}
		}
	}
	*nmoves = n;
	rc = 0;
cleanup:
	if (rc < 0 || n == 0) {
		free(*moves);
		*moves = NULL;
	}
	free(at);
	free(h);
	return rc;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* Close @f (an open_memstream on *@buf, which fclose updates) and hand
 * the text to *@out. */
static int finish_stream(FILE *f, char **buf, char **out)
{
	if (fclose(f) != 0) {
		free(*buf);
		*buf = NULL;
		return -ENOMEM;
	}
	*out = *buf;
	return 0;
}

/* The pin map as text for `vcnctl pin`: one line per vCPU (VM, vCPU, host
 * CPUs, load), one per VM's emulator set, then per host CPU its core, cell,
 * summed load and the vCPUs on it. *@out malloc'd. Returns 0, -EINVAL
 * (bad loads or pins, as for vcn_pinning_place), -ENOMEM. */
int vcn_pinning_format(const struct vcn_topology *t, const struct vcn_pin_vm *vms, unsigned nvms, char **out)
{
	struct hoststate *h = NULL;
	char set[VCN_CPUSET_STRLEN];
	char *buf = NULL;
	size_t len = 0;
	unsigned i, j, k;
	FILE *f = NULL;
	int rc;

	*out = NULL;
	h = malloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	rc = load_state(t, NULL, vms, nvms, h);
	if (rc < 0)
		goto cleanup;
	rc = -ENOMEM;
	f = open_memstream(&buf, &len);
	if (!f)
		goto cleanup;
	fprintf(f, "%-20s %-9s %-5s %-12s %s\n", "VM", "STRATEGY", "VCPU", "CPUS", "LOAD");
	for (i = 0; i < nvms; i++) {
		for (j = 0; j < vms[i].nvcpus; j++) {
			if (vcn_cpuset_empty(&vms[i].vcpus[j].cpus))
				snprintf(set, sizeof(set), "*");
			else
				vcn_cpuset_format(&vms[i].vcpus[j].cpus, set, sizeof(set));
			fprintf(f, "%-20s %-9s %-5u %-12s %.2f\n", vm_name(&vms[i]), shown_strategy(&vms[i]), j, set,
				vms[i].vcpus[j].load);
		}
		if (vcn_cpuset_empty(&vms[i].emulator))
			snprintf(set, sizeof(set), "*");
		else
			vcn_cpuset_format(&vms[i].emulator, set, sizeof(set));
		fprintf(f, "%-20s %-9s %-5s %s\n", vm_name(&vms[i]), shown_strategy(&vms[i]), "emu", set);
	}
	fprintf(f, "\n%-5s %-5s %-5s %-6s %s\n", "CPU", "CORE", "CELL", "LOAD", "VCPUS");
	for (k = 0; k < t->ncpus; k++) {
		const struct vcn_topo_cpu *c = &t->cpus[k];
		bool first = true;

		fprintf(f, "%-5d %-5d %-5d %-6.2f ", c->id, c->core, c->cell, h->load[c->id]);
		for (i = 0; i < nvms; i++) {
			for (j = 0; j < vms[i].nvcpus; j++) {
				struct vcn_cpuset s = vcpu_cpus(t, &vms[i].vcpus[j]);

				if (!vcn_cpuset_has(&s, c->id))
					continue;
				fprintf(f, "%s%s/%u", first ? "" : ",", vm_name(&vms[i]), j);
				first = false;
			}
		}
		fprintf(f, "%s\n", first ? "-" : "");
	}
	rc = finish_stream(f, &buf, out);
	f = NULL;
cleanup:
	if (f) {
		fclose(f);
		free(buf);
	}
	free(h);
	return rc;
}

/* The pin map as one JSON object (for `vcnctl pin --json` and the audit
 * log): {"vms":[{"name","strategy","vcpus":[{"vcpu","cpus","load"}],
 * "emulator"}],"cpus":[{"cpu","core","cell","load"}]}; CPU sets in
 * libvirt's list syntax, "" when unpinned. Returns as vcn_pinning_format. */
int vcn_pinning_format_json(const struct vcn_topology *t, const struct vcn_pin_vm *vms,
			    unsigned nvms, char **out)
{
	struct hoststate *h = NULL;
	char set[VCN_CPUSET_STRLEN];
	char *buf = NULL;
	size_t len = 0;
	unsigned i, j, k;
	FILE *f = NULL;
	int rc;

	*out = NULL;
	h = malloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	rc = load_state(t, NULL, vms, nvms, h);
	if (rc < 0)
		goto cleanup;
	rc = -ENOMEM;
	f = open_memstream(&buf, &len);
	if (!f)
		goto cleanup;
	fputs("{\"vms\":[", f);
	for (i = 0; i < nvms; i++) {
		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		json_str(f, vm_name(&vms[i]));
		fputs(",\"strategy\":", f);
		json_str(f, shown_strategy(&vms[i]));
		fputs(",\"vcpus\":[", f);
		for (j = 0; j < vms[i].nvcpus; j++) {
			vcn_cpuset_format(&vms[i].vcpus[j].cpus, set, sizeof(set));
			fprintf(f, "%s{\"vcpu\":%u,\"cpus\":\"%s\",\"load\":%.3f}", j ? "," : "", j, set,
				vms[i].vcpus[j].load);
		}
		vcn_cpuset_format(&vms[i].emulator, set, sizeof(set));
		fprintf(f, "],\"emulator\":\"%s\"}", set);
	}
	fputs("],\"cpus\":[", f);
	for (k = 0; k < t->ncpus; k++) {
		const struct vcn_topo_cpu *c = &t->cpus[k];

		fprintf(f, "%s{\"cpu\":%d,\"core\":%d,\"cell\":%d,\"load\":%.3f}", k ? "," : "", c->id, c->core,
			c->cell, h->load[c->id]);
	}
	fputs("]}\n", f);
	rc = finish_stream(f, &buf, out);
	f = NULL;
cleanup:
	if (f) {
		fclose(f);
		free(buf);
	}
	free(h);
	return rc;
}
