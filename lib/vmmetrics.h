/* vcn: Ganglia values from two consecutive samples of one VM, and host
 * aggregates (VMs, vCPUs, overcommit, worst steal, fairness) over all VMs. */
#ifndef VCN_VMMETRICS_H
#define VCN_VMMETRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "vmsample.h"

/* Every double below is NAN when unknown (first sample, field missing in
 * either sample, counter reset): send nothing for it rather than a 0. */

struct vcn_vcpu_metrics {
	double util_pct;   /* vcpu.N.time per wall second, percent of one CPU */
	double steal_pct;  /* vcpu.N.delay per wall second, percent */
};

struct vcn_disk_metrics {
	char name[VCN_VMSAMPLE_DEV_MAX];
	double rd_bytes_s, wr_bytes_s;
	double rd_ops_s, wr_ops_s, fl_ops_s;
	double rd_ms_op, wr_ms_op, fl_ms_op; /* delta times / delta reqs; 0 with no ops */
};

struct vcn_nic_metrics {
	char name[VCN_VMSAMPLE_DEV_MAX];
	double bytes_in, bytes_out;  /* in = received by the guest */
	double pkts_in, pkts_out;
	double errs_in, errs_out;
	double drops_in, drops_out;
};

struct vcn_vmmetrics {
	char name[VCN_VMSAMPLE_NAME_MAX];
	uint8_t uuid[VCN_UUID_LEN];
	enum vcn_vm_state state;
	double dt_s;          /* seconds between the samples; NAN without prev */
	bool restarted;       /* domain id changed: every rate is unknown */

	unsigned cpu_num;     /* vCPUs (the capacity base), 0 if unknown */
	double cpu_user;      /* percent of cpu_num x dt */
	double cpu_system;
	double cpu_wio;       /* vCPU threads waiting on I/O (vcpu.N.wait) */
	double cpu_steal;     /* vCPUs runnable but not running (vcpu.N.delay) */
	double cpu_idle;      /* 100 - user - system - steal, clamped to 0..100 */
	double cpu_used;      /* CPUs used: cpu.time per second (all qemu threads) */
	double mem_total_kib; /* balloon current */
	double rss_kib;

	unsigned nvcpus;
	struct vcn_vcpu_metrics vcpu[VCN_VMSAMPLE_MAX_VCPUS];
	unsigned ndisks;      /* devices of the current sample, same order */
	struct vcn_disk_metrics disk[VCN_VMSAMPLE_MAX_DISKS];
	struct vcn_disk_metrics disk_sum;  /* name "total"; ms/op weighted by ops */
	unsigned nnics;
	struct vcn_nic_metrics nic[VCN_VMSAMPLE_MAX_NICS];
	struct vcn_nic_metrics nic_sum;    /* name "total" */

	/* Set by the caller, not by vcn_vmmetrics_compute() (which zeroes them):
	 * throttles in force (bytes/s, 0 = none), for the "at cap" contention rule */
	double disk_cap_bytes_s;
	double net_cap_bytes_s;
};

/* When a VM counts as contending for a resource (see vmmetrics.c). */
struct vcn_contention_rules {
	double cpu_steal_pct;      /* steal above this: held back on CPU */
	double disk_ms_op;         /* read or write latency above this */
	double cap_fraction;       /* usage >= this x the cap in force */
	double net_drops_s;        /* drops per second above this */
};

struct vcn_hostmetrics {
	unsigned vms_running;
	unsigned vcpus_allocated;  /* over running VMs */
	unsigned pcpus;
	double overcommit;         /* vcpus_allocated / pcpus */
	double worst_steal;        /* highest cpu_steal of a running VM, NAN if none known */
	char worst_steal_vm[VCN_VMSAMPLE_NAME_MAX];
	double fair_cpu, fair_disk, fair_net;        /* Jain's index, 1.0 with no contender */
	unsigned contend_cpu, contend_disk, contend_net; /* VMs counted in each */
};

void vcn_vmmetrics_init(struct vcn_vmmetrics *m);
int vcn_vmmetrics_compute(const struct vcn_vmsample *prev, const struct vcn_vmsample *cur,
			  struct vcn_vmmetrics *m);
void vcn_contention_rules_default(struct vcn_contention_rules *r);
bool vcn_vm_contends_cpu(const struct vcn_vmmetrics *m, const struct vcn_contention_rules *r,
			 double entitlement_cpus);
bool vcn_vm_contends_disk(const struct vcn_vmmetrics *m, const struct vcn_contention_rules *r);
bool vcn_vm_contends_net(const struct vcn_vmmetrics *m, const struct vcn_contention_rules *r);
int vcn_hostmetrics_compute(const struct vcn_vmmetrics *vms, size_t n, unsigned pcpus,
			    const struct vcn_contention_rules *rules, struct vcn_hostmetrics *h);

#endif
