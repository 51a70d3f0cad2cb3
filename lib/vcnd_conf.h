/* vcn: vcnd.conf, the controller's configuration, in gmond.conf's own syntax
 * (libconfuse). Loaded all-or-nothing: every problem is logged once as
 * "FILE:LINE: message" and the caller's previous configuration stays in use.
 * The format is documented in vcnd.conf(5) and controller/vcnd.conf.sample. */
#ifndef VCN_VCND_CONF_H
#define VCN_VCND_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a VO's guests see the host CPU (libvirt <cpu mode=...>). */
enum vcn_vo_cpu_mode {
	VCN_VO_CPU_DEFAULT,          /* no <cpu>: the hypervisor's default model */
	VCN_VO_CPU_HOST_PASSTHROUGH, /* every host feature; ties the guest to this host model */
	VCN_VO_CPU_HOST_MODEL,       /* libvirt's closest named model + host features */
	VCN_VO_CPU_CUSTOM,           /* cpu_model + cpu_features */
	VCN_VO_CPU_MIGRATION_SAFE,   /* baseline over all configured hosts (vcnd computes it) */
	VCN_VO_CPU_MAXIMUM,          /* all the hypervisor can give (TCG: qemu's "max") */
	VCN_VO_CPU_LAST
};

const char *vcn_vo_cpu_mode_name(enum vcn_vo_cpu_mode m);
int vcn_vo_cpu_mode_parse(const char *s, enum vcn_vo_cpu_mode *out);

/* One libvirt host: host "NAME" { uri = "..." } */
struct vcn_conf_host {
	char *name;     /* the section title, vcn_name_valid() */
	char *uri;      /* libvirt connection URI */
	unsigned line;  /* of the section's opening brace */
};

/* cluster { }: rebalancing, host loss, where load comes from (issue 5) */
enum vcn_rebalance_mode {
	VCN_REBALANCE_OFF,      /* never plan */
	VCN_REBALANCE_ADVISE,   /* plan, log and audit the plan, move nothing */
	VCN_REBALANCE_AUTO,     /* plan and migrate */
	VCN_REBALANCE_LAST
};

enum vcn_load_source {
	VCN_LOAD_LIBVIRT,       /* CPU used, from the fairness loop's bulk stats */
	VCN_LOAD_GANGLIA,       /* vcn_cpu_used averaged over rrd_window from gmetad's RRDs */
	VCN_LOAD_VCPUS,         /* allocated vCPUs (no measurement) */
	VCN_LOAD_LAST
};

const char *vcn_rebalance_mode_name(enum vcn_rebalance_mode m);
const char *vcn_load_source_name(enum vcn_load_source s);

struct vcn_conf_cluster {
	enum vcn_rebalance_mode rebalance;  /* default off */
	enum vcn_load_source load;          /* default libvirt */
	double threshold;                   /* deviation of normalised load; default 0.15 */
	unsigned migrations_per_round;      /* K, 1..64; default 2 */
	uint64_t rebalance_interval_ms;     /* default 30 s */
	uint64_t hold_ms;                   /* a moved VCN stays this long; default 5 min */
	uint64_t retry_after_ms;            /* a failed (VCN, host) pair waits; default 10 min */
	double max_load;                    /* target's normalised load after a move; default 1 */
	bool anti_affinity;                 /* spread each VO's VCNs; default yes */
	double cost_mem, cost_dirty, cost_load, min_gain; /* lib/rebalance.h; defaults there */
	bool shared_storage;                /* overlays on storage every host sees; default no */
	uint64_t suspect_after_ms;          /* silent this long: suspect; default 10 s */
	uint64_t down_after_ms;             /* suspect this long: down (fence); default 30 s */
	char **fence;                       /* argv confirming a host is down, "%h" = name; NULL none */
	size_t n_fence;
	char *gmetad;                       /* "ADDR:PORT" of gmetad's xml_port, or NULL */
	char *ganglia_cluster;              /* the Ganglia cluster the VCNs report in */
	char *rrd_rootdir;                  /* gmetad's rrd_rootdir; default /var/lib/ganglia/rrds */
	uint64_t rrd_window_ms;             /* history averaged; default 5 min */
	unsigned line;                      /* of the section, 0 when absent */
};

