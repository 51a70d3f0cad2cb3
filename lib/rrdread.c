/* Averages over a window from an RRD file through librrd's thread-safe
 * fetch. Unknown rows (NaN: gmetad had no sample) are left out and
 * counted; a window with no known row is -ENODATA, never 0. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rrd.h>

#include "log.h"
#include "rrdread.h"

/* gmetad's file for @metric of @host in @cluster under @root (its
 * rrd_rootdir). Returns 0, or -ENAMETOOLONG / -EINVAL (a name with '/'). */
int vcn_rrd_path(char *buf, size_t size, const char *root, const char *cluster, const char *host,
		 const char *metric)
{
	int n;

	if (strchr(cluster, '/') || strchr(host, '/') || strchr(metric, '/') || !*cluster || !*host ||
	    !*metric)
		return -EINVAL;
	n = snprintf(buf, size, "%s/%s/%s/%s.rrd", root, cluster, host, metric);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* Average data source @ds (NULL: the first, which is gmetad's "sum") of
 * the AVERAGE consolidation of @path over the @window_s seconds before @end
 * (0: now). Fills @out. Returns 0; -ENOENT (file), -EINVAL (no such DS or
 * librrd refused), -ENODATA (no known row in the window); logged. */
int vcn_rrd_average(const char *path, const char *ds, time_t end, unsigned window_s, struct vcn_rrd_avg *out)
{
	time_t start, stop;
	unsigned long step = 0, ds_cnt = 0, di = 0, rows;
	char **names = NULL;
	rrd_value_t *data = NULL;
	double sum = 0;
	int rc = -EINVAL;

	memset(out, 0, sizeof(*out));
	if (window_s == 0) {
		vcn_err("rrd '%s': empty window", path);
		return -EINVAL;
	}
	stop = end ? end : time(NULL);
	start = stop - (time_t)window_s;
	rrd_clear_error();
	if (rrd_fetch_r(path, "AVERAGE", &start, &stop, &step, &ds_cnt, &names, &data) != 0) {
		const char *why = rrd_get_error();

		rc = (why && strstr(why, "No such file")) ? -ENOENT : -EINVAL;
		vcn_err("rrd '%s': fetch: %s", path, why && *why ? why : "failed");
		names = NULL;
		data = NULL;
		ds_cnt = 0;
		goto cleanup;
	}
	if (ds) {
		for (di = 0; di < ds_cnt; di++)
			if (strcmp(names[di], ds) == 0)
				break;
		if (di == ds_cnt) {
			vcn_err("rrd '%s': no data source '%s'", path, ds);
			goto cleanup;
		}
	} else if (ds_cnt == 0) {
		vcn_err("rrd '%s': no data source", path);
		goto cleanup;
	}
	/* librrd returns rows for (start, stop], stamped at their end */
	rows = step ? (unsigned long)(stop - start) / step : 0;
	out->step = step;
	out->n_rows = (unsigned)rows;
	for (unsigned long r = 0; r < rows; r++) {
		double v = data[r * ds_cnt + di];

		if (isnan(v))
			continue;
		sum += v;
		out->n_known++;
		out->last = start + (time_t)((r + 1) * step);
	}
	if (out->n_known == 0) {
		rc = -ENODATA;
		vcn_err("rrd '%s': no known value in the %u s before %ld", path, window_s, (long)stop);
		goto cleanup;
	}
	out->avg = sum / out->n_known;
	rc = 0;
cleanup:
	for (unsigned long i = 0; names && i < ds_cnt; i++)
		rrd_freemem(names[i]);
	rrd_freemem(names);
	rrd_freemem(data);
	return rc;
}
