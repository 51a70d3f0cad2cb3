/* vcn: the rebalancing planner. Hosts' normalised load (sum of their VMs'
 * CPU demand / pCPUs) and its standard deviation across the hosts whose data
 * is fresh; above a threshold, migrations chosen greedily by how much each
 * lowers that deviation minus its cost, at most K per round, within memory
 * and load capacity and a VO's spread. Draining hosts are emptied first.
 * Pure computation: vcnd builds the state from libvirt and Ganglia. */
#ifndef VCN_REBALANCE_H
#define VCN_REBALANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VCN_RB_NAME 64

struct vcn_rb_host {
	char name[VCN_RB_NAME];
	double cpus;       /* capacity in pCPUs (> 0) */
	uint64_t mem_mib;  /* capacity */
	bool known;        /* fresh data; an unknown host is neither source nor target */
	bool drain;        /* to be emptied; not a target */
};

struct vcn_rb_vm {
	char name[VCN_RB_NAME], vo[VCN_RB_NAME];
	size_t host;          /* index into hosts */
	double demand;        /* CPUs it uses, smoothed */
	uint64_t mem_mib;     /* memory to copy */
	double dirty_mib_s;   /* recent dirty rate */
	bool held;            /* moved recently (hysteresis) or migrating: stays */
};

struct vcn_rb_state {
	struct vcn_rb_host *hosts;
	size_t n_hosts;
	struct vcn_rb_vm *vms;
	size_t n_vms;
};

struct vcn_rb_policy {
	double threshold;   /* plan when the deviation exceeds it; stop at or below */
	unsigned k;         /* migrations per round */
	/* gains are in n * deviation^2 (n usable hosts); costs in the same unit */
	double cost_mem;    /* cost per GiB of memory to copy */
	double cost_dirty;  /* cost per MiB/s dirtied */
	double cost_load;   /* cost per CPU of the VM's own demand */
	double min_gain;    /* net benefit below which a move is not worth it */
	double max_load;    /* a target's normalised load after a move; 0: no limit */
	bool anti_affinity; /* never concentrate a VO's VCNs beyond an even spread */
};

struct vcn_rb_move {
	size_t vm, from, to;
	double gain, cost;  /* squared deviation (summed over hosts) removed; the move's cost */
	bool drain;
};

struct vcn_rb_plan {
	struct vcn_rb_move *moves;
	size_t n_moves;
	double before, after; /* deviation before and expected after */
	size_t stuck;         /* VMs on draining hosts with nowhere to go */
};

/* May @vm go to host @to? (failed pairs not retried for a while) */
typedef bool (*vcn_rb_allow_fn)(void *opaque, const struct vcn_rb_state *s, size_t vm, size_t to);

void vcn_rb_policy_default(struct vcn_rb_policy *p);
double vcn_rb_imbalance(const struct vcn_rb_state *s, const size_t *placement);
int vcn_rb_plan(const struct vcn_rb_state *s, const struct vcn_rb_policy *p, vcn_rb_allow_fn allow, void *opaque,
		struct vcn_rb_plan *out);
void vcn_rb_plan_clear(struct vcn_rb_plan *plan);
int vcn_rb_min_moves(const struct vcn_rb_state *s, const struct vcn_rb_policy *p, unsigned max_moves,
		     unsigned *moves, double *after);

int vcn_rb_state_parse(const char *text, const char *file, struct vcn_rb_state *s);
void vcn_rb_state_clear(struct vcn_rb_state *s);
int vcn_rb_state_add_host(struct vcn_rb_state *s, const struct vcn_rb_host *h);
int vcn_rb_state_add_vm(struct vcn_rb_state *s, const struct vcn_rb_vm *v);
int vcn_rb_plan_format(const struct vcn_rb_state *s, const struct vcn_rb_policy *p, const struct vcn_rb_plan *plan,
		       char **out);
int vcn_rb_apply(struct vcn_rb_state *s, const struct vcn_rb_plan *plan);

#endif
