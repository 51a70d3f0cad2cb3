/* vcn: rates from cumulative counters sampled at CLOCK_MONOTONIC instants. */
#ifndef VCN_RATE_H
#define VCN_RATE_H

#include <stdbool.h>
#include <stdint.h>

/* One monotonically increasing counter: the last accepted sample is the
 * baseline the next one is compared with.  Plain data: zero it or use
 * vcn_counter_init(); copy it freely; nothing to free. */
struct vcn_counter {
	uint64_t value;    /* baseline value */
	uint64_t t_ns;     /* baseline time */
	unsigned width;    /* counter width in bits: 32 or 64 (0 means 64) */
	bool valid;        /* a baseline exists */
	unsigned resets;   /* times the counter went backwards (diagnostic) */
};

void vcn_counter_init(struct vcn_counter *c, unsigned width_bits);
int vcn_counter_delta(struct vcn_counter *c, uint64_t value, uint64_t t_ns,
		      uint64_t *delta, uint64_t *dt_ns);
int vcn_counter_update(struct vcn_counter *c, uint64_t value, uint64_t t_ns, double *per_sec);
int vcn_counter_missing(struct vcn_counter *c);
void vcn_counter_forget(struct vcn_counter *c);

#endif
