/* vcnd: the controller daemon's runtime model, shared by its files:
 * vcnd.c (main loop), hosts.c (libvirt connections), vcns.c (adopt,
 * reconcile, launch, destroy), ctl.c (the control socket). */
#ifndef VCND_H
#define VCND_H

#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

#include "audit.h"
#include "collector.h"
#include "cpuset.h"
#include "domxml.h"
#include "fairctl.h"
#include "readiness.h"
#include "uuid.h"
#include "vmlimits.h"
#include "webevents.h"

#define VCND_NAME_MAX 64
#define VCND_MAX_HOSTS 64
#define VCND_MAX_VOS 64
#define VCND_MAX_CLIENTS 32
#define VCND_MAX_PARALLEL 8     /* launches in flight at once */
#define VCND_MAX_CPU_FEATURES 32
/* The spoofed Ganglia host vcnd publishes as (fairness, VO numbers): one
 * definition for every file. gmond keys hosts by the spoof's address:
 * 127.0.0.1 is what a gmond that receives over loopback calls itself, and
 * vcnd's numbers merged into that host ("localhost"); 127.0.0.2 is loopback
 * too and no gmond's own. */
#define VCND_GHOST "127.0.0.2:vcnd"

/* Opaque here: lib/policy.h and lib/pinning.h both define VCN_PIN_*, so a
 * file includes one of them (policy in vcns.c/settings.c, pinning in
 * placement.c), never both. */
struct vcn_policy;
struct vcn_partitions;
struct vcn_topology;
struct vcn_domcaps;
struct vcn_cpumodel;
struct vcn_vcnd_conf;
struct vcnd_cluster;            /* cluster.h: rebalance, host loss, autoscale */

struct vcnd_vo {
	char name[VCND_NAME_MAX];
	char image[PATH_MAX];       /* base qcow2 (read-only, shared) */
	char kernel[PATH_MAX];      /* optional direct kernel boot (the test guest) */
	char initrd[PATH_MAX];
	char cmdline[512];
	char network[VCND_NAME_MAX];
	char partition[256];        /* libvirt <resource><partition>, "" for the default */
	int cpu_mode;               /* enum vcn_vo_cpu_mode (vcnd_conf.h) */
	char cpu_model[64];         /* custom mode */
	char cpu_features[VCND_MAX_CPU_FEATURES][48]; /* "+name" / "-name" */
	unsigned ncpu_features;
	unsigned vcpus;
	unsigned memory_mib;
	unsigned min, max;
};

struct vcnd_host {
	char name[VCND_NAME_MAX];
	char uri[256];
	virConnectPtr conn;         /* NULL while down */
	virStoragePoolPtr pool;
	enum vcn_virt_type virt;    /* kvm when the host's KVM works, else qemu (TCG) */
	unsigned pcpus;
	struct vcn_topology *topo;  /* from its capabilities, once per connection (placement.c) */
	struct vcn_domcaps *domcaps;/* guest CPU capabilities, once per connection */
	bool partitioned;           /* VO partitions dealt with since it connected */
	uint64_t retry_at_ns;
	unsigned backoff_ms;
};

enum vcnd_vcn_state {
	VCND_LAUNCHING,             /* overlay and domain being created */
	VCND_BOOTING,               /* domain runs, no readiness line yet */
	VCND_READY,
	VCND_FAILED,                /* launch failed; cleaned up, reported, then forgotten */
	VCND_STATE_LAST
};

struct vcnd_vcn {
	char name[VCND_NAME_MAX];
	char vo[VCND_NAME_MAX];
	int host;                   /* index in vcnd.hosts */
	uint8_t uuid[VCN_UUID_LEN];
	enum vcnd_vcn_state state;
	int64_t created;            /* epoch seconds (metadata) */
	uint64_t start_ns;          /* CLOCK_MONOTONIC when vcnd started the launch; 0 when adopted */
	double ready_s;             /* launch-to-ready, seconds; < 0 unknown */
	char console[PATH_MAX + VCND_NAME_MAX + 16];
	struct vcn_ready_scan scan;
	char error[256];            /* why a launch failed */
	unsigned vcpus;
	unsigned seen_pass;         /* reconcile pass that last saw it in libvirt */
	/* fairness.c: limits in force (as last applied, or read back once
	 * after launch/adoption while lim_known is false) and last usage */
	bool lim_known;
	struct vcn_vm_limits lim;
	enum vcn_netlimit_mech net_mech;
	bool fair_seen;             /* measured in the last fairness tick */
	struct vcn_fairctl_vm use;
	double weight;              /* entitlement weight used (vCPU units) */
	double cpu_share;           /* CPUs it is entitled to (fairctl: its part of what there was) */
	/* placement (placement.c): pins[i] is vCPU i's host CPUs, empty = unpinned */
	struct vcn_cpuset *pins;    /* npins entries, malloc'd; NULL: not placed */
	unsigned npins;
	struct vcn_cpuset emulator;
	char pin[16];               /* strategy name, "" when unpinned/adopted without pins */
};

