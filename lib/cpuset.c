/* Host CPU sets: a fixed bitmap (no allocation, copyable by assignment) and
 * the list syntax libvirt and the kernel use ("0-3,8"). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cpuset.h"

/* Empty @s. */
void vcn_cpuset_zero(struct vcn_cpuset *s)
{
	memset(s, 0, sizeof(*s));
}

/* Add @cpu to @s; false (set unchanged) when @cpu is outside 0..VCN_CPUSET_MAX-1. */
bool vcn_cpuset_add(struct vcn_cpuset *s, int cpu)
{
	if (cpu < 0 || cpu >= VCN_CPUSET_MAX)
		return false;
	s->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
	return true;
}

/* Remove @cpu from @s (no-op when absent or out of range). */
void vcn_cpuset_del(struct vcn_cpuset *s, int cpu)
{
	if (cpu >= 0 && cpu < VCN_CPUSET_MAX)
		s->bits[cpu / 64] &= ~(UINT64_C(1) << (cpu % 64));
}

/* Whether @cpu is in @s. */
bool vcn_cpuset_has(const struct vcn_cpuset *s, int cpu)
{
	return cpu >= 0 && cpu < VCN_CPUSET_MAX && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

/* Number of CPUs in @s. */
unsigned vcn_cpuset_count(const struct vcn_cpuset *s)
{
	unsigned i, n = 0;

	for (i = 0; i < VCN_CPUSET_MAX / 64; i++)
		n += (unsigned)__builtin_popcountll(s->bits[i]);
	return n;
}

/* Whether @s has no CPU. */
bool vcn_cpuset_empty(const struct vcn_cpuset *s)
{
	return vcn_cpuset_first(s) < 0;
}

/* Lowest CPU in @s, or -1 when empty. */
int vcn_cpuset_first(const struct vcn_cpuset *s)
{
	return vcn_cpuset_next(s, -1);
}

/* Lowest CPU in @s above @after, or -1 when there is none. */
int vcn_cpuset_next(const struct vcn_cpuset *s, int after)
{
	int cpu;

	for (cpu = after + 1; cpu < VCN_CPUSET_MAX; cpu++) {
		if (cpu % 64 == 0 && s->bits[cpu / 64] == 0) {
			cpu += 63;
			continue;
		}
		if (vcn_cpuset_has(s, cpu))
			return cpu;
	}
	return -1;
}

/* @dst |= @src. */
void vcn_cpuset_or(struct vcn_cpuset *dst, const struct vcn_cpuset *src)
{
	unsigned i;

	for (i = 0; i < VCN_CPUSET_MAX / 64; i++)
		dst->bits[i] |= src->bits[i];
}

/* Whether @a and @b hold the same CPUs. */
bool vcn_cpuset_equal(const struct vcn_cpuset *a, const struct vcn_cpuset *b)
{
	return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

static int parse_num(const char **p, int *out)
{
	long v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s - '0');
		if (v >= VCN_CPUSET_MAX)
			return -ERANGE;
		s++;
	}
	*p = s;
	*out = (int)v;
	return 0;
}

/* Parse a CPU list such as "0-3,8,^2" (libvirt's syntax: ranges, commas,
 * '^' excludes) into @out. Returns 0, -EINVAL for garbage or an empty
 * result, -ERANGE for a CPU >= VCN_CPUSET_MAX. Logs nothing: the caller
 * knows where the string came from. */
int vcn_cpuset_parse(const char *s, struct vcn_cpuset *out)
{
	struct vcn_cpuset set, excl;
	const char *p = s;
	int a, b, c, rc;
	bool neg;

	vcn_cpuset_zero(&set);
	vcn_cpuset_zero(&excl);
	if (!s || !*s)
		return -EINVAL;
	for (;;) {
		neg = *p == '^';
		if (neg)
			p++;
		rc = parse_num(&p, &a);
		if (rc < 0)
			return rc;
		b = a;
		if (*p == '-') {
			if (neg)
				return -EINVAL;
			p++;
			rc = parse_num(&p, &b);
			if (rc < 0)
				return rc;
			if (b < a)
				return -EINVAL;
		}
		for (c = a; c <= b; c++)
			vcn_cpuset_add(neg ? &excl : &set, c);
		if (*p == '\0')
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
	for (c = 0; c < VCN_CPUSET_MAX / 64; c++)
		set.bits[c] &= ~excl.bits[c];
	if (vcn_cpuset_empty(&set))
		return -EINVAL;
	*out = set;
	return 0;
}

/* Render @s as "0-3,8" into @buf (size @size; "" for an empty set). Returns
 * the length, or -ENOSPC when it does not fit. */
int vcn_cpuset_format(const struct vcn_cpuset *s, char *buf, size_t size)
{
	size_t len = 0;
	int a, b, n;

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (a = vcn_cpuset_first(s); a >= 0; a = vcn_cpuset_next(s, b)) {
		b = a;
		while (vcn_cpuset_has(s, b + 1))
			b++;
		if (b == a)
			n = snprintf(buf + len, size - len, "%s%d", len ? "," : "", a);
		else
			n = snprintf(buf + len, size - len, "%s%d-%d", len ? "," : "", a, b);
		if (n < 0 || (size_t)n >= size - len) {
			buf[0] = '\0';
			return -ENOSPC;
		}
		len += (size_t)n;
	}
	return (int)len;
}
