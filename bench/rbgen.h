/* bench/: a deterministic generator of cluster states for the planner
 * benchmarks (xorshift, so every libc gives the same numbers), and the
 * "move from the hottest host to the coolest" rule of OpenStack Watcher's
 * workload_balance strategy, as the peer the planner is compared with. */
#ifndef VCN_BENCH_RBGEN_H
#define VCN_BENCH_RBGEN_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rebalance.h"

static inline uint64_t rb_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static inline double rb_unif(uint64_t *s)
{
	return (double)(rb_rand(s) >> 11) / 9007199254740992.0;
}

/* Watcher's rule, one migration: the hottest host above the mean gives the
 * largest VM smaller than its excess (else its smallest) to the coolest host
 * that has the memory and stays under the load limit. Returns 1 when it
 * moved something, 0 when not. */
static inline int rb_hottest_to_coolest(struct vcn_rb_state *s, const struct vcn_rb_policy *p, double *load)
{
	size_t H = s->n_hosts, hot = SIZE_MAX, cool = SIZE_MAX, pick = SIZE_MAX;
	double mean = 0, excess;
	uint64_t mem_cool = 0;
	size_t n = 0;

	memset(load, 0, H * sizeof(*load));
	for (size_t v = 0; v < s->n_vms; v++)
		load[s->vms[v].host] += s->vms[v].demand;
	for (size_t h = 0; h < H; h++) {
		if (!s->hosts[h].known)
			continue;
		mean += load[h] / s->hosts[h].cpus;
		n++;
		if (hot == SIZE_MAX || load[h] / s->hosts[h].cpus > load[hot] / s->hosts[hot].cpus)
			hot = h;
	}
	if (n == 0 || vcn_rb_imbalance(s, NULL) <= p->threshold)
		return 0;
	mean /= (double)n;
	excess = (load[hot] / s->hosts[hot].cpus - mean) * s->hosts[hot].cpus;
	for (size_t v = 0; v < s->n_vms; v++) {
		const struct vcn_rb_vm *vm = &s->vms[v];

		if (vm->host != hot || vm->held)
			continue;
		if (pick == SIZE_MAX ||
		    (vm->demand < excess && (s->vms[pick].demand >= excess || vm->demand > s->vms[pick].demand)) ||
		    (vm->demand >= excess && s->vms[pick].demand >= excess && vm->demand < s->vms[pick].demand))
			pick = v;
	}
	if (pick == SIZE_MAX)
		return 0;
	for (size_t h = 0; h < H; h++) {
		uint64_t used = 0;

		if (h == hot || !s->hosts[h].known)
			continue;
		for (size_t v = 0; v < s->n_vms; v++)
			if (s->vms[v].host == h)
				used += s->vms[v].mem_mib;
		if (used + s->vms[pick].mem_mib > s->hosts[h].mem_mib)
			continue;
		if (p->max_load > 0 && (load[h] + s->vms[pick].demand) / s->hosts[h].cpus > p->max_load)
			continue;
		if (cool == SIZE_MAX || load[h] / s->hosts[h].cpus < load[cool] / s->hosts[cool].cpus) {
			cool = h;
			mem_cool = used;
		}
	}
	(void)mem_cool;
	if (cool == SIZE_MAX)
		return 0;
	s->vms[pick].host = cool;
	return 1;
}

/* @H hosts (16/32/64 pCPUs), @V VMs in @vos VOs, placed so that a third of
 * the hosts carry about 60 % of the VMs (within memory). */
static inline int rb_generate(struct vcn_rb_state *s, size_t H, size_t V, unsigned vos, uint64_t seed)
{
	static const double cpus[3] = { 16, 32, 64 };
	uint64_t r = seed ? seed : 1, *used;

	memset(s, 0, sizeof(*s));
	used = calloc(H, sizeof(*used));
	if (!used)
		return -1;
	for (size_t h = 0; h < H; h++) {
		struct vcn_rb_host host = { "", cpus[h % 3], (uint64_t)cpus[h % 3] * 8192, true, false };

		snprintf(host.name, sizeof(host.name), "host%03zu", h);
		if (vcn_rb_state_add_host(s, &host) < 0)
			return -1;
	}
	for (size_t v = 0; v < V; v++) {
		struct vcn_rb_vm vm;
		double u = rb_unif(&r);

		memset(&vm, 0, sizeof(vm));
		snprintf(vm.name, sizeof(vm.name), "vcn%04zu", v);
		snprintf(vm.vo, sizeof(vm.vo), "vo%02u", (unsigned)(rb_rand(&r) % vos));
		vm.demand = 0.1 + 3.9 * u * u * u;                   /* most small, a few big */
		vm.mem_mib = 1024u << (rb_rand(&r) % 4);             /* 1..8 GiB */
		vm.dirty_mib_s = 50 * rb_unif(&r);
		for (int tries = 0; tries < 1000; tries++) {
			size_t h = rb_unif(&r) < 0.6 ? rb_rand(&r) % (H / 3 ? H / 3 : 1) : rb_rand(&r) % H;

			if (used[h] + vm.mem_mib <= s->hosts[h].mem_mib) {
				vm.host = h;
				used[h] += vm.mem_mib;
				break;
			}
		}
		if (vcn_rb_state_add_vm(s, &vm) < 0)
			return -1;
	}
	free(used);
	return 0;
}

#endif
