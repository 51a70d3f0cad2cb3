/* vcn: vCPU placement on a host's topology (spread, pack, dedicated),
 * emulator-thread pins, and load-driven re-pinning with hysteresis. */
#ifndef VCN_PINNING_H
#define VCN_PINNING_H

#include "cpuset.h"
#include "topology.h"

enum vcn_pin_strategy {
	VCN_PIN_SPREAD,    /* balance expected load over physical cores, one cell if it fits */
	VCN_PIN_PACK,      /* fill cores in order, siblings and one cell together */
	VCN_PIN_DEDICATED, /* 1:1 on CPUs no other vCPU uses; refused when it would overcommit */
	VCN_PIN_LAST
};

const char *vcn_pin_strategy_name(enum vcn_pin_strategy s);
int vcn_pin_strategy_parse(const char *s, enum vcn_pin_strategy *out);

struct vcn_pin_vcpu {
	struct vcn_cpuset cpus; /* host CPUs it may run on; empty: unpinned (all) */
	double load;            /* measured (or, for a new VM, expected) busy fraction 0..1 */
};

/* One VM's placement: input (VMs already on the host) and output of
 * vcn_pinning_place. */
struct vcn_pin_vm {
	const char *name;       /* borrowed */
	enum vcn_pin_strategy strategy;
	unsigned nvcpus;
	struct vcn_pin_vcpu *vcpus; /* nvcpus entries */
	struct vcn_cpuset emulator; /* emulator threads; empty: not pinned */
};

struct vcn_pin_request {
	const char *name;       /* borrowed into the result */
	unsigned nvcpus;        /* >= 1 */
	enum vcn_pin_strategy strategy;
	double load;            /* expected busy fraction per vCPU, 0..1; 0 means 1 (assume busy) */
};

int vcn_pinning_place(const struct vcn_topology *t, const struct vcn_cpuset *reserved,
		      const struct vcn_pin_vm *vms, unsigned nvms, const struct vcn_pin_request *req,
		      struct vcn_pin_vm *out);
void vcn_pin_vm_clear(struct vcn_pin_vm *vm);

/* One proposed re-pin: vms[vm].vcpus[vcpu] from host CPU @from to @to. */
struct vcn_pin_move {
	unsigned vm, vcpu;
	int from, to;
	double load;
};

struct vcn_rebalance_opts {
	double threshold;   /* act when max-min CPU load in a cell exceeds it; 0: 0.5 */
	unsigned max_moves; /* per call; 0: 2 */
};

int vcn_pinning_rebalance(const struct vcn_topology *t, const struct vcn_cpuset *reserved,
			  const struct vcn_pin_vm *vms, unsigned nvms,
			  const struct vcn_rebalance_opts *opts, struct vcn_pin_move **moves,
			  unsigned *nmoves);

int vcn_pinning_format(const struct vcn_topology *t, const struct vcn_pin_vm *vms, unsigned nvms,
		       char **out);
int vcn_pinning_format_json(const struct vcn_topology *t, const struct vcn_pin_vm *vms,
			    unsigned nvms, char **out);

#endif
