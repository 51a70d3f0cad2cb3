/* Per-counter rates for cumulative counters (libvirt cpu.time, block.N.rd.bytes,
 * net.N.rx.pkts, cgroup cpuacct.usage, tap statistics...).
 *
 * Decisions, in one place:
 * - First sample: it only sets the baseline (-EAGAIN).  A rate needs two.
 * - Counter goes down: on a 64-bit counter this is a reset (the VM was
 *   restarted, the device re-plugged, the cgroup recreated), never a wrap -
 *   a 64-bit byte or nanosecond counter takes centuries to wrap.  We
 *   re-baseline on the new value and report no rate (-ESTALE) rather than
 *   invent a huge one from 2^64 - old + new.
 * - On a counter declared 32 bits wide (e.g. 32-bit tap statistics), a
 *   decrease is taken as one wrap when the wrapped distance is less than half
 *   the range (2^31), and as a reset otherwise.  A reset just after the old
 *   value came close to 2^32 is then misread as a wrap: the rate is bounded by
 *   2^31 per interval, and that is the usual trade-off (SNMP, RRDtool do the
 *   same).
 * - Missing sample (the source did not return the field this time): the
 *   baseline is kept (-ENODATA), so the next present sample yields the average
 *   rate over the whole gap - correct for a cumulative counter.
 * - Time does not advance (dt == 0, a duplicate sample): the sample is
 *   ignored, baseline kept (-ERANGE).  Time goes backwards (mixed clocks, a
 *   caller bug with CLOCK_MONOTONIC): re-baseline on the new sample so the
 *   next one works again (-ERANGE).
 * - A value wider than the declared width: ignored (-EOVERFLOW).
 * Nothing here logs: a sampler calls this thousands of times per interval,
 * and the return code says everything.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "rate.h"

/* Start @c with no baseline, for a counter @width_bits wide (32 or 64; any
 * other value, including 0, means 64). */
void vcn_counter_init(struct vcn_counter *c, unsigned width_bits)
{
	memset(c, 0, sizeof(*c));
	c->width = width_bits == 32 ? 32 : 64;
}

/* Drop the baseline of @c (e.g. the domain was restarted and its id changed),
 * keeping its width and reset count; the next sample starts afresh. */
void vcn_counter_forget(struct vcn_counter *c)
{
	c->valid = false;
	c->value = 0;
	c->t_ns = 0;
}

/* The sample of @c's field was absent this time: keep the baseline.
 * Returns -ENODATA, so callers can write `rc = vcn_counter_missing(c)`. */
int vcn_counter_missing(struct vcn_counter *c)
{
	(void)c;
	return -ENODATA;
}

/* Feed @value sampled at @t_ns (CLOCK_MONOTONIC) into @c.  On success stores
 * the increase since the baseline in @delta and the elapsed time in @dt_ns
 * (both may be NULL), moves the baseline to this sample and returns 0.
 * Otherwise returns, with @delta and @dt_ns untouched:
 *   -EAGAIN    no baseline yet; this sample is the baseline now
 *   -ESTALE    the counter went backwards (not a wrap): re-baselined here
 *   -ERANGE    dt == 0 (sample ignored) or dt < 0 (re-baselined here)
 *   -EOVERFLOW @value does not fit the counter's width (sample ignored)
 * See the top of this file for why. */
int vcn_counter_delta(struct vcn_counter *c, uint64_t value, uint64_t t_ns,
		      uint64_t *delta, uint64_t *dt_ns)
{
	uint64_t d;

	if (c->width == 32 && value > UINT32_MAX)
		return -EOVERFLOW;
	if (!c->valid) {
		c->valid = true;
		c->value = value;
		c->t_ns = t_ns;
		return -EAGAIN;
	}
	if (t_ns == c->t_ns)
		return -ERANGE;
	if (t_ns < c->t_ns) {
		c->value = value;
		c->t_ns = t_ns;
		return -ERANGE;
	}
	if (value >= c->value) {
		d = value - c->value;
	} else if (c->width == 32 && (UINT32_MAX - c->value) + value + 1 < (UINT64_C(1) << 31)) {
		d = (UINT32_MAX - c->value) + value + 1;
	} else {
		c->resets++;
		c->value = value;
		c->t_ns = t_ns;
		return -ESTALE;
	}
	if (delta)
		*delta = d;
	if (dt_ns)
		*dt_ns = t_ns - c->t_ns;
	c->value = value;
	c->t_ns = t_ns;
	return 0;
}

/* Like vcn_counter_delta(), but stores the increase per second in @per_sec
 * (may be NULL).  Returns 0 or the same negative codes; @per_sec is only
 * written on success. */
int vcn_counter_update(struct vcn_counter *c, uint64_t value, uint64_t t_ns, double *per_sec)
{
	uint64_t d = 0, dt = 0;
	int rc;

	rc = vcn_counter_delta(c, value, t_ns, &d, &dt);
	if (rc == 0 && per_sec)
		*per_sec = (double)d * 1e9 / (double)dt;
	return rc;
}
