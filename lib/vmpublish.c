/* Which numbers a VM's Ganglia host gets, under which names. Stock names
 * (cpu_user, cpu_system, cpu_idle, cpu_steal, cpu_wio, cpu_num, load_one,
 * mem_total, bytes_in/out, pkts_in/out) make ganglia-web's stock reports
 * render VM pages; everything else is vcn_*. Unknown values (NAN) are left
 * out: Ganglia shows a gap, never a made-up zero. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vmpublish.h"

static const char *const type_names[VCN_MVAL_TYPE_LAST] = {
	[VCN_MVAL_FLOAT] = "float",
	[VCN_MVAL_UINT] = "uint32",
	[VCN_MVAL_STRING] = "string",
};

/* The gmetric type name ("float", "uint32", "string"); NULL if out of range. */
const char *vcn_mval_type_name(enum vcn_mval_type t)
{
	return (unsigned)t < VCN_MVAL_TYPE_LAST ? type_names[t] : NULL;
}

/* Empty the list, keeping its memory. */
void vcn_mvals_clear(struct vcn_mvals *l)
{
	l->n = 0;
}

/* Free the list's memory; NULL-safe. */
void vcn_mvals_free(struct vcn_mvals *l)
{
	if (!l)
		return;
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static struct vcn_mval *push(struct vcn_mvals *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct vcn_mval *p = realloc(l->v, cap * sizeof(*p));

		if (!p)
			return NULL;
		l->v = p;
		l->cap = cap;
	}
	return &l->v[l->n++];
}

/* Metric names carry device names: keep [a-z0-9_] so that RRD file names
 * and ganglia-web's regexes stay simple. */
static void sanitize(char *s)
{
	for (; *s; s++)
		*s = isalnum((unsigned char)*s) ? (char)tolower((unsigned char)*s) : '_';
}

static int __attribute__((format(printf, 6, 7)))
add(struct vcn_mvals *l, enum vcn_mval_type type, const char *units, const char *group,
    const char *title, const char *namefmt, ...)
{
	struct vcn_mval *v = push(l);
	va_list ap;
	int n;

	if (!v)
		return -ENOMEM;
	va_start(ap, namefmt);
	n = vsnprintf(v->name, sizeof(v->name), namefmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(v->name)) {
		l->n--;
		vcn_warn("metric name too long, dropped: '%s'", v->name);
		return 0;
	}
	sanitize(v->name);
	v->type = type;
	v->units = units;
	v->group = group;
	v->title = title;
	v->value[0] = '\0';
	return 0;
}

/* Append a float value @x named by @namefmt (taken as it is: controller
 * metrics carry VCN and host names) to @l, grown as needed; @units, @group
 * and @title are borrowed. Unknown values (NAN) and names too long for
 * Ganglia are left out. Returns 0 or -ENOMEM. */
int vcn_mvals_add_float(struct vcn_mvals *l, double x, const char *units, const char *group,
			const char *title, const char *namefmt, ...)
{
	struct vcn_mval *v;
	va_list ap;
	int n;

	if (isnan(x))
		return 0;
	v = push(l);
	if (!v)
		return -ENOMEM;
	memset(v, 0, sizeof(*v));
	va_start(ap, namefmt);
	n = vsnprintf(v->name, sizeof(v->name), namefmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(v->name)) {
		l->n--;
		return 0;
	}
	v->type = VCN_MVAL_FLOAT;
	v->units = units;
	v->group = group;
	v->title = title;
	snprintf(v->value, sizeof(v->value), "%.4f", x);
	return 0;
}

/* A float value named @name, left out when unknown. */
static int addf(struct vcn_mvals *l, double x, const char *units, const char *group, const char *title,
		const char *name)
{
	int rc;

	if (isnan(x))
		return 0;
	rc = add(l, VCN_MVAL_FLOAT, units, group, title, "%s", name);
	if (rc == 0)
		snprintf(l->v[l->n - 1].value, sizeof(l->v[0].value), "%.2f", x);
	return rc;
}

