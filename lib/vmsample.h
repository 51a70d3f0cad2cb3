/* vcn: one domain's raw counters at one instant, as plain C data.
 *
 * Producers: lib/domstats.c (libvirt bulk stats, virConnectGetAllDomainStats)
 * and lib/cgroup.c (cgroup v1/v2 + tap counters while libvirtd is away).
 * Consumer: lib/vmmetrics.c, which turns two consecutive samples of the same
 * domain into Ganglia values.  Nothing here allocates: a sample is a fixed-size
 * struct that can be copied with '=' and kept as "previous".
 *
 * Rules for producers:
 * - Start from vcn_vmsample_reset() (all zero, no have_* bit set).
 * - Set a have_* bit only for a field the source really returned; a field
 *   that is absent stays 0 with its bit clear (vmmetrics reports it unknown,
 *   it never reads an absent field as 0).
 * - All counters are cumulative since the domain (or the counter) started,
 *   in the units named by the field suffix: _ns nanoseconds, _kib KiB,
 *   bytes, requests, packets.  Convert at the source (e.g. cgroup v1
 *   cpuacct.stat USER_HZ ticks -> ns), never in the consumer.
 * - More vCPUs/disks/NICs than the maxima below: fill the first ones, set
 *   the matching VCN_VMSAMPLE_TRUNC_* bit in 'truncated' (say it once in the
 *   log at the producer; vmmetrics then sums only what it has).
 * - Devices are matched between samples by name (hot-plug reorders indices),
 *   so every disk and NIC must have a non-empty name.
 * - Strings are NUL-terminated and truncated to fit (never overflowed).
 */
#ifndef VCN_VMSAMPLE_H
#define VCN_VMSAMPLE_H

#include <stdint.h>

#include "uuid.h"

#define VCN_VMSAMPLE_MAX_VCPUS 64
#define VCN_VMSAMPLE_MAX_DISKS 16
#define VCN_VMSAMPLE_MAX_NICS  16
/* libvirt domain names have no hard limit; ours (vcn_name_valid) are <= 63. */
#define VCN_VMSAMPLE_NAME_MAX  128
/* disk target ("vda", "sdb") or interface name ("vnet3", "tap-vo1-2") */
#define VCN_VMSAMPLE_DEV_MAX   32

/* Same values as libvirt's virDomainState, so a producer may cast. */
enum vcn_vm_state {
	VCN_VM_STATE_NOSTATE = 0,
	VCN_VM_STATE_RUNNING,
	VCN_VM_STATE_BLOCKED,
	VCN_VM_STATE_PAUSED,
	VCN_VM_STATE_SHUTDOWN,
	VCN_VM_STATE_SHUTOFF,
	VCN_VM_STATE_CRASHED,
	VCN_VM_STATE_PMSUSPENDED,
	VCN_VM_STATE_LAST
};

/* Where a sample's numbers came from. */
enum vcn_vmsample_source {
	VCN_VMSAMPLE_SRC_LIBVIRT = 0,
	VCN_VMSAMPLE_SRC_CGROUP,
	VCN_VMSAMPLE_SRC_LAST
};

/* vcn_vmsample.have: domain-level fields present */
enum {
	VCN_VMS_HAVE_STATE       = 1u << 0,  /* state */
	VCN_VMS_HAVE_VCPUS       = 1u << 1,  /* vcpus_current (and vcpus_max if known) */
	VCN_VMS_HAVE_CPU_TIME    = 1u << 2,  /* cpu_time_ns: all qemu threads */
	VCN_VMS_HAVE_CPU_USER    = 1u << 3,  /* cpu_user_ns */
	VCN_VMS_HAVE_CPU_SYSTEM  = 1u << 4,  /* cpu_system_ns */
	VCN_VMS_HAVE_BALLOON_CUR = 1u << 5,  /* balloon_current_kib */
	VCN_VMS_HAVE_BALLOON_MAX = 1u << 6,  /* balloon_maximum_kib */
	VCN_VMS_HAVE_RSS         = 1u << 7,  /* rss_kib: qemu process RSS */
	VCN_VMS_HAVE_ID          = 1u << 8,  /* id (running domains only) */
};

/* vcn_vmsample_vcpu.have */
enum {
	VCN_VCPU_HAVE_TIME  = 1u << 0, /* vcpu.N.time: guest ran on a pCPU */
	VCN_VCPU_HAVE_WAIT  = 1u << 1, /* vcpu.N.wait: vCPU thread waited on I/O */
	VCN_VCPU_HAVE_DELAY = 1u << 2, /* vcpu.N.delay: runnable, waiting for a pCPU (steal) */
};

