/* vcn: every running domain's counters in one libvirt round trip
 * (virConnectGetAllDomainStats), parsed into struct vcn_vmsample. */
#ifndef VCN_DOMSTATS_H
#define VCN_DOMSTATS_H

#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

#include "vmsample.h"

/* One-time warnings already given (vcn_domstats.warned). */
enum {
	VCN_DOMSTATS_WARNED_VCPUS = 1u << 0,
	VCN_DOMSTATS_WARNED_DISKS = 1u << 1,
	VCN_DOMSTATS_WARNED_NICS  = 1u << 2,
	VCN_DOMSTATS_WARNED_TYPE  = 1u << 3, /* a known field with an unexpected type */
};

/* The result of one sampling pass, reused from one interval to the next so
 * that a steady set of domains costs no allocation. Zero-initialise it (or
 * call vcn_domstats_init) before the first use. */
struct vcn_domstats {
	struct vcn_vmsample *vms;  /* vms[0..n-1]: one per running domain */
	size_t n;
	size_t cap;                /* allocated entries of vms */
	unsigned warned;           /* VCN_DOMSTATS_WARNED_* */
	int last_rc;               /* rc of the previous sample: repeats are not logged */
	int no_nowait;             /* the server refused ..._STATS_NOWAIT */
};

/* Physical host facts for overcommit and capacity (virNodeGetInfo). */
struct vcn_hostinfo {
	unsigned pcpus;            /* active logical CPUs */
	unsigned mhz;
	unsigned nodes, sockets, cores, threads;
	uint64_t memory_kib;
	char model[32];
};

void vcn_domstats_init(struct vcn_domstats *ds);
void vcn_domstats_free(struct vcn_domstats *ds);
int vcn_domstats_sample(virConnectPtr conn, struct vcn_domstats *ds);
int vcn_domstats_parse(const virTypedParameter *params, int nparams,
		       struct vcn_vmsample *s, unsigned *warned);
int vcn_domstats_hostinfo(virConnectPtr conn, struct vcn_hostinfo *hi);

#endif
