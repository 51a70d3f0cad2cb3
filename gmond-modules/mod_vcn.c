/* vcn_module: every VM on this host as a Ganglia host of its own.
 *
 * gmond reads metrics_info once, after init(), so the per-VM metrics (VMs
 * come and go) cannot be module metrics: a sampler thread sends them itself,
 * as spoofed hosts on gmond's own send channels, every interval. The module
 * metrics proper are this host's aggregates (VMs, vCPUs, overcommit, worst
 * steal, fairness), which the handler serves from a cache: gmond's main
 * loop, which also receives the cluster's UDP traffic, never waits here. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <gm_metric.h>
#include <ganglia.h>
#include <libvirt/virterror.h>

#include "collector.h"
#include "collector_conf.h"
#include "gsend.h"
#include "log.h"
#include "vmpublish.h"

mmodule vcn_module;

enum host_metric {
	HM_VMS,
	HM_VCPUS,
	HM_OVERCOMMIT,
	HM_STEAL_WORST,
	HM_FAIR_CPU,
	HM_FAIR_DISK,
	HM_FAIR_NET,
	HM_SOURCE,
	HM_TICK_MS,
	HM_LAST
};

static Ganglia_25metric metric_info[HM_LAST + 1] = {
	[HM_VMS] = { 0, "vcn_vms", 90, GANGLIA_VALUE_UNSIGNED_INT, "VMs", "both", "%u",
		     UDP_HEADER_SIZE + 8, "VMs running on this host" },
	[HM_VCPUS] = { 0, "vcn_vcpus", 90, GANGLIA_VALUE_UNSIGNED_INT, "vCPUs", "both", "%u",
		       UDP_HEADER_SIZE + 8, "vCPUs allocated to running VMs" },
	[HM_OVERCOMMIT] = { 0, "vcn_overcommit", 90, GANGLIA_VALUE_FLOAT, "vCPUs/pCPU", "both", "%.2f",
			    UDP_HEADER_SIZE + 8, "vCPUs per physical CPU" },
	[HM_STEAL_WORST] = { 0, "vcn_steal_worst", 90, GANGLIA_VALUE_FLOAT, "%", "both", "%.1f",
			     UDP_HEADER_SIZE + 8, "Highest steal (run-queue delay) of a VM here" },
	[HM_FAIR_CPU] = { 0, "vcn_fair_cpu", 90, GANGLIA_VALUE_FLOAT, "Jain", "both", "%.3f",
			  UDP_HEADER_SIZE + 8, "Jain's fairness index of CPU among contending VMs" },
	[HM_FAIR_DISK] = { 0, "vcn_fair_disk", 90, GANGLIA_VALUE_FLOAT, "Jain", "both", "%.3f",
			   UDP_HEADER_SIZE + 8, "Jain's fairness index of disk among contending VMs" },
	[HM_FAIR_NET] = { 0, "vcn_fair_net", 90, GANGLIA_VALUE_FLOAT, "Jain", "both", "%.3f",
			  UDP_HEADER_SIZE + 8, "Jain's fairness index of network among contending VMs" },
	[HM_SOURCE] = { 0, "vcn_source", 90, GANGLIA_VALUE_STRING, "", "zero", "%s",
			UDP_HEADER_SIZE + 32, "Where VM numbers come from: libvirt, cgroup or none" },
	[HM_TICK_MS] = { 0, "vcn_tick_ms", 90, GANGLIA_VALUE_FLOAT, "ms", "both", "%.2f",
			 UDP_HEADER_SIZE + 8, "CPU time of one sampling round of the vcn module" },
	[HM_LAST] = { 0, NULL, 0, 0, NULL, NULL, NULL, 0, NULL, NULL },
};

static struct vcn_collector_conf conf;
static struct vcn_collector coll;
static struct vcn_gsend gs;
static struct vcn_mvals vals;
static pthread_t sampler;
static bool sampler_started;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static bool stopping;
static g_val_t cache[HM_LAST];

/* libvirt prints every error to stderr unless a handler is set; gmond is
 * the only libvirt user in its process, so the module may set it globally.
 * The collector reports what matters once, through the logger. */
