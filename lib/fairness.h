/* vcn: Jain's fairness index over contending consumers of any resource. */
#ifndef VCN_FAIRNESS_H
#define VCN_FAIRNESS_H

#include <stdbool.h>
#include <stddef.h>

/* One consumer (a VM, a VO...) of one resource in one interval.  usage and
 * entitlement are in the same unit (CPU seconds per second, bytes/s, ...), or
 * entitlement is a relative weight: the index only looks at ratios. */
struct vcn_fair_consumer {
	double usage;       /* >= 0 */
	double entitlement; /* > 0 when contending */
	bool contending;    /* wants more than it gets; others are left out */
};

struct vcn_fairness {
	double index;   /* Jain's J in [1/n, 1]; 1.0 when n == 0 */
	size_t n;       /* contending consumers counted */
	double x_min;   /* smallest usage/entitlement among them (0 if n == 0) */
	double x_max;   /* largest */
	size_t i_min;   /* its index in the input array (SIZE_MAX if n == 0) */
	size_t i_max;
};

int vcn_fairness_jain(const struct vcn_fair_consumer *c, size_t n, struct vcn_fairness *out);
int vcn_fairness_entitle(const double *weight, size_t n, double capacity, double *entitlement);
bool vcn_fair_wants_more(double usage, double entitlement, bool contention);

#endif
