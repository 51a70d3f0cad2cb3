/* bench/collector-scale: the CPU one sampling round of the vcn collector
 * costs for N domains, measured in-process against libvirt's test:/// driver
 * (the driver runs inside this process, so its work is counted too; there is
 * no libvirtd to hide cost in). Used by bench/collectors for the "1000 VMs in
 * under 50 ms of CPU" target of issue 3.
 *
 *   collector-scale URI TICKS
 *
 * Each round is what the module's sampler thread does per interval minus the
 * UDP sends: vcn_collector_tick() (bulk stats in the worker thread, merge,
 * rates, host aggregates) and vcn_vmpublish() of every running VM (the named
 * values that are sent). CPU is CLOCK_PROCESS_CPUTIME_ID around each round,
 * so the worker thread is included. Prints one line of key=value pairs. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector.h"
#include "collector_conf.h"
#include "log.h"
#include "vmpublish.h"

static uint64_t process_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* VmRSS of this process in KiB, or 0 when /proc says nothing. */
static unsigned long rss_kib(void)
{
	char line[256];
	unsigned long kib = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %lu kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int parse_ticks(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 100000)
		return -EINVAL;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	struct vcn_collector_conf conf;
	struct vcn_collector c;
	struct vcn_mvals vals = { 0 };
	uint64_t *cpu = NULL, first_ns, t0, sum = 0;
	unsigned long rss_start, rss_first, rss_end;
	size_t i, published = 0, values = 0, heap;
	long ticks, t;
	int rc, ret = 1;

	if (argc != 3 || parse_ticks(argv[2], &ticks) < 0) {
		fprintf(stderr, "usage: %s URI TICKS (1..100000)\n", argv[0]);
		return 2;
	}
	vcn_log_set(vcn_log_stderr, NULL, VCN_LOG_WARN);
	if (vcn_collector_conf_init(&conf) < 0 || vcn_collector_conf_set(&conf, "uri", argv[1]) < 0 ||
	    vcn_collector_conf_set(&conf, "libvirt_timeout", "60s") < 0 ||
	    vcn_collector_conf_set(&conf, "per_device", "yes") < 0 ||
	    vcn_collector_conf_set(&conf, "phys_host", "bench") < 0)
		return 1;
	cpu = calloc((size_t)ticks, sizeof(*cpu));
	if (!cpu) {
		fprintf(stderr, "collector-scale: out of memory for %ld ticks\n", ticks);
		goto cleanup;
	}
	rss_start = rss_kib();
	if (vcn_collector_start(&c, &conf) < 0)
		goto cleanup;

	/* the first round connects and learns every VM: reported apart */
	t0 = process_cpu_ns();
	rc = vcn_collector_tick(&c);
	first_ns = process_cpu_ns() - t0;
	if (rc < 0 || c.source != VCN_VMSAMPLE_SRC_LIBVIRT) {
		fprintf(stderr, "collector-scale: first tick failed (%d, source %s)\n", rc,
			vcn_vmsample_source_name(c.source));
		goto stop;
	}
	rss_first = rss_kib();
	for (t = 0; t < ticks; t++) {
		t0 = process_cpu_ns();
		rc = vcn_collector_tick(&c);
		published = values = 0;
		for (i = 0; i < c.n; i++) {
			if (!c.vms[i].publish)
				continue;
			vcn_mvals_clear(&vals);
			if (vcn_vmpublish(&c.vms[i].m, conf.phys_host, conf.per_device, &vals) < 0)
				goto stop;
			published++;
			values += vals.n;
		}
		cpu[t] = process_cpu_ns() - t0;
		if (rc < 0 || c.source != VCN_VMSAMPLE_SRC_LIBVIRT) {
			fprintf(stderr, "collector-scale: tick %ld failed (%d, source %s)\n", t, rc,
				vcn_vmsample_source_name(c.source));
			goto stop;
		}
		sum += cpu[t];
	}
	rss_end = rss_kib();
	/* what the collector itself keeps per VM, from its own array sizes */
	heap = c.cap * sizeof(*c.vms) + c.scratch_cap * sizeof(*c.scratch) +
	       c.ds.cap * sizeof(*c.ds.vms) + vals.cap * sizeof(*vals.v);
	qsort(cpu, (size_t)ticks, sizeof(*cpu), cmp_u64);
	printf("vms=%zu published=%zu values_per_vm=%zu ticks=%ld first_ms=%.3f mean_ms=%.3f "
	       "median_ms=%.3f max_ms=%.3f rss_start_kib=%lu rss_first_kib=%lu rss_end_kib=%lu "
	       "collector_heap_kib=%.1f\n",
	       c.n, published, published ? values / published : 0, ticks, first_ns / 1e6,
	       sum / 1e6 / (double)ticks, cpu[ticks / 2] / 1e6, cpu[ticks - 1] / 1e6, rss_start,
	       rss_first, rss_end, heap / 1024.0);
	ret = 0;
stop:
	vcn_collector_stop(&c);
cleanup:
	vcn_mvals_free(&vals);
	free(cpu);
	vcn_collector_conf_free(&conf);
	return ret;
}