/* fairness.c: one per host, aligned with vcnd.hosts, on the heap: its
 * thread measures and acts so that a slow or hung host never holds up the
 * main loop; a thread stuck in libvirt at reload/stop is left behind with
 * its memory. Results (measured .. actions) are written under vcnd.lock. */
struct vcnd_fair_host {
	struct vcnd *d;
	unsigned idx;
	pthread_t thread;
	pthread_mutex_t mtx;        /* kick, quit, busy */
	pthread_cond_t cond;
	bool kick, quit, busy;
	char uri[256];              /* the collector's; compared on reload */
	struct vcn_collector_conf cconf;
	struct vcn_collector coll;  /* borrows cconf */
	bool started;
	struct vcn_fairctl fc;
	bool fc_ok;
	bool measured;              /* the last pass had usable numbers */
	bool from_libvirt;          /* ... from libvirt (else the cgroup fallback) */
	double jain_cpu, jain_disk, jain_net;
	unsigned cont_cpu, cont_disk, cont_net;
	uint64_t actions;
};

struct vcnd_client {
	int fd;
	bool json;
	char vo[VCND_NAME_MAX];     /* waiting for this VO to converge (launch/scale), "" none */
	uint64_t deadline_ns;
	unsigned reported;          /* bitmap-free: count of progress lines sent */
	char seen[VCND_MAX_PARALLEL * 8][VCND_NAME_MAX]; /* VCNs already reported ready/failed */
	unsigned nseen;
	bool readonly;              /* came in on the status socket: read verbs only */
};

struct vcnd {
	/* settings */
	char conf_path[PATH_MAX];
	char state_dir[PATH_MAX];
	char scratch_dir[PATH_MAX];
	char socket_path[PATH_MAX];
	char audit_path[PATH_MAX];
	uint64_t interval_ms;
	double fairness_target;     /* 0: measure and publish only, never act */
	char gmond_conf[PATH_MAX];  /* "" none */
	unsigned nhosts, nvos;
	struct vcnd_host hosts[VCND_MAX_HOSTS];
	struct vcnd_vo vos[VCND_MAX_VOS];
	unsigned desired[VCND_MAX_VOS];
	/* policies (settings.c): swapped whole on a valid reload, under lock */
	char partitions_path[PATH_MAX]; /* "" none */
	char rules_path[PATH_MAX];      /* "" none */
	struct vcn_partitions *partitions;
	struct vcn_policy *policy;
	bool partitions_dirty;      /* (re)create partitions on local hosts */
	char *baseline_xml;         /* migration-safe CPU of baseline_hosts */
	char baseline_hosts[1024];  /* the connected host set it was computed for */
	/* state */
	struct vcnd_vcn *vcns;
	size_t nvcns, capvcns;
	unsigned pass;
	struct vcn_audit audit;
	int listen_fd;
	struct vcnd_client clients[VCND_MAX_CLIENTS];
	pthread_mutex_t lock;       /* vcns[] between the loop and launch threads */
	int wake_fd;                /* eventfd: a launch thread finished a step */
	unsigned inflight;
	volatile int stop, reload;
	/* fairness.c */
	struct vcnd_fair_host *fair[VCND_MAX_HOSTS];
	struct vcn_gsend *gsend;    /* NULL: not publishing (uses d->policy, read under lock) */
	struct vcn_limits limits;
	uint64_t fair_ticks;
	/* web.c: the web UI's status socket, overlay events and views */
	char status_socket[PATH_MAX];   /* "" none; taken at start only */
	char status_group[VCND_NAME_MAX];
	int status_fd;
	char web_events_file[PATH_MAX]; /* "" none */
	unsigned web_events_max;
	char web_views_command[PATH_MAX]; /* "" none */
	struct vcn_webevents webev;
	/* rebalance.c, hostwatch.c, autoscale.c (cluster.h) */
	struct vcnd_cluster *cluster;
};