static int add_disk(struct vcn_mvals *l, const struct vcn_disk_metrics *d, const char *dev)
{
	static const struct {
		size_t off;
		const char *name, *units, *title;
	} f[] = {
		{ offsetof(struct vcn_disk_metrics, rd_bytes_s), "read_bytes", "bytes/sec", "Disk read" },
		{ offsetof(struct vcn_disk_metrics, wr_bytes_s), "write_bytes", "bytes/sec", "Disk write" },
		{ offsetof(struct vcn_disk_metrics, rd_ops_s), "read_ops", "ops/sec", "Disk read ops" },
		{ offsetof(struct vcn_disk_metrics, wr_ops_s), "write_ops", "ops/sec", "Disk write ops" },
		{ offsetof(struct vcn_disk_metrics, fl_ops_s), "flushes", "ops/sec", "Disk flushes" },
		{ offsetof(struct vcn_disk_metrics, rd_ms_op), "read_ms", "ms/op", "Disk read latency" },
		{ offsetof(struct vcn_disk_metrics, wr_ms_op), "write_ms", "ms/op", "Disk write latency" },
	};
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(f) / sizeof(f[0]) && rc == 0; i++) {
		double x = *(const double *)((const char *)d + f[i].off);

		char name[64];

		if (dev)
			snprintf(name, sizeof(name), "vcn_disk_%s_%s", dev, f[i].name);
		else
			snprintf(name, sizeof(name), "vcn_disk_%s", f[i].name);
		rc = addf(l, x, f[i].units, "vcn_disk", f[i].title, name);
	}
	return rc;
}

static int add_nic(struct vcn_mvals *l, const struct vcn_nic_metrics *n, const char *dev)
{
	static const struct {
		size_t off;
		const char *name, *units, *title;
	} f[] = {
		{ offsetof(struct vcn_nic_metrics, bytes_in), "bytes_in", "bytes/sec", "Bytes received" },
		{ offsetof(struct vcn_nic_metrics, bytes_out), "bytes_out", "bytes/sec", "Bytes sent" },
		{ offsetof(struct vcn_nic_metrics, pkts_in), "pkts_in", "packets/sec", "Packets received" },
		{ offsetof(struct vcn_nic_metrics, pkts_out), "pkts_out", "packets/sec", "Packets sent" },
		{ offsetof(struct vcn_nic_metrics, errs_in), "errs_in", "packets/sec", "Receive errors" },
		{ offsetof(struct vcn_nic_metrics, errs_out), "errs_out", "packets/sec", "Send errors" },
		{ offsetof(struct vcn_nic_metrics, drops_in), "drops_in", "packets/sec", "Receive drops" },
		{ offsetof(struct vcn_nic_metrics, drops_out), "drops_out", "packets/sec", "Send drops" },
	};
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(f) / sizeof(f[0]) && rc == 0; i++) {
		double x = *(const double *)((const char *)n + f[i].off);

		char name[64];
		/* the summed bytes and packets keep the stock names of the network reports */
		bool stock = !dev && i < 4;

		if (dev)
			snprintf(name, sizeof(name), "vcn_net_%s_%s", dev, f[i].name);
		else
			snprintf(name, sizeof(name), stock ? "%s" : "vcn_net_%s", f[i].name);
		rc = addf(l, x, f[i].units, stock ? "network" : "vcn_net", f[i].title, name);
	}
	return rc;
}

static int add_str(struct vcn_mvals *l, const char *name, const char *value, const char *group, const char *title)
{
	int rc = add(l, VCN_MVAL_STRING, "", group, title, "%s", name);

	if (rc == 0)
		snprintf(l->v[l->n - 1].value, sizeof(l->v[0].value), "%s", value);
	return rc;
}