static void quiet_libvirt(void *opaque, virErrorPtr err)
{
	(void)opaque;
	(void)err;
}

static void to_gmond_log(enum vcn_log_level level, const char *msg, void *opaque)
{
	(void)opaque;
	if (level <= VCN_LOG_WARN)
		err_msg("vcn_module: %s", msg);
	else
		debug_msg("vcn_module: %s", msg);
}

static void publish_cache(void)
{
	const struct vcn_hostmetrics *h = &coll.host;

	pthread_mutex_lock(&lock);
	cache[HM_VMS].uint32 = h->vms_running;
	cache[HM_VCPUS].uint32 = h->vcpus_allocated;
	cache[HM_OVERCOMMIT].f = (float)h->overcommit;
	cache[HM_STEAL_WORST].f = isnan(h->worst_steal) ? 0.0f : (float)h->worst_steal;
	cache[HM_FAIR_CPU].f = (float)h->fair_cpu;
	cache[HM_FAIR_DISK].f = (float)h->fair_disk;
	cache[HM_FAIR_NET].f = (float)h->fair_net;
	snprintf(cache[HM_SOURCE].str, sizeof(cache[HM_SOURCE].str), "%s",
		 !coll.source_ok ? "none" : vcn_vmsample_source_name(coll.source));
	cache[HM_TICK_MS].f = (float)(coll.last_tick_cpu_ns / 1e6);
	pthread_mutex_unlock(&lock);
}

/* Send every running VM as its own host. Metadata goes with a VM's first
 * three rounds (gmond lists a metric only once it has its metadata, and a
 * new VM's rates appear on its second round) and with every round when
 * @metadata (each metadata_interval), so a restarted gmond learns them again. */
static void send_vms(bool metadata)
{
	char spoof[VCN_IP4_STRLEN + VCN_VMSAMPLE_NAME_MAX + 1];
	size_t i;

	for (i = 0; i < coll.n; i++) {
		struct vcn_collected_vm *vm = &coll.vms[i];

		if (!vm->publish)
			continue;
		vcn_mvals_clear(&vals);
		if (vcn_vmpublish(&vm->m, conf.phys_host, conf.per_device, &vals) < 0) {
			vcn_err("out of memory building metrics of VM '%s'", vm->name);
			continue;
		}
		snprintf(spoof, sizeof(spoof), "%s:%s", vm->ip, vm->host);
		vcn_gsend_host(&gs, spoof, &vals, metadata || vm->published < 3);
		vm->published++;
	}
}