/* hosts.c */
int vcnd_hosts_connect(struct vcnd *d);
void vcnd_hosts_close(struct vcnd *d);
bool vcnd_host_up(struct vcnd_host *h);

/* vcns.c */
const char *vcnd_state_name(enum vcnd_vcn_state s);
int vcnd_adopt(struct vcnd *d);
void vcnd_reconcile(struct vcnd *d);
void vcnd_poll_ready(struct vcnd *d);
int vcnd_destroy(struct vcnd *d, const char *name, char *err, size_t errlen);
int vcnd_desired_save(struct vcnd *d);
int vcnd_desired_load(struct vcnd *d);
int vcnd_vo_index(const struct vcnd *d, const char *vo);
unsigned vcnd_vo_count(struct vcnd *d, int vo, bool ready_only);

/* ctl.c */
int vcnd_ctl_listen(struct vcnd *d);
void vcnd_ctl_accept(struct vcnd *d);
void vcnd_ctl_accept_status(struct vcnd *d);
void vcnd_ctl_progress(struct vcnd *d);
void vcnd_ctl_close(struct vcnd *d);

/* fairness.c */
int vcnd_fair_start(struct vcnd *d);
void vcnd_fair_tick(struct vcnd *d);
void vcnd_fair_reload(struct vcnd *d);
char *vcnd_fair_format(struct vcnd *d, bool json);
void vcnd_fair_stop(struct vcnd *d);

/* web.c */
void vcnd_web_start(struct vcnd *d);
void vcnd_web_reload(struct vcnd *d);
void vcnd_web_tick(struct vcnd *d);
void vcnd_web_stop(struct vcnd *d);

/* settings.c */
int vcnd_settings_load(struct vcnd *d, const char *path);
int vcnd_settings_check(const char *path, char *summary, size_t size);

/* vcnd.c */
void vcnd_log_capture(char *buf, size_t size);
void vcnd_settings_free(struct vcnd *d);

/* placement.c: partitions, pinning and CPU model per host */
void vcnd_partitions_create(struct vcnd *d);
int vcnd_place(struct vcnd *d, int host, struct vcnd_vcn *v, const char *strategy, char *why,
	       size_t whylen);
void vcnd_place_adopted(struct vcnd *d, struct vcnd_vcn *v, virDomainPtr dom);
void vcnd_vcn_unplace(struct vcnd_vcn *v);
int vcnd_pin_map(struct vcnd *d, int host, bool json, char **out);
struct vcn_pin_vm;
struct vcn_pin_vcpu;
int vcnd_host_topology(struct vcnd_host *h, const struct vcn_topology **out);
int vcnd_pin_input(struct vcnd *d, int host, const struct vcnd_vcn *skip, struct vcn_pin_vm **vmsp,
		   struct vcn_pin_vcpu **cpusp, unsigned *nvms);

/* repin.c: spread-pinned vCPUs follow measured load */
int vcnd_repin(struct vcnd *d, int host, virConnectPtr conn, const struct vcn_collector *coll);
int vcnd_cpu_choose(struct vcnd *d, int host, const struct vcnd_vo *vo, struct vcn_cpumodel *m,
		    char *why, size_t whylen);
void vcnd_host_forget(struct vcnd_host *h);

/* cluster (issue 5): rebalance.c, hostwatch.c, autoscale.c. The _locked
 * ones are called with d->lock held. */
int vcnd_cluster_configure(struct vcnd *d, const struct vcn_vcnd_conf *c);
void vcnd_cluster_free(struct vcnd *d);
void vcnd_hostwatch_tick(struct vcnd *d);
void vcnd_rebalance_tick(struct vcnd *d);
void vcnd_autoscale_tick(struct vcnd *d);
char *vcnd_cluster_ctl(struct vcnd *d, bool json, char **argv, unsigned argc, bool *ok);
bool vcnd_cluster_overlay_busy_locked(struct vcnd *d, const char *vcn, int host);
bool vcnd_cluster_migrating_locked(struct vcnd *d, const char *vcn);
void vcnd_cluster_duplicate_locked(struct vcnd *d, const char *vcn, int host, int64_t created);
bool vcnd_cluster_host_usable_locked(struct vcnd *d, int host, unsigned mem_mib);
bool vcnd_cluster_scaling_in_locked(struct vcnd *d, int vo);

#endif
