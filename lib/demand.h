/* vcn: where a VO's demand comes from: a command run with argv (no shell)
 * whose output lines are counted (squeue -h -t PENDING -o %i), a file
 * holding a number, or a metric in gmetad's XML. */
#ifndef VCN_DEMAND_H
#define VCN_DEMAND_H

#include "gmetad_xml.h"

enum vcn_demand_kind {
	VCN_DEMAND_COMMAND,
	VCN_DEMAND_FILE,
	VCN_DEMAND_GANGLIA,
	VCN_DEMAND_LAST
};

extern const char *const vcn_demand_kind_names[VCN_DEMAND_LAST];

int vcn_demand_kind_parse(const char *s, enum vcn_demand_kind *out);
int vcn_demand_command(char *const argv[], unsigned timeout_ms, double *out);
int vcn_demand_file(const char *path, double *out);
int vcn_demand_ganglia(const struct vcn_gmetad *g, const char *cluster, const char *host, const char *metric,
		       double *out);

#endif