/* vo "NAME" { autoscale { } }: the VCN count follows a demand (issue 5) */
struct vcn_conf_autoscale {
	bool enabled;                       /* the section is there */
	int source;                         /* enum vcn_demand_kind (demand.h) */
	char **command;                     /* argv, no shell */
	size_t n_command;
	char *file;                         /* holds a number */
	char *metric, *metric_host, *metric_cluster; /* in gmetad's XML (cluster.gmetad) */
	double jobs_per_vcn;                /* default 1 */
	unsigned step_up, step_down;        /* default 2, 1 */
	uint64_t cooldown_ms;               /* default 30 s */
	double idle_threshold;              /* CPU fraction of its vCPUs; default 0.1 */
	uint64_t idle_period_ms;            /* default 60 s */
	uint64_t shutdown_timeout_ms;       /* guest shutdown, then destroy; default 30 s */
	uint64_t timeout_ms;                /* the command's; default 10 s */
	unsigned line;
};

/* One virtual organization: vo "NAME" { ... } */
struct vcn_conf_vo {
	char *name;          /* the section title, vcn_name_valid(); VCNs are NAME-<n> */
	unsigned line;       /* of the section's opening brace */
	char *image;         /* base disk (read-only; each VCN gets a qcow2 overlay), or NULL */
	char *kernel;        /* direct kernel boot, or NULL */
	char *initrd;        /* only with kernel, or NULL */
	char *cmdline;       /* only with kernel, or NULL */
	unsigned vcpus;      /* 1..256, default 1 */
	uint64_t memory;     /* bytes, 16 MiB..1 TiB, default 128 MiB */
	enum vcn_vo_cpu_mode cpu_mode;   /* default VCN_VO_CPU_DEFAULT */
	char *cpu_model;     /* required with custom, refused otherwise */
	char **cpu_features; /* "+name" (require) or "-name" (disable); custom/host-model only */
	size_t n_cpu_features;
	char *network;       /* libvirt network name, default "default" */
	unsigned min, max;   /* VCNs kept running: 0 <= min <= max <= 4096; default 0, 16 */
	char *partition;     /* libvirt <resource><partition> ("/machine/vo-x"), or NULL for /machine */
	struct vcn_conf_autoscale autoscale;
};

struct vcn_vcnd_conf {
	char *path;            /* the file loaded */
	/* globals { } */
	char *state_dir;       /* default /var/lib/vcn */
	char *scratch_dir;     /* qcow2 overlays; default /var/lib/vcn/scratch */
	char *control_socket;  /* default /run/vcn/vcnd.sock */
	char *audit_log;       /* JSON lines; default /var/log/vcn/audit.jsonl */
	uint64_t interval_ms;  /* control tick, 1 s..1 h; default 10 s */
	char *partitions_file; /* vcn-partitions.conf(5), or NULL when none */
	char *rules_file;      /* vcn-rules.conf(5), or NULL when none */
	char *gmond_conf;      /* gmond.conf whose send channels vcnd publishes on */
	double fairness_target;/* Jain's index below which vcnd corrects, 0..1; default 0.95 */
	/* the web UI (web/): read-only status socket, overlay events, views */
	char *status_socket;       /* read-only verbs only, or NULL for none */
	char *status_socket_group; /* its group (e.g. the PHP user's), or NULL: root's */
	char *web_events_file;     /* ganglia-web events.json, or NULL for none */
	unsigned web_events_max;   /* events kept in it; default 500 */
	char *web_views_command;   /* run with the VO names as arguments at start and reload, or NULL */
	unsigned line_partitions_file, line_rules_file; /* for messages about them; 0 = default */
	struct vcn_conf_host *hosts; /* at least one, in file order */
	size_t n_hosts;
	struct vcn_conf_vo *vos;     /* possibly none, in file order */
	size_t n_vos;
	struct vcn_conf_cluster cluster;
};

int vcn_vcnd_conf_load(const char *path, struct vcn_vcnd_conf **out);
void vcn_vcnd_conf_free(struct vcn_vcnd_conf *c);
const struct vcn_conf_vo *vcn_vcnd_conf_vo(const struct vcn_vcnd_conf *c, const char *name);
const struct vcn_conf_host *vcn_vcnd_conf_host(const struct vcn_vcnd_conf *c, const char *name);

#endif
