/* vcn: the per-VM collector behind the gmond module: one libvirt round trip
 * per interval in a worker thread that may hang without holding anyone up,
 * cgroups and tap counters while libvirt does not answer, and per-VM
 * metrics plus host aggregates after every tick. */
#ifndef VCN_COLLECTOR_H
#define VCN_COLLECTOR_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

#include "cgroup.h"
#include "collector_conf.h"
#include "dommeta.h"
#include "domstats.h"
#include "netaddr.h"
#include "vmmetrics.h"
#include "vmsample.h"

/* One VM the collector knows: identity for Ganglia, latest metrics. */
struct vcn_collected_vm {
	char name[VCN_VMSAMPLE_NAME_MAX];
	uint8_t uuid[VCN_UUID_LEN];
	char host[VCN_VMSAMPLE_NAME_MAX];   /* Ganglia host name */
	char ip[VCN_IP4_STRLEN];            /* Ganglia host key (spoofed) */
	bool publish;                       /* running: its numbers are sent */
	unsigned published;                 /* rounds it was sent (metadata goes with the first ones) */
	struct vcn_vmmetrics m;             /* from the last tick */
	/* private to the collector */
	int id;
	unsigned ip_attempt;
	bool have_prev;
	struct vcn_vmsample prev;
	struct vcn_cgroup_vm cg;
	int cg_id;                          /* id the cgroup paths were located for, -1 none */
	unsigned ntaps;
	char taps[VCN_VMSAMPLE_MAX_NICS][VCN_VMSAMPLE_DEV_MAX];
	uint64_t seen_tick;
};

struct vcn_meta_entry {
	uint8_t uuid[VCN_UUID_LEN];
	struct vcn_dommeta meta;
	uint64_t pass;                      /* last sampling pass that saw the domain */
};

struct vcn_collector {
	const struct vcn_collector_conf *conf;
	struct vcn_collected_vm *vms;       /* vms[0..n-1] */
	size_t n, cap;
	struct vcn_hostmetrics host;
	enum vcn_vmsample_source source;    /* where the last tick's numbers came from */
	bool source_ok;                     /* false: neither libvirt nor cgroups answered */
	uint64_t ticks, libvirt_ok, fallback_ticks;
	uint64_t last_tick_cpu_ns;          /* thread CPU the last tick cost */
	struct vcn_contention_rules rules;

	/* the libvirt worker and what it shares with tick(), under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t worker;
	bool worker_started, stopping, requested, busy, ready;
	int result_rc;
	unsigned pcpus;
	virConnectPtr conn;                 /* worker's */
	struct vcn_domstats ds;             /* worker's while busy */
	unsigned backoff_ms;
	uint64_t retry_at_ns;
	struct vcn_vmsample *scratch;       /* tick()'s copy of the worker's result */
	size_t scratch_cap;
	/* vcn metadata, when host_name or spoof_address use it: fetched by the
	 * worker once per domain, aligned with ds.vms / scratch */
	struct vcn_meta_entry *meta_cache;  /* worker's */
	size_t meta_n, meta_cap;
	uint64_t meta_pass;
	struct vcn_dommeta *ds_meta, *scratch_meta;
	size_t ds_meta_cap, scratch_meta_cap;
};

int vcn_collector_start(struct vcn_collector *c, const struct vcn_collector_conf *conf);
int vcn_collector_tick(struct vcn_collector *c);
void vcn_collector_stop(struct vcn_collector *c);
uint64_t vcn_now_ns(void);

#endif
