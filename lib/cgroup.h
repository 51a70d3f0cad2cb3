/* vcn: a domain's counters read straight from cgroups, /proc and the tap's
 * sysfs statistics: the fallback while libvirtd is unreachable. All roots
 * are parameters ("/sys/fs/cgroup", "/proc", "/sys/class/net" in production,
 * fixture trees in tests). */
#ifndef VCN_CGROUP_H
#define VCN_CGROUP_H

#include <stdint.h>

#include "vmsample.h"

#define VCN_CGROUP_PATH_MAX 512

enum vcn_cgroup_layout {
	VCN_CGROUP_V1 = 0,        /* ROOT/<controller>/machine/qemu-ID-NAME.libvirt-qemu */
	VCN_CGROUP_V2_SYSTEMD,    /* ROOT/machine.slice/machine-qemu\x2dID\x2dNAME.scope[/libvirt] */
	VCN_CGROUP_V2_DIRECT,     /* ROOT/machine/qemu-ID-NAME.libvirt-qemu (no systemd) */
	VCN_CGROUP_LAYOUT_LAST
};

/* Where one domain's cgroups are; empty strings for what is absent. Found
 * once with vcn_cgroup_locate (a handful of stat calls), then read every
 * interval. */
struct vcn_cgroup_vm {
	enum vcn_cgroup_layout layout;
	char cpuacct[VCN_CGROUP_PATH_MAX]; /* v1 cpuacct group */
	char cpu[VCN_CGROUP_PATH_MAX];     /* v1 cpu group (vcpuN/tasks) */
	char blkio[VCN_CGROUP_PATH_MAX];   /* v1 blkio group */
	char memory[VCN_CGROUP_PATH_MAX];  /* v1 memory group */
	char unified[VCN_CGROUP_PATH_MAX]; /* v2 group, or v1 hybrid's ROOT/unified group */
};

/* The key=value / "key value" counters a reader wants from one file. */
struct vcn_cgroup_key {
	const char *key;
	uint64_t value;
	int found;
};

const char *vcn_cgroup_layout_name(enum vcn_cgroup_layout layout);
int vcn_cgroup_machine_name(int id, const char *name, char *out, size_t size);
int vcn_cgroup_scope_name(int id, const char *name, char *out, size_t size);
int vcn_cgroup_locate(const char *root, const char *partition, int id, const char *name,
		      struct vcn_cgroup_vm *vm);
int vcn_cgroup_read(const struct vcn_cgroup_vm *vm, const char *proc_root,
		    struct vcn_vmsample *s);
int vcn_cgroup_read_tap(const char *net_root, const char *tap, struct vcn_vmsample_nic *nic);

/* File-kind readers, exported for tests and for callers with other layouts.
 * Each returns 0, -ENOENT (file absent: not logged), or -errno with one
 * message naming the file (unreadable, malformed, too large). */
int vcn_cgroup_read_u64(const char *path, uint64_t *v);
int vcn_cgroup_read_keys(const char *path, struct vcn_cgroup_key *keys, unsigned nkeys);
int vcn_cgroup_read_blkio(const char *bytes_path, const char *ios_path, struct vcn_vmsample *s);
int vcn_cgroup_read_iostat(const char *path, struct vcn_vmsample *s);
int vcn_cgroup_read_schedstat(const char *proc_root, const char *tasks_path,
			      uint64_t *run_ns, uint64_t *delay_ns);

#endif
