/* vcn: the VCN-count policy of one VO. From a demand (jobs waiting for a
 * slot) and the VO's VCNs, decide how many to add and which idle ones to
 * remove: min/max, jobs per VCN, steps, a cooldown after every action,
 * and an idle period before a VCN may go. Pure: vcnd supplies the clock. */
#ifndef VCN_AUTOSCALE_H
#define VCN_AUTOSCALE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vcn_as_policy {
	unsigned min, max;
	double jobs_per_vcn;
	unsigned step_up, step_down;
	uint64_t cooldown_ms;
	double idle_threshold;        /* CPU use (fraction of its vCPUs) below which a VCN is idle */
	uint64_t idle_period_ms;      /* idle this long before it may be removed */
	uint64_t shutdown_timeout_ms; /* guest shutdown, then destroy */
};

struct vcn_as_vcn {
	char name[64];
	bool ready;
	uint64_t idle_since_ms; /* 0: busy (or not yet measured) */
};

struct vcn_as_state {
	bool acted;
	uint64_t last_action_ms;
};

struct vcn_as_decision {
	unsigned ideal;   /* ceil(demand / jobs per VCN), within min..max */
	unsigned target;  /* count after this decision */
	unsigned add;
	size_t *remove;   /* indices into the VCN array, longest idle first */
	size_t n_remove;
	const char *why;  /* static string */
};

void vcn_as_policy_default(struct vcn_as_policy *p);
int vcn_as_policy_check(const struct vcn_as_policy *p, const char **why);
unsigned vcn_as_ideal(const struct vcn_as_policy *p, double demand);
void vcn_as_track(const struct vcn_as_policy *p, struct vcn_as_vcn *v, double load, uint64_t now_ms);
int vcn_as_decide(const struct vcn_as_policy *p, struct vcn_as_state *st, double demand,
		  const struct vcn_as_vcn *vcns, size_t n, uint64_t now_ms, struct vcn_as_decision *d);
void vcn_as_decision_clear(struct vcn_as_decision *d);

/* --- trace replay: the policy against a model of boot and jobs --------- */

struct vcn_as_sim {
	double tick_s;     /* control interval */
	double boot_s;     /* create to ready */
	double end_s;      /* replay until */
	unsigned initial;  /* VCNs ready at 0 */
	/* optional: called every tick (plots) */
	void (*tick)(void *opaque, double t, double demand, unsigned ideal, unsigned live, unsigned ready,
		     unsigned busy);
	void *opaque;
};

struct vcn_as_result {
	double time_to_target_s[8]; /* per change of the ideal: up, until that many are ready;
				     * down, until no more are left (-1: never) */
	unsigned n_changes;
	double overshoot_max;     /* most VCNs above the ideal after a step up */
	double idle_vcn_min;      /* ready VCNs without work, integrated */
	unsigned actions;         /* decisions that added or removed */
	unsigned ideal_actions;   /* what the noise-free ideal needs with the policy's steps */
	unsigned final_running;
};

int vcn_as_trace_parse(const char *text, const char *file, double **t_s, double **demand, double **clean,
		       size_t *n);
int vcn_as_replay(const struct vcn_as_policy *p, const struct vcn_as_sim *sim, const double *t_s,
		  const double *demand, const double *clean, size_t n, struct vcn_as_result *r, char **log);

#endif
