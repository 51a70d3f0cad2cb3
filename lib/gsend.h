/* vcn: send metrics on gmond's own UDP channels through libganglia, as any
 * host we choose to speak for (spoofed "ip:name"). */
#ifndef VCN_GSEND_H
#define VCN_GSEND_H

#include <stdbool.h>

#include <ganglia.h>

#include "vmpublish.h"

struct vcn_gsend {
	Ganglia_pool pool;
	Ganglia_udp_send_channels channels;
	unsigned tmax, dmax;
	unsigned long sent, failed;
};

int vcn_gsend_open(struct vcn_gsend *g, Ganglia_pool parent, Ganglia_gmond_config config, unsigned tmax,
		   unsigned dmax);
int vcn_gsend_open_file(struct vcn_gsend *g, const char *gmond_conf, unsigned tmax, unsigned dmax);
int vcn_gsend_host(struct vcn_gsend *g, const char *spoof, const struct vcn_mvals *vals, bool metadata);
void vcn_gsend_close(struct vcn_gsend *g);

#endif
