/* vcnd across hosts (issue 5): state shared by rebalance.c (planner rounds,
 * live migration, drain), hostwatch.c (suspect/down, fencing, relaunch,
 * duplicates) and autoscale.c (VCN count per VO from a demand source). One
 * struct on the heap, d->cluster; the main loop thread owns it except the
 * migration slots, which a migration thread fills under d->lock. */
#ifndef VCND_CLUSTER_H
#define VCND_CLUSTER_H

#include "autoscale.h"
#include "rebalance.h"
#include "vcnd.h"
#include "vcnd_conf.h"

#define VCND_MAX_MIGRATIONS 8
#define VCND_MAX_BLOCKS 64
#define VCND_MAX_DUPS 32
#define VCND_MAX_SHUTDOWNS 64

enum vcnd_health {
	VCND_HOST_UP,
	VCND_HOST_SUSPECT,   /* silent for suspect_after */
	VCND_HOST_DOWN,      /* confirmed down (fence said so): its VCNs were relaunched */
	VCND_HEALTH_LAST
};

struct vcnd_chost {
	enum vcnd_health health;
	uint64_t last_ok_ns;
	bool seen;            /* answered at least once */
	bool fence_failed;    /* said once */
	bool drain;
	double cpus;          /* capacity, from virNodeGetInfo */
	uint64_t mem_mib;
	bool stale;           /* gmetad shows it stale: load unknown */
};

struct vcnd_migration {
	bool busy;            /* a thread runs it */
	char vcn[VCND_NAME_MAX];
	int from, to;
	uint64_t start_ns;
	bool drain;
};

struct vcnd_block {
	char vcn[VCND_NAME_MAX];
	int host;
	uint64_t until_ns;
};

struct vcnd_moved {
	char vcn[VCND_NAME_MAX];
	uint64_t at_ns;
};

struct vcnd_dup {
	char vcn[VCND_NAME_MAX];
	int host;             /* where the second copy runs */
	int64_t created;
};

struct vcnd_shutdown {
	char vcn[VCND_NAME_MAX];
	int vo;
	uint64_t deadline_ns; /* destroy then */
};

struct vcnd_as_vo {
	struct vcn_as_policy pol;
	struct vcn_as_state st;
	bool enabled;
	int source;           /* enum vcn_demand_kind */
	char **argv;          /* owned, NULL-terminated */
	char file[PATH_MAX];
	char metric[128], metric_host[VCND_NAME_MAX], metric_cluster[VCND_NAME_MAX];
	uint64_t timeout_ms;
	double demand;        /* last read, NAN unknown */
	unsigned ideal;
	char why[64];
	/* idle tracking per VCN name */
	struct {
		char name[VCND_NAME_MAX];
		uint64_t idle_since_ms;
	} idle[256];
	unsigned nidle;
};

struct vcnd_cluster {
	/* settings (copied from vcnd.conf) */
	enum vcn_rebalance_mode mode;
	enum vcn_load_source load;
	struct vcn_rb_policy pol;
	uint64_t interval_ms, hold_ms, retry_ms, suspect_ms, down_ms, rrd_window_ms;
	bool shared_storage;
	char **fence;         /* owned, NULL-terminated; NULL none */
	char gmetad[128], ganglia_cluster[VCND_NAME_MAX], rrd_rootdir[PATH_MAX];
	/* state */
	struct vcnd_chost hosts[VCND_MAX_HOSTS];
	struct vcnd_migration mig[VCND_MAX_MIGRATIONS];
	struct vcnd_block blocks[VCND_MAX_BLOCKS];
	struct vcnd_moved moved[VCND_MAX_BLOCKS];
	struct vcnd_dup dups[VCND_MAX_DUPS];
	unsigned ndups;
	struct vcnd_shutdown shut[VCND_MAX_SHUTDOWNS];
	struct vcnd_as_vo as[VCND_MAX_VOS];
	uint64_t next_round_ns;
	unsigned rounds;
	char last_plan[2048];
};

/* rebalance.c */
int vcnd_rb_build(struct vcnd *d, struct vcn_rb_state *s, size_t **vcn_of);
struct vcnd_vcn *vcnd_cluster_find(struct vcnd *d, const char *name);
bool vcnd_cluster_migrating_locked(struct vcnd *d, const char *vcn);
int vcnd_host_index(const struct vcnd *d, const char *name);
void vcnd_cluster_capacity(struct vcnd *d);

/* hostwatch.c */
char **vcnd_argv_dup(char *const *src, size_t n);
void vcnd_argv_free(char **argv);

#endif
