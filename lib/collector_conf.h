/* vcn: the VM collector's settings (the gmond module's params), parsed
 * strictly: a bad value is refused with the parameter's name, never guessed. */
#ifndef VCN_COLLECTOR_CONF_H
#define VCN_COLLECTOR_CONF_H

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "netaddr.h"

/* How a VM's Ganglia host is named. */
enum vcn_hostname_mode {
	VCN_HOSTNAME_NAME, /* libvirt domain name */
	VCN_HOSTNAME_UUID, /* domain UUID */
	VCN_HOSTNAME_METADATA, /* <vcn:hostname> in the domain's metadata, else its name */
	VCN_HOSTNAME_LAST
};

/* Where a VM's spoof IPv4 (gmond's host key) comes from. */
enum vcn_address_mode {
	VCN_ADDRESS_UUID,     /* derived from the UUID in spoof_range */
	VCN_ADDRESS_METADATA, /* <vcn:address> in the domain's metadata, else derived */
	VCN_ADDRESS_LAST
};

struct vcn_collector_conf {
	char uri[256];               /* libvirt URI */
	uint64_t interval_ms;        /* sampling interval */
	uint64_t libvirt_timeout_ms; /* wait this long for libvirt, then use cgroups */
	uint64_t dmax_s;             /* per-VM metrics expire after this (a gone VM leaves) */
	uint64_t metadata_interval_ms; /* resend metric metadata this often */
	bool have_include, have_exclude;
	regex_t include, exclude;    /* on domain names (POSIX ERE) */
	enum vcn_hostname_mode hostname;
	enum vcn_address_mode address;
	struct vcn_ip4_range spoof_range;
	bool per_device;             /* per-vCPU, per-disk, per-NIC metrics too */
	char cgroup_root[256];
	char proc_root[256];
	char net_root[256];
	char phys_host[256];         /* reported as vcn_phys_host; default: gethostname() */
};

int vcn_collector_conf_init(struct vcn_collector_conf *c);
int vcn_collector_conf_set(struct vcn_collector_conf *c, const char *key, const char *value);
void vcn_collector_conf_free(struct vcn_collector_conf *c);
const char *vcn_hostname_mode_name(enum vcn_hostname_mode m);
const char *vcn_address_mode_name(enum vcn_address_mode m);
bool vcn_collector_conf_wants(const struct vcn_collector_conf *c, const char *domain);

#endif
