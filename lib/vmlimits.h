/* vcn: apply fairctl's actions to a domain through libvirt (scheduler,
 * block I/O tune, interface bandwidth), with an nftables rate limit on the
 * guest's tap where libvirt's tc mechanism is refused; read limits back. */
#ifndef VCN_VMLIMITS_H
#define VCN_VMLIMITS_H

#include <stdbool.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

#include "fairctl.h"

/* How a VM's network limit is enforced. */
enum vcn_netlimit_mech {
	VCN_NETLIMIT_NONE,
	VCN_NETLIMIT_LIBVIRT_TC,  /* virDomainSetInterfaceParameters (tc on the tap) */
	VCN_NETLIMIT_NFTABLES,    /* netdev ingress chain on the tap, limit rate over */
	VCN_NETLIMIT_LAST
};

const char *vcn_netlimit_mech_name(enum vcn_netlimit_mech m);

struct vcn_limits {
	const char *nft;      /* absolute path of nft (default /usr/sbin/nft) */
	const char *table;    /* nftables table, family netdev (default "vcn") */
	bool tc_refused;      /* libvirt refused interface bandwidth once: go to nftables */
};

#define VCN_NFT_ARGV_MAX 48

/* One nft invocation: argv points into the buffers beside it. */
struct vcn_nft_cmd {
	const char *argv[VCN_NFT_ARGV_MAX];
	int argc;
	char table[32];
	char chain[40];
	char dev[40];     /* quoted device name */
	char rate[24];
	char burst[24];
};

void vcn_limits_init(struct vcn_limits *l);
bool vcn_limits_tap_name_ok(const char *tap);
int vcn_limits_nft_set_cmd(struct vcn_nft_cmd *c, const struct vcn_limits *l, const char *tap,
			   uint64_t bytes_s);
int vcn_limits_nft_del_cmd(struct vcn_nft_cmd *c, const struct vcn_limits *l, const char *tap);
int vcn_limits_nft_list_cmd(struct vcn_nft_cmd *c, const struct vcn_limits *l, const char *tap);
int vcn_limits_nft_parse_rate(const char *listing, uint64_t *bytes_s);
bool vcn_limits_tc_refused(int code, const char *message);

int vcn_limits_sched_params(const struct vcn_fair_action *a, virTypedParameterPtr *params,
			    int *nparams);
int vcn_limits_iotune_params(const struct vcn_fair_action *a, virTypedParameterPtr *params,
			     int *nparams);
int vcn_limits_iface_params(const struct vcn_fair_action *a, virTypedParameterPtr *params,
			    int *nparams);

int vcn_limits_apply(struct vcn_limits *l, virDomainPtr dom, const struct vcn_fair_action *a,
		     enum vcn_netlimit_mech *mech);
int vcn_limits_read(struct vcn_limits *l, virDomainPtr dom, const char *disk, const char *nic,
		    struct vcn_vm_limits *out, enum vcn_netlimit_mech *mech);

#endif
