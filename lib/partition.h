/* vcn: VO partitions, written in libcgroup's cgconfig.conf syntax
 * (vcn-partitions.conf(5)), checked strictly and created on a host.
 *
 *   group machine/vo-physics {
 *       cpu   { cpu.shares = "2048"; cpu.cfs_quota_us = "150000"; }
 *       blkio { blkio.weight = "500"; }
 *   }
 *
 * Why our own parser: libcgroup 2.0.2's cgroup_init_templates_cache() only
 * keeps "template" sections, accepts unknown controllers, keys and values
 * ("12x") without a word, and reports a syntax error on stderr with a line
 * counter that is never reset (a second parse reports wrong lines) and no
 * file name. Creating the groups still goes through libcgroup
 * (vcn_cg_writer_libcgroup), or through a plain directory tree for tests
 * (vcn_cg_writer_dir).
 *
 * A group's name is its libvirt partition without the leading '/': group
 * machine/vo-physics is <resource><partition>/machine/vo-physics</partition>.
 * Without systemd libvirt looks for it in the cgroup directory
 * machine/vo-physics.partition (every component after the top-level
 * machine gets ".partition"), and does not create it: it must exist before
 * the first VCN starts in it. vcn_partition_cgroup_dir() gives that name. */
#ifndef VCN_PARTITION_H
#define VCN_PARTITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VCN_PARTITION_NAME_MAX 128

enum vcn_cg_version {
	VCN_CG_V1, /* one hierarchy per controller (root/cpu, root/blkio, ...) */
	VCN_CG_V2, /* the unified hierarchy */
	VCN_CG_VERSION_LAST
};

/* Controllers a partition may use (cgconfig's names, i.e. v1's). */
enum vcn_cg_ctl {
	VCN_CG_CPU,
	VCN_CG_BLKIO,
	VCN_CG_MEMORY,
	VCN_CG_CTL_LAST
};

const char *vcn_cg_ctl_name(enum vcn_cg_ctl c);
const char *vcn_cg_version_name(enum vcn_cg_version v);

/* One group. Unset values are 0 (never a valid setting for any of them). */
struct vcn_partition {
	char name[VCN_PARTITION_NAME_MAX];      /* "machine/vo-physics" */
	char libvirt[VCN_PARTITION_NAME_MAX + 1]; /* "/machine/vo-physics" */
	unsigned line;                          /* of "group" */
	bool ctl[VCN_CG_CTL_LAST];              /* controller sections present */
	uint64_t cpu_shares;      /* v1 cpu.shares 2..262144 */
	uint64_t cpu_weight;      /* v2 cpu.weight 1..10000 (written as is) */
	int64_t cfs_quota_us;     /* cpu.cfs_quota_us: -1 (no cap) or 1000..10^12 */
	uint64_t cfs_period_us;   /* cpu.cfs_period_us 1000..1000000 */
	uint64_t blkio_weight;    /* blkio.weight 10..1000 */
	uint64_t memory_limit;    /* memory.limit_in_bytes in bytes; UINT64_MAX = "-1" (none) */
};

struct vcn_partitions {
	char *path;
	struct vcn_partition *p; /* in file order; parents before children is not required */
	size_t n;
};

int vcn_partitions_load(const char *path, struct vcn_partitions **out);
void vcn_partitions_free(struct vcn_partitions *ps);
const struct vcn_partition *vcn_partitions_find(const struct vcn_partitions *ps, const char *partition);

bool vcn_partition_path_valid(const char *partition);
int vcn_partition_cgroup_dir(const char *partition, char *out, size_t size);
uint64_t vcn_cg_shares_to_weight(uint64_t shares);
uint64_t vcn_cg_blkio_to_io_weight(uint64_t blkio_weight);

/* One interface file to write, mapped for a cgroup version. */
struct vcn_cg_setting {
	enum vcn_cg_ctl ctl;
	char file[48];   /* "cpu.shares", "cpu.weight", "cpu.max", "io.weight", ... */
	char value[48];
};

#define VCN_CG_SETTINGS_MAX 8
int vcn_partition_settings(const struct vcn_partition *p, enum vcn_cg_version v,
			   struct vcn_cg_setting out[VCN_CG_SETTINGS_MAX], size_t *n);

/* Where groups get created. @dir is the cgroup directory relative to the
 * hierarchy root ("machine/vo-physics.partition"); @ctls the controllers the
 * group uses; @s its settings. Returns 0 or -errno, having said why. */
struct vcn_cg_writer {
	int (*create)(void *opaque, enum vcn_cg_version v, const char *dir, const bool ctls[VCN_CG_CTL_LAST],
		      const struct vcn_cg_setting *s, size_t n);
	void *opaque;
};

int vcn_cg_writer_libcgroup(struct vcn_cg_writer *w);
void vcn_cg_writer_dir(struct vcn_cg_writer *w, const char *root);
int vcn_cg_detect(const char *root, enum vcn_cg_version *out);

int vcn_partitions_apply(const struct vcn_partitions *ps, enum vcn_cg_version v, const struct vcn_cg_writer *w);
char *vcn_partitions_format_plan(const struct vcn_partitions *ps, enum vcn_cg_version v);

#endif
