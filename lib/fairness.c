/* Jain's fairness index, R. Jain, D. Chiu, W. Hawe, "A Quantitative Measure of
 * Fairness and Discrimination for Resource Allocation in Shared Computer
 * Systems", DEC-TR-301, 1984:
 *
 *     x_i = usage_i / entitlement_i,   J = (sum x_i)^2 / (n * sum x_i^2)
 *
 * J is 1 when every consumer gets the same fraction of its entitlement and
 * 1/n when one consumer gets everything.  It is scale-free, so entitlements
 * may be absolute (CPU-seconds/s) or relative weights (vCPU counts).
 *
 * Only consumers that want more are counted: a VM idling below its share is
 * not treated unfairly by getting little, and counting it would make an idle
 * host look unfair.  The caller decides who contends (see
 * vcn_fair_wants_more() for the default rule; lib/vmmetrics.c for the
 * per-resource contention signals).  Nothing here is specific to a resource:
 * the controller uses the same code for VOs and rebalancing.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "fairness.h"
#include "log.h"

/* Jain's index over the entries of @c[0..@n) whose 'contending' flag is set.
 * Fills @out (index, how many were counted, and the least and most served
 * consumer by usage/entitlement, as indices into @c).  With no contending
 * consumer the index is defined as 1.0: nobody wants more, so nobody is
 * treated unfairly.  If all contending consumers used nothing the index is
 * also 1.0 (all equal).
 * Returns 0, or -EINVAL (logged, @out untouched) when @c is NULL with n > 0,
 * or a contending consumer has a negative or non-finite usage or a
 * non-positive or non-finite entitlement.  Non-contending entries are not
 * looked at. */
int vcn_fairness_jain(const struct vcn_fair_consumer *c, size_t n, struct vcn_fairness *out)
{
	struct vcn_fairness r = { .index = 1.0, .i_min = SIZE_MAX, .i_max = SIZE_MAX };
	double sum = 0, sum2 = 0, x;
	size_t i;

	if (!c && n > 0) {
		vcn_err("fairness: no consumers given for n=%zu", n);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (!c[i].contending)
			continue;
		if (!isfinite(c[i].usage) || c[i].usage < 0) {
			vcn_err("fairness: consumer %zu has invalid usage '%g'", i, c[i].usage);
			return -EINVAL;
		}
		if (!isfinite(c[i].entitlement) || c[i].entitlement <= 0) {
			vcn_err("fairness: consumer %zu has invalid entitlement '%g'", i,
				c[i].entitlement);
			return -EINVAL;
		}
		x = c[i].usage / c[i].entitlement;
		if (r.n == 0 || x < r.x_min) {
			r.x_min = x;
			r.i_min = i;
		}
		if (r.n == 0 || x > r.x_max) {
			r.x_max = x;
			r.i_max = i;
		}
		sum += x;
		sum2 += x * x;
		r.n++;
	}
	if (r.n > 0 && sum2 > 0)
		r.index = (sum * sum) / ((double)r.n * sum2);
	/* rounding can push a perfectly fair set a hair above 1 */
	if (r.index > 1.0)
		r.index = 1.0;
	*out = r;
	return 0;
}

/* Split @capacity among @n consumers in proportion to @weight (e.g. vCPUs):
 * entitlement[i] = capacity * weight[i] / sum(weight).  Pass capacity 1 for
 * fractions.  Returns 0, or -EINVAL (logged) for a negative or non-finite
 * weight or capacity, or when all weights are 0 with n > 0. */
int vcn_fairness_entitle(const double *weight, size_t n, double capacity, double *entitlement)
{
	double total = 0;
	size_t i;

	if (!isfinite(capacity) || capacity < 0) {
		vcn_err("fairness: invalid capacity '%g'", capacity);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (!isfinite(weight[i]) || weight[i] < 0) {
			vcn_err("fairness: consumer %zu has invalid weight '%g'", i, weight[i]);
			return -EINVAL;
		}
		total += weight[i];
	}
	if (n > 0 && total <= 0) {
		vcn_err("fairness: all %zu weights are 0", n);
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		entitlement[i] = capacity * weight[i] / total;
	return 0;
}

/* The default "wants more" rule from issue 3: a consumer is left out of the
 * index only when it uses less than its entitlement AND shows no contention
 * signal (steal, queueing, drops...).  Using its full share or more counts as
 * wanting more (it would take more if it could); a contention signal counts
 * even below the share (it is being held back, e.g. by a neighbour's burst). */
bool vcn_fair_wants_more(double usage, double entitlement, bool contention)
{
	return contention || usage >= entitlement;
}