/* vcn_vmsample_disk.have */
enum {
	VCN_DISK_HAVE_RD_REQS  = 1u << 0,
	VCN_DISK_HAVE_RD_BYTES = 1u << 1,
	VCN_DISK_HAVE_RD_TIMES = 1u << 2,
	VCN_DISK_HAVE_WR_REQS  = 1u << 3,
	VCN_DISK_HAVE_WR_BYTES = 1u << 4,
	VCN_DISK_HAVE_WR_TIMES = 1u << 5,
	VCN_DISK_HAVE_FL_REQS  = 1u << 6,
	VCN_DISK_HAVE_FL_TIMES = 1u << 7,
};

/* vcn_vmsample_nic.have */
enum {
	VCN_NIC_HAVE_RX_BYTES = 1u << 0,
	VCN_NIC_HAVE_RX_PKTS  = 1u << 1,
	VCN_NIC_HAVE_RX_ERRS  = 1u << 2,
	VCN_NIC_HAVE_RX_DROP  = 1u << 3,
	VCN_NIC_HAVE_TX_BYTES = 1u << 4,
	VCN_NIC_HAVE_TX_PKTS  = 1u << 5,
	VCN_NIC_HAVE_TX_ERRS  = 1u << 6,
	VCN_NIC_HAVE_TX_DROP  = 1u << 7,
};

/* vcn_vmsample.truncated: more of these existed than fit */
enum {
	VCN_VMSAMPLE_TRUNC_VCPUS = 1u << 0,
	VCN_VMSAMPLE_TRUNC_DISKS = 1u << 1,
	VCN_VMSAMPLE_TRUNC_NICS  = 1u << 2,
};

struct vcn_vmsample_vcpu {
	unsigned have;        /* VCN_VCPU_HAVE_* */
	uint64_t time_ns;
	uint64_t wait_ns;
	uint64_t delay_ns;
};

/* Block device, from libvirt block.N.* or cgroup blkio/io.stat.  Times are
 * cumulative nanoseconds spent in requests of that kind (libvirt's
 * block.N.rd.times etc.). */
struct vcn_vmsample_disk {
	char name[VCN_VMSAMPLE_DEV_MAX]; /* target dev, e.g. "vda" */
	unsigned have;                   /* VCN_DISK_HAVE_* */
	uint64_t rd_reqs, rd_bytes, rd_times_ns;
	uint64_t wr_reqs, wr_bytes, wr_times_ns;
	uint64_t fl_reqs, fl_times_ns;
};

/* Interface, from libvirt net.N.* or the tap's /sys/class/net/X/statistics.
 * rx/tx are as libvirt reports them: from the guest's point of view
 * (rx = received by the guest), i.e. already swapped relative to the tap. */
struct vcn_vmsample_nic {
	char name[VCN_VMSAMPLE_DEV_MAX]; /* host-side name, e.g. "vnet0" */
	unsigned have;                   /* VCN_NIC_HAVE_* */
	uint64_t rx_bytes, rx_pkts, rx_errs, rx_drop;
	uint64_t tx_bytes, tx_pkts, tx_errs, tx_drop;
};

struct vcn_vmsample {
	uint64_t t_ns;                       /* CLOCK_MONOTONIC when sampled */
	enum vcn_vmsample_source source;
	char name[VCN_VMSAMPLE_NAME_MAX];    /* domain name */
	uint8_t uuid[VCN_UUID_LEN];          /* raw domain UUID, always set */
	int id;                              /* libvirt domain id, -1 when not running */
	unsigned have;                       /* VCN_VMS_HAVE_* */
	unsigned truncated;                  /* VCN_VMSAMPLE_TRUNC_* */
	enum vcn_vm_state state;

	unsigned vcpus_current;              /* online vCPUs (the capacity base) */
	unsigned vcpus_max;                  /* 0 when unknown */
	uint64_t cpu_time_ns;                /* cpu.time: all qemu threads */
	uint64_t cpu_user_ns;                /* cpu.user */
	uint64_t cpu_system_ns;              /* cpu.system */

	uint64_t balloon_current_kib;        /* balloon.current */
	uint64_t balloon_maximum_kib;        /* balloon.maximum */
	uint64_t rss_kib;                    /* balloon.rss or /proc/PID/status VmRSS */

	unsigned nvcpus;                     /* filled entries of vcpu[] */
	struct vcn_vmsample_vcpu vcpu[VCN_VMSAMPLE_MAX_VCPUS]; /* index = vCPU number */
	unsigned ndisks;
	struct vcn_vmsample_disk disk[VCN_VMSAMPLE_MAX_DISKS];
	unsigned nnics;
	struct vcn_vmsample_nic nic[VCN_VMSAMPLE_MAX_NICS];
};

void vcn_vmsample_reset(struct vcn_vmsample *s);
const char *vcn_vm_state_name(enum vcn_vm_state state);
const char *vcn_vmsample_source_name(enum vcn_vmsample_source src);

#endif
