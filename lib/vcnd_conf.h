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
};

int vcn_vcnd_conf_load(const char *path, struct vcn_vcnd_conf **out);
void vcn_vcnd_conf_free(struct vcn_vcnd_conf *c);
const struct vcn_conf_vo *vcn_vcnd_conf_vo(const struct vcn_vcnd_conf *c, const char *name);
const struct vcn_conf_host *vcn_vcnd_conf_host(const struct vcn_vcnd_conf *c, const char *name);

#endif
