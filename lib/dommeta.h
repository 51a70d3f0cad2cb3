/* vcn: the vcn metadata element of a domain (<metadata><vcn:vcn ...>), as
 * written by lib/domxml.c: VO, hostname, address, created. */
#ifndef VCN_DOMMETA_H
#define VCN_DOMMETA_H

#include <stdint.h>

#include <libvirt/libvirt.h>

#include "uuid.h"

struct vcn_dommeta {
	char vo[64];
	char hostname[64];
	char address[16];   /* dotted quad, validated */
	int64_t created;    /* 0 when absent */
};

int vcn_dommeta_parse(const char *xml, struct vcn_dommeta *m);
int vcn_dommeta_fetch(virConnectPtr conn, const uint8_t uuid[VCN_UUID_LEN], struct vcn_dommeta *m);

#endif
