/* vcn: the VCN rules file (vcn-rules.conf(5)), cgrules-style but keyed by
 * VCN, since cgrules' user/group/process keys cannot tell one qemu from
 * another. One rule per line:
 *
 *   # pattern        settings
 *   vo:physics       partition=/machine/vo-physics weight=auto pin=spread
 *   physics-big-*    cpu_cap=150 disk_write_bps=64M
 *   *                net_average=10240 net_peak=20480
 *
 * Pattern: vo:NAME (the VCN's VO), a shell glob on the VCN's name
 * (fnmatch(3): * ? [...]), or * alone (every VCN).
 * Resolution: rules are tried top to bottom; each key takes its value from
 * the FIRST matching line that sets it; a later matching line only fills
 * keys no earlier match has set. So put specific lines first and a "*"
 * line of defaults last; "none" sets a key to "no limit" so that a later
 * line cannot set it. Keys no matching line sets get the defaults:
 * partition none (the VO's own), weight=auto, pin=none, no caps.
 *
 * Hot reload (the daemon's part): load the new file into a fresh policy;
 * on success swap the pointer the control loop reads and free the old one
 * once no tick uses it; on failure keep the running policy and log that it
 * is kept - vcn_policy_load() never touches the caller's pointer on error:
 *
 *   struct vcn_policy *fresh;
 *   if (vcn_policy_load(path, &fresh) == 0) { old = running; running = fresh; vcn_policy_free(old); }
 *   else vcn_warn("%s: not reloaded, keeping the running policy", path);
 */
#ifndef VCN_POLICY_H
#define VCN_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "partition.h"

enum vcn_policy_key {
	VCN_KEY_PARTITION,
	VCN_KEY_WEIGHT,
	VCN_KEY_CPU_CAP,
	VCN_KEY_DISK_READ_BPS,
	VCN_KEY_DISK_WRITE_BPS,
	VCN_KEY_DISK_READ_IOPS,
	VCN_KEY_DISK_WRITE_IOPS,
	VCN_KEY_NET_AVERAGE,
	VCN_KEY_NET_PEAK,
	VCN_KEY_PIN,
	VCN_KEY_LAST
};

const char *vcn_policy_key_name(enum vcn_policy_key k);

enum vcn_pin {
	VCN_PIN_NONE,      /* no pinning: the kernel balances (default, as libvirt's) */
	VCN_PIN_SPREAD,    /* balance busy vCPUs over cores */
	VCN_PIN_PACK,      /* fill cores in order, leave others idle */
	VCN_PIN_DEDICATED, /* one host CPU per vCPU, refused when it would overcommit */
	VCN_PIN_LAST
};

const char *vcn_pin_name(enum vcn_pin p);

/* What applies to one VCN. A limit of 0 means none. */
struct vcn_policy_limits {
	char partition[VCN_PARTITION_NAME_MAX + 1]; /* "/machine/vo-x", "" = the VO's (vcnd.conf) */
	int weight_auto;          /* weight proportional to vCPUs */
	uint64_t cpu_shares;      /* libvirt cpu_shares in v1 units (auto: 1024 per vCPU);
				   * on v2 hosts use vcn_cg_shares_to_weight() */
	uint64_t cpu_cap_pct;     /* percent of one CPU for the whole domain (global_quota) */
	uint64_t disk_read_bps, disk_write_bps;   /* bytes/s per disk (SetBlockIoTune) */
	uint64_t disk_read_iops, disk_write_iops; /* requests/s per disk */
	uint64_t net_average_kbps, net_peak_kbps; /* KiB/s per NIC, as libvirt's <bandwidth> */
	enum vcn_pin pin;
	unsigned line[VCN_KEY_LAST]; /* rule line each key came from, 0 = default */
};

struct vcn_policy; /* immutable once loaded */

int vcn_policy_load(const char *path, struct vcn_policy **out);
void vcn_policy_free(struct vcn_policy *p);
size_t vcn_policy_rules(const struct vcn_policy *p);
const char *vcn_policy_path(const struct vcn_policy *p);
int vcn_policy_resolve(const struct vcn_policy *p, const char *vcn, const char *vo, unsigned vcpus,
		       struct vcn_policy_limits *out);
int vcn_policy_check_partitions(const struct vcn_policy *p, const struct vcn_partitions *ps);
char *vcn_policy_limits_format(const struct vcn_policy_limits *l);

#endif
