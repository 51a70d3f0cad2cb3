/* vcn: smoothed history from the RRD files gmetad keeps
 * (RRD_ROOTDIR/CLUSTER/HOST/METRIC.rrd, one data source "sum"), read
 * with librrd so decisions use minutes of data, not one noisy sample. */
#ifndef VCN_RRDREAD_H
#define VCN_RRDREAD_H

#include <stddef.h>
#include <time.h>

struct vcn_rrd_avg {
	double avg;       /* mean of the known rows in the window */
	unsigned n_known;  /* rows with a value */
	unsigned n_rows;   /* rows in the window */
	unsigned long step; /* seconds per row librrd chose */
	time_t last;      /* end of the last known row; 0 when none */
};

int vcn_rrd_path(char *buf, size_t size, const char *root, const char *cluster, const char *host,
		 const char *metric);
int vcn_rrd_average(const char *path, const char *ds, time_t end, unsigned window_s, struct vcn_rrd_avg *out);

#endif
