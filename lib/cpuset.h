/* vcn: a set of host CPU numbers (what libvirt writes as "0-3,8,10-11"). */
#ifndef VCN_CPUSET_H
#define VCN_CPUSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VCN_CPUSET_MAX 1024 /* CPU ids 0..1023 */

struct vcn_cpuset {
	uint64_t bits[VCN_CPUSET_MAX / 64];
};

/* Longest rendering we produce for sets we build; vcn_cpuset_format reports
 * -ENOSPC for anything longer. */
#define VCN_CPUSET_STRLEN 256

void vcn_cpuset_zero(struct vcn_cpuset *s);
bool vcn_cpuset_add(struct vcn_cpuset *s, int cpu);
void vcn_cpuset_del(struct vcn_cpuset *s, int cpu);
bool vcn_cpuset_has(const struct vcn_cpuset *s, int cpu);
unsigned vcn_cpuset_count(const struct vcn_cpuset *s);
bool vcn_cpuset_empty(const struct vcn_cpuset *s);
int vcn_cpuset_first(const struct vcn_cpuset *s);
int vcn_cpuset_next(const struct vcn_cpuset *s, int after);
void vcn_cpuset_or(struct vcn_cpuset *dst, const struct vcn_cpuset *src);
bool vcn_cpuset_equal(const struct vcn_cpuset *a, const struct vcn_cpuset *b);
int vcn_cpuset_parse(const char *s, struct vcn_cpuset *out);
int vcn_cpuset_format(const struct vcn_cpuset *s, char *buf, size_t size);

#define VCN_CPUSET_FOREACH(cpu, set) \
	for ((cpu) = vcn_cpuset_first(set); (cpu) >= 0; (cpu) = vcn_cpuset_next((set), (cpu)))

#endif
