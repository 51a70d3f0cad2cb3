/* vcn: libvirt domain XML for a VCN, built with libxml2's tree API. */
#ifndef VCN_DOMXML_H
#define VCN_DOMXML_H

#include <stdint.h>
#include <time.h>

#define VCN_XMLNS "https://vcn.invalid/xmlns/vcn/1"

enum vcn_virt_type {
	VCN_VIRT_KVM,
	VCN_VIRT_QEMU, /* TCG */
	VCN_VIRT_TEST, /* libvirt's test:/// driver */
	VCN_VIRT_LAST
};

const char *vcn_virt_type_name(enum vcn_virt_type t);
int vcn_virt_type_parse(const char *s, enum vcn_virt_type *out);

/* <cpu mode=...>: what the guest CPU is modelled on. */
enum vcn_cpu_mode {
	VCN_CPU_MODE_HOST_PASSTHROUGH,
	VCN_CPU_MODE_HOST_MODEL,
	VCN_CPU_MODE_CUSTOM,   /* a named model (+ features) */
	VCN_CPU_MODE_MAXIMUM,  /* everything the hypervisor can give (TCG: qemu's "max") */
	VCN_CPU_MODE_LAST
};

const char *vcn_cpu_mode_name(enum vcn_cpu_mode m);
int vcn_cpu_mode_parse(const char *s, enum vcn_cpu_mode *out);

/* <feature policy=...> */
enum vcn_cpu_policy {
	VCN_CPU_POLICY_FORCE,
	VCN_CPU_POLICY_REQUIRE,
	VCN_CPU_POLICY_OPTIONAL,
	VCN_CPU_POLICY_DISABLE,
	VCN_CPU_POLICY_FORBID,
	VCN_CPU_POLICY_LAST
};

const char *vcn_cpu_policy_name(enum vcn_cpu_policy p);
int vcn_cpu_policy_parse(const char *s, enum vcn_cpu_policy *out);

struct vcn_cpu_feature {
	const char *name;
	enum vcn_cpu_policy policy;
};

/* The <cpu> element. Strings borrowed; NULL means absent. */
struct vcn_domcpu {
	enum vcn_cpu_mode mode;
	const char *model;      /* custom (required), host-model (optional) */
	const char *fallback;   /* <model fallback=>: "allow" or "forbid" */
	const char *vendor;     /* custom only */
	const struct vcn_cpu_feature *features;
	unsigned nfeatures;
};

/* The <cputune> element; zero/NULL fields are left out. */
struct vcn_cputune {
	const char *const *vcpupin; /* nvcpupin entries, CPU lists ("0-1,4"); NULL entry: not pinned */
	unsigned nvcpupin;          /* <= vcpus */
	const char *emulatorpin;    /* CPU list */
	unsigned long long shares;  /* <shares>: cgroup v1 cpu.shares (2-262144) / v2 weight */
	unsigned long long global_period; /* <global_period> us, 1000-1000000 */
	long long global_quota;     /* <global_quota> us, 1000-17592186044415, or -1 (unlimited) */
};

/* Everything a VCN domain needs. Strings are borrowed; NULL means "absent". */
struct vcn_domspec {
	const char *name;       /* required, vcn_name_valid() */
	const char *uuid;       /* NULL: libvirt generates one */
	enum vcn_virt_type type;
	unsigned vcpus;         /* >= 1 */
	unsigned memory_mib;    /* >= 16 */
	const char *kernel;     /* direct kernel boot (the test/demo guest) */
	const char *initrd;
	const char *cmdline;
	const char *disk;       /* qcow2 overlay, attached as virtio vda */
	const char *disk_cache; /* NULL: libvirt's default; "none" for migration */
	const char *network;    /* libvirt network name for one virtio NIC */
	const char *mac;        /* NULL: derived from the name */
	const char *console;    /* serial console written to this file */
	const char *partition;  /* <resource><partition>, e.g. "/machine/vo-physics" */
	const char *vo;         /* recorded in <metadata> */
	const char *hostname;   /* the guest's hostname, recorded in <metadata> */
	const char *address;    /* the guest's IPv4, recorded in <metadata> (Ganglia host key) */
	time_t created;         /* recorded in <metadata>; 0: omitted */
	const struct vcn_domcpu *cpu;         /* NULL: no <cpu> (the hypervisor's default model) */
	const struct vcn_cputune *cputune;    /* NULL: no <cputune> */
};

int vcn_domxml_build(const struct vcn_domspec *spec, char **xml_out);

#endif
