/* vcn: the cluster-wide picture gmetad serves as XML (GANGLIA_XML ->
 * GRID -> CLUSTER -> HOST -> METRIC), parsed with libxml2's tree API, with
 * staleness from TN/TMAX so a silent host reads as unknown, never as idle. */
#ifndef VCN_GMETAD_XML_H
#define VCN_GMETAD_XML_H

#include <stdbool.h>
#include <stddef.h>

struct vcn_gm_metric {
	char *name, *val, *type, *units;
	unsigned tn, tmax, dmax;
	bool stale; /* tn > stale_factor * tmax */
};

struct vcn_gm_host {
	char *name, *ip;
	long reported;
	unsigned tn, tmax;
	bool stale; /* the host itself has not reported for stale_factor * tmax */
	struct vcn_gm_metric *metrics;
	size_t n_metrics;
};

struct vcn_gm_cluster {
	char *name;
	long localtime;
	struct vcn_gm_host *hosts;
	size_t n_hosts;
};

struct vcn_gmetad {
	struct vcn_gm_cluster *clusters;
	size_t n_clusters;
};

int vcn_gmetad_parse(const char *xml, size_t len, double stale_factor, struct vcn_gmetad **out);
void vcn_gmetad_free(struct vcn_gmetad *g);
const struct vcn_gm_cluster *vcn_gmetad_cluster(const struct vcn_gmetad *g, const char *cluster);
const struct vcn_gm_host *vcn_gmetad_host(const struct vcn_gmetad *g, const char *cluster, const char *host);
const struct vcn_gm_metric *vcn_gmetad_metric(const struct vcn_gm_host *h, const char *name);
int vcn_gmetad_value(const struct vcn_gmetad *g, const char *cluster, const char *host, const char *metric,
		     double *out);
int vcn_gmetad_fetch(const char *addr, unsigned port, unsigned timeout_ms, char **xml, size_t *len);

#endif
