/* vcn: the fairness controller. Pure and deterministic: per-VM usage of one
 * interval, policy and the limits in force in; a list of limit changes, each
 * with its reason, out. No libvirt here: lib/limits.c applies the actions. */
#ifndef VCN_FAIRCTL_H
#define VCN_FAIRCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmmetrics.h"
#include "vmsample.h"

/* CFS period used for every quota vcnd sets (µs) */
#define VCN_FAIRCTL_PERIOD_US 100000ULL
#define VCN_FAIRCTL_REASON_MAX 320

enum vcn_fair_resource {
	VCN_FAIR_CPU_SHARES,    /* value: shares (v1) or weight (v2) */
	VCN_FAIR_CPU_QUOTA,     /* value: global_quota µs per VCN_FAIRCTL_PERIOD_US, 0 = none */
	VCN_FAIR_DISK_IOTUNE,   /* value: total bytes/s on one disk, 0 = none */
	VCN_FAIR_NET_BANDWIDTH, /* value: bytes/s on one interface, 0 = none */
	VCN_FAIR_RESOURCE_LAST
};

const char *vcn_fair_resource_name(enum vcn_fair_resource r);

/* One VM's usage in one interval. NAN = unknown (the VM is then left out
 * for that resource). */
struct vcn_fairctl_vm {
	char name[VCN_VMSAMPLE_NAME_MAX];
	unsigned vcpus;
	double cpu_used;       /* CPUs (cpu.time per second) */
	double cpu_steal_pct;  /* run-queue delay, percent of vCPU capacity */
	double disk_bytes_s;   /* read + write, all disks */
	double disk_ms_op;     /* worst of read/write latency */
	char disk[VCN_VMSAMPLE_DEV_MAX]; /* disk to throttle (the busiest), "" none */
	double net_bytes_s;    /* in + out, all interfaces */
	double net_drops_s;
	char nic[VCN_VMSAMPLE_DEV_MAX];  /* interface (tap) to limit, "" none */
};

/* Per-VM policy from the rules file. */
struct vcn_fairctl_policy {
	double weight;          /* > 0: entitlement weight in vCPU units; <= 0: auto = vCPUs */
	double cpu_cap_cpus;    /* fixed cap in CPUs, 0 none */
	double disk_cap_bytes_s;/* fixed cap, 0 none */
	double net_cap_bytes_s; /* fixed cap, 0 none */
};

/* Limits in force on one VM (read back by lib/limits.c, or as last applied). */
struct vcn_vm_limits {
	uint64_t cpu_shares;     /* 0 unknown */
	uint64_t cpu_quota_us;   /* per VCN_FAIRCTL_PERIOD_US, 0 none */
	uint64_t disk_bytes_s;   /* 0 none */
	uint64_t net_bytes_s;    /* 0 none */
};

struct vcn_fairctl_conf {
	double target;            /* Jain's index to hold (0.95) */
	unsigned k_act;           /* consecutive intervals before acting (3) */
	unsigned k_relax;         /* consecutive intervals before relaxing (3) */
	unsigned hold;            /* intervals a limit stays before it changes again (10) */
	unsigned pcpus;           /* host CPUs, required */
	bool cgroup_v2;           /* shares are cpu.weight 1..10000 (base 100), else 2..262144 (base 1024) */
	double shares_tolerance;  /* relative difference that makes shares worth rewriting (0.05) */
	double over_fraction;     /* CPU: over its entitlement by this to be capped, under it to wait (0.10) */
	double cap_headroom;      /* caps = fair share x (1 + this) (0.05) */
	double hog_factor;        /* disk/net: usage share > entitled share x this (1.5) */
	double disk_active_bytes_s; /* disk: a VM moving this much wants disk (1 MiB/s) */
	double net_active_bytes_s;  /* net: idem (128 KiB/s) */
	double disk_min_bytes_s;  /* never cap below (1 MiB/s) */
	double net_min_bytes_s;   /* idem (128 KiB/s) */
	struct vcn_contention_rules rules; /* steal, latency, drops thresholds */
};

struct vcn_fair_action {
	char vm[VCN_VMSAMPLE_NAME_MAX];
	enum vcn_fair_resource resource;
	char dev[VCN_VMSAMPLE_DEV_MAX]; /* disk or interface; "" for CPU */
	uint64_t old_value, new_value;  /* units per resource (above); 0 = none */
	char reason[VCN_FAIRCTL_REASON_MAX];
};

/* per-VM hysteresis state, private */
struct vcn_fairctl_vmstate {
	char name[VCN_VMSAMPLE_NAME_MAX];
	unsigned act_streak[VCN_FAIR_RESOURCE_LAST];
	unsigned relax_streak[VCN_FAIR_RESOURCE_LAST];
	uint64_t changed_at[VCN_FAIR_RESOURCE_LAST]; /* tick of our last change, 0 never */
	char dev[VCN_FAIR_RESOURCE_LAST][VCN_VMSAMPLE_DEV_MAX]; /* device we limited */
	double cpu_entitled;  /* last step: CPUs it is entitled to (its part of what there was) */
	bool seen;
};

struct vcn_fairctl {
	struct vcn_fairctl_conf conf;
	uint64_t tick;               /* steps taken */
	unsigned cpu_unfair_streak;
	struct vcn_fairctl_vmstate *vms;
	size_t n, cap;
	/* last step's indices, for publishing */
	double jain[VCN_FAIR_RESOURCE_LAST];
	unsigned contending[VCN_FAIR_RESOURCE_LAST];
};

void vcn_fairctl_conf_default(struct vcn_fairctl_conf *conf, unsigned pcpus);
int vcn_fairctl_init(struct vcn_fairctl *fc, const struct vcn_fairctl_conf *conf);
void vcn_fairctl_free(struct vcn_fairctl *fc);
int vcn_fairctl_vm_from_metrics(const struct vcn_vmmetrics *m, struct vcn_fairctl_vm *out);
int vcn_fairctl_step(struct vcn_fairctl *fc, const struct vcn_fairctl_vm *vms,
		     const struct vcn_fairctl_policy *policy, const struct vcn_vm_limits *cur,
		     size_t n, struct vcn_fair_action *out, size_t out_cap);
void vcn_fair_action_apply_to(const struct vcn_fair_action *a, struct vcn_vm_limits *lim);

#endif