/* Append VM @m's values to @out (not cleared first). @phys_host names the
 * hypervisor it runs on (vcn_phys_host), so a migrated VM is traceable.
 * Returns 0 or -ENOMEM. */
int vcn_vmpublish(const struct vcn_vmmetrics *m, const char *phys_host, bool per_device,
		  struct vcn_mvals *out)
{
	char name[64];
	double load = NAN;
	unsigned i;
	int rc = 0;

	rc |= add(out, VCN_MVAL_UINT, "CPUs", "cpu", "Virtual CPUs", "cpu_num");
	if (rc == 0)
		snprintf(out->v[out->n - 1].value, sizeof(out->v[0].value), "%u", m->cpu_num);
	rc |= addf(out, m->cpu_user, "%", "cpu", "CPU user", "cpu_user");
	rc |= addf(out, m->cpu_system, "%", "cpu", "CPU system", "cpu_system");
	rc |= addf(out, m->cpu_idle, "%", "cpu", "CPU idle", "cpu_idle");
	rc |= addf(out, m->cpu_steal, "%", "cpu", "CPU steal: run-queue delay", "cpu_steal");
	rc |= addf(out, m->cpu_wio, "%", "cpu", "CPU wio", "cpu_wio");
	rc |= addf(out, m->cpu_used, "CPUs", "vcn_cpu", "Host CPUs used by the VM", "vcn_cpu_used");
	/* "load": vCPUs running or runnable on average, the hypervisor's view */
	for (i = 0; i < m->nvcpus; i++) {
		double r = m->vcpu[i].util_pct + m->vcpu[i].steal_pct;

		if (isnan(r)) {
			load = NAN;
			break;
		}
		load = (isnan(load) ? 0 : load) + r / 100.0;
	}
	rc |= addf(out, load, "", "load", "Runnable vCPUs", "load_one");
	if (!isnan(m->mem_total_kib))
		rc |= addf(out, m->mem_total_kib, "KB", "memory", "Memory (balloon)", "mem_total");
	rc |= addf(out, m->rss_kib, "KB", "memory", "qemu RSS", "vcn_rss");
	if (per_device) {
		for (i = 0; i < m->nvcpus && rc == 0; i++) {
			snprintf(name, sizeof(name), "vcn_vcpu%u_util", i);
			rc |= addf(out, m->vcpu[i].util_pct, "%", "vcn_vcpu", "vCPU utilisation", name);
			snprintf(name, sizeof(name), "vcn_vcpu%u_steal", i);
			rc |= addf(out, m->vcpu[i].steal_pct, "%", "vcn_vcpu", "vCPU steal", name);
		}
	}
	rc |= add_disk(out, &m->disk_sum, NULL);
	for (i = 0; per_device && i < m->ndisks && rc == 0; i++)
		rc |= add_disk(out, &m->disk[i], m->disk[i].name);
	rc |= add_nic(out, &m->nic_sum, NULL);
	for (i = 0; per_device && i < m->nnics && rc == 0; i++)
		rc |= add_nic(out, &m->nic[i], m->nic[i].name);
	rc |= add_str(out, "vcn_state", vcn_vm_state_name(m->state), "vcn", "VM state");
	rc |= add_str(out, "vcn_phys_host", phys_host, "vcn", "Physical host");
	return rc ? -ENOMEM : 0;
}

/* "name type value units group" per line, for logs and golden tests.
 * Returns the length written, or -ERANGE if @buf was too small. */
int vcn_mvals_format(const struct vcn_mvals *l, char *buf, size_t size)
{
	size_t used = 0, i;
	int n;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < l->n; i++) {
		const struct vcn_mval *v = &l->v[i];

		n = snprintf(buf + used, size - used, "%s %s %s [%s] %s\n", v->name,
			     vcn_mval_type_name(v->type), v->value, v->units, v->group);
		if (n < 0 || (size_t)n >= size - used)
			return -ERANGE;
		used += (size_t)n;
	}
	return (int)used;
}