static void *sampler_main(void *arg)
{
	struct timespec next;
	uint64_t last_meta = 0, now;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&lock);
	while (!stopping) {
		pthread_mutex_unlock(&lock);
		vcn_collector_tick(&coll);
		now = vcn_now_ns();
		if (now - last_meta >= conf.metadata_interval_ms * 1000000u) {
			send_vms(true);
			last_meta = now;
		} else {
			send_vms(false);
		}
		publish_cache();
		next.tv_sec += (time_t)(conf.interval_ms / 1000);
		next.tv_nsec += (long)(conf.interval_ms % 1000) * 1000000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&lock);
		while (!stopping && pthread_cond_timedwait(&wake, &lock, &next) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

static int apply_params(void)
{
	const mmparam *p;
	int i, bad = 0;

	if (!vcn_module.module_params_list)
		return 0;
	p = (const mmparam *)vcn_module.module_params_list->elts;
	for (i = 0; i < vcn_module.module_params_list->nelts; i++)
		if (vcn_collector_conf_set(&conf, p[i].name, p[i].value) < 0)
			bad++;
	if (conf.dmax_s * 1000 < 2 * conf.interval_ms) {
		vcn_err("param 'dmax': %llu s must be at least two intervals (%llu ms): a running VM's "
			"metrics would expire between rounds", (unsigned long long)conf.dmax_s,
			(unsigned long long)conf.interval_ms);
		bad++;
	}
	if (conf.libvirt_timeout_ms >= conf.interval_ms) {
		vcn_err("param 'libvirt_timeout': %llu ms must be shorter than the interval (%llu ms)",
			(unsigned long long)conf.libvirt_timeout_ms, (unsigned long long)conf.interval_ms);
		bad++;
	}
	return bad;
}

static void stop_sampler(void)
{
	if (!sampler_started)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(sampler, NULL);
	sampler_started = false;
}

/* Runs before APR destroys gmond's pool's children, among them our send
 * pool: the sampler must not be sending then (it crashed gmond at exit). */
static apr_status_t pre_cleanup(void *data)
{
	(void)data;
	stop_sampler();
	gs.pool = NULL; /* APR destroys it with its parent */
	gs.channels = NULL;
	return APR_SUCCESS;
}

static int vcn_init(apr_pool_t *p)
{
	pthread_condattr_t ca;
	unsigned interval_s, i;
	int rc;

	vcn_log_set(to_gmond_log, NULL, VCN_LOG_INFO);
	virSetErrorFunc(NULL, quiet_libvirt);
	if (vcn_collector_conf_init(&conf) < 0)
		return 1;
	if (apply_params() > 0) {
		err_msg("vcn_module: not started: fix the params above in its conf.d snippet");
		return 1;
	}
	interval_s = (unsigned)((conf.interval_ms + 999) / 1000);
	for (i = 0; i < HM_LAST; i++)
		metric_info[i].tmax = (int)(4 * interval_s);
	for (i = 0; i < HM_LAST; i++) {
		MMETRIC_INIT_METADATA(&metric_info[i], p);
		MMETRIC_ADD_METADATA(&metric_info[i], MGROUP, "vcn");
	}
	if (vcn_gsend_open(&gs, (Ganglia_pool)p, (Ganglia_gmond_config)vcn_module.config_file,
			   4 * interval_s, (unsigned)conf.dmax_s) < 0)
		return 1;
	snprintf(cache[HM_SOURCE].str, sizeof(cache[HM_SOURCE].str), "none");
	cache[HM_FAIR_CPU].f = cache[HM_FAIR_DISK].f = cache[HM_FAIR_NET].f = 1.0f;
	if (vcn_collector_start(&coll, &conf) < 0)
		return 1;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wake, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&sampler, NULL, sampler_main, NULL);
	if (rc != 0) {
		err_msg("vcn_module: cannot start the sampler thread: %s", strerror(rc));
		vcn_collector_stop(&coll);
		return 1;
	}
	sampler_started = true;
	apr_pool_pre_cleanup_register(p, NULL, pre_cleanup);
	err_msg("vcn_module: sampling '%s' every %llu ms; VM hosts named by %s", conf.uri,
		(unsigned long long)conf.interval_ms, vcn_hostname_mode_name(conf.hostname));
	return 0;
}

static void vcn_cleanup(void)
{
	stop_sampler();
	vcn_collector_stop(&coll);
	vcn_mvals_free(&vals);
	vcn_gsend_close(&gs);
	vcn_collector_conf_free(&conf);
}

static g_val_t vcn_handler(int idx)
{
	g_val_t v;

	memset(&v, 0, sizeof(v));
	if (idx < 0 || idx >= HM_LAST)
		return v;
	pthread_mutex_lock(&lock);
	v = cache[idx];
	pthread_mutex_unlock(&lock);
	return v;
}

mmodule vcn_module = {
	STD_MMODULE_STUFF,
	vcn_init,
	vcn_cleanup,
	metric_info,
	vcn_handler,
};
