/* Bulk sampling: one virConnectGetAllDomainStats call per interval for all
 * running domains, whatever their number (per-domain calls cost libvirtd a
 * round trip, a domain lookup and a monitor job each). The typed parameters
 * are matched by name without allocating; the results land in an array that
 * is reused between intervals. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/virterror.h>

#include "domstats.h"
#include "log.h"

#define DOMSTATS_GROUPS \
	(VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_VCPU | \
	 VIR_DOMAIN_STATS_BALLOON | VIR_DOMAIN_STATS_BLOCK | VIR_DOMAIN_STATS_INTERFACE)

/* A counter named by the part of the field after its prefix, stored at
 * @off in its struct, announced by @bit. */
struct u64_field {
	const char *name;
	size_t off;
	unsigned bit;
};

static const struct u64_field dom_fields[] = {
	{ "cpu.time", offsetof(struct vcn_vmsample, cpu_time_ns), VCN_VMS_HAVE_CPU_TIME },
	{ "cpu.user", offsetof(struct vcn_vmsample, cpu_user_ns), VCN_VMS_HAVE_CPU_USER },
	{ "cpu.system", offsetof(struct vcn_vmsample, cpu_system_ns), VCN_VMS_HAVE_CPU_SYSTEM },
	{ "balloon.current", offsetof(struct vcn_vmsample, balloon_current_kib),
	  VCN_VMS_HAVE_BALLOON_CUR },
	{ "balloon.maximum", offsetof(struct vcn_vmsample, balloon_maximum_kib),
	  VCN_VMS_HAVE_BALLOON_MAX },
	{ "balloon.rss", offsetof(struct vcn_vmsample, rss_kib), VCN_VMS_HAVE_RSS },
};

static const struct u64_field vcpu_fields[] = {
	{ "time", offsetof(struct vcn_vmsample_vcpu, time_ns), VCN_VCPU_HAVE_TIME },
	{ "wait", offsetof(struct vcn_vmsample_vcpu, wait_ns), VCN_VCPU_HAVE_WAIT },
	{ "delay", offsetof(struct vcn_vmsample_vcpu, delay_ns), VCN_VCPU_HAVE_DELAY },
};

static const struct u64_field disk_fields[] = {
	{ "rd.reqs", offsetof(struct vcn_vmsample_disk, rd_reqs), VCN_DISK_HAVE_RD_REQS },
	{ "rd.bytes", offsetof(struct vcn_vmsample_disk, rd_bytes), VCN_DISK_HAVE_RD_BYTES },
	{ "rd.times", offsetof(struct vcn_vmsample_disk, rd_times_ns), VCN_DISK_HAVE_RD_TIMES },
	{ "wr.reqs", offsetof(struct vcn_vmsample_disk, wr_reqs), VCN_DISK_HAVE_WR_REQS },
	{ "wr.bytes", offsetof(struct vcn_vmsample_disk, wr_bytes), VCN_DISK_HAVE_WR_BYTES },
	{ "wr.times", offsetof(struct vcn_vmsample_disk, wr_times_ns), VCN_DISK_HAVE_WR_TIMES },
	{ "fl.reqs", offsetof(struct vcn_vmsample_disk, fl_reqs), VCN_DISK_HAVE_FL_REQS },
	{ "fl.times", offsetof(struct vcn_vmsample_disk, fl_times_ns), VCN_DISK_HAVE_FL_TIMES },
};

static const struct u64_field nic_fields[] = {
	{ "rx.bytes", offsetof(struct vcn_vmsample_nic, rx_bytes), VCN_NIC_HAVE_RX_BYTES },
	{ "rx.pkts", offsetof(struct vcn_vmsample_nic, rx_pkts), VCN_NIC_HAVE_RX_PKTS },
	{ "rx.errs", offsetof(struct vcn_vmsample_nic, rx_errs), VCN_NIC_HAVE_RX_ERRS },
	{ "rx.drop", offsetof(struct vcn_vmsample_nic, rx_drop), VCN_NIC_HAVE_RX_DROP },
	{ "tx.bytes", offsetof(struct vcn_vmsample_nic, tx_bytes), VCN_NIC_HAVE_TX_BYTES },
	{ "tx.pkts", offsetof(struct vcn_vmsample_nic, tx_pkts), VCN_NIC_HAVE_TX_PKTS },
	{ "tx.errs", offsetof(struct vcn_vmsample_nic, tx_errs), VCN_NIC_HAVE_TX_ERRS },
	{ "tx.drop", offsetof(struct vcn_vmsample_nic, tx_drop), VCN_NIC_HAVE_TX_DROP },
};

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Counters arrive as ULLONG from the qemu driver; accept any non-negative
 * integer type so that another driver's choice does not lose a field. */
static bool param_u64(const virTypedParameter *p, uint64_t *v)
{
	switch (p->type) {
	case VIR_TYPED_PARAM_ULLONG:
		*v = p->value.ul;
		return true;
	case VIR_TYPED_PARAM_UINT:
		*v = p->value.ui;
		return true;
	case VIR_TYPED_PARAM_LLONG:
		if (p->value.l < 0)
			return false;
		*v = (uint64_t)p->value.l;
		return true;
	case VIR_TYPED_PARAM_INT:
		if (p->value.i < 0)
			return false;
		*v = (uint64_t)p->value.i;
		return true;
	default:
		return false;
	}
}

/* "12.rest": *idx = 12, *rest = "rest". Digits only, no sign, no overflow. */
static bool parse_index(const char *f, unsigned *idx, const char **rest)
{
	unsigned v = 0;

	if (*f < '0' || *f > '9')
		return false;
	for (; *f >= '0' && *f <= '9'; f++) {
		if (v > (UINT_MAX - 9) / 10)
			return false;
		v = v * 10 + (unsigned)(*f - '0');
	}
	if (*f != '.')
		return false;
	*idx = v;
	*rest = f + 1;
	return true;
}

static void warn_once(unsigned *warned, unsigned bit, const struct vcn_vmsample *s,
		      const char *what, unsigned idx, unsigned max)
{
	if (warned && (*warned & bit))
		return;
	if (warned)
		*warned |= bit;
	vcn_warn("domain '%s': %s %u and above ignored: at most %u are kept (reported once)",
		 s->name, what, idx, max);
}

static void bad_type(unsigned *warned, const struct vcn_vmsample *s, const virTypedParameter *p)
{
	if (warned && (*warned & VCN_DOMSTATS_WARNED_TYPE))
		return;
	if (warned)
		*warned |= VCN_DOMSTATS_WARNED_TYPE;
	vcn_warn("domain '%s': field '%s' has unexpected type %d or a negative value; ignored "
		 "(reported once)", s->name, p->field, p->type);
}

/* Store @p in the counter of @tab named @name inside @base; returns false
 * when @name is not in the table (an uninteresting field). */
static bool store_u64(const struct u64_field *tab, size_t ntab, const char *name,
		      const virTypedParameter *p, void *base, unsigned *have,
		      const struct vcn_vmsample *s, unsigned *warned)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < ntab; i++) {
		if (strcmp(tab[i].name, name) != 0)
			continue;
		if (!param_u64(p, &v)) {
			bad_type(warned, s, p);
			return true;
		}
		*(uint64_t *)((char *)base + tab[i].off) = v;
		*have |= tab[i].bit;
		return true;
	}
	return false;
}

/* Device names are strings; anything else is a malformed record. */
static bool copy_name(char *dst, size_t size, const virTypedParameter *p,
		      const struct vcn_vmsample *s, unsigned *warned)
{
	if (p->type != VIR_TYPED_PARAM_STRING || !p->value.s) {
		bad_type(warned, s, p);
		return false;
	}
	snprintf(dst, size, "%s", p->value.s);
	return true;
}

static void parse_vcpu(const virTypedParameter *p, const char *rest, struct vcn_vmsample *s,
		       unsigned *warned)
{
	struct vcn_vmsample_vcpu *v;
	uint64_t u;
	unsigned idx;

	if (strcmp(rest, "current") == 0 || strcmp(rest, "maximum") == 0) {
		if (!param_u64(p, &u) || u > UINT_MAX) {
			bad_type(warned, s, p);
			return;
		}
		if (rest[0] == 'c') {
			s->vcpus_current = (unsigned)u;
			s->have |= VCN_VMS_HAVE_VCPUS;
		} else {
			s->vcpus_max = (unsigned)u;
		}
		return;
	}
	if (!parse_index(rest, &idx, &rest))
		return;
	if (idx >= VCN_VMSAMPLE_MAX_VCPUS) {
		s->truncated |= VCN_VMSAMPLE_TRUNC_VCPUS;
		warn_once(warned, VCN_DOMSTATS_WARNED_VCPUS, s, "vCPU", idx,
			  VCN_VMSAMPLE_MAX_VCPUS);
		return;
	}
	v = &s->vcpu[idx];
	if (store_u64(vcpu_fields, NELEMS(vcpu_fields), rest, p, v, &v->have, s, warned) &&
	    idx >= s->nvcpus)
		s->nvcpus = idx + 1;
}

static void parse_block(const virTypedParameter *p, const char *rest, struct vcn_vmsample *s,
			unsigned *warned)
{
	struct vcn_vmsample_disk *d;
	unsigned idx;

	if (!parse_index(rest, &idx, &rest))
		return; /* block.count: the indices tell us as much */
	if (idx >= VCN_VMSAMPLE_MAX_DISKS) {
		s->truncated |= VCN_VMSAMPLE_TRUNC_DISKS;
		warn_once(warned, VCN_DOMSTATS_WARNED_DISKS, s, "disk", idx,
			  VCN_VMSAMPLE_MAX_DISKS);
		return;
	}
	d = &s->disk[idx];
	if (strcmp(rest, "name") == 0) {
		if (!copy_name(d->name, sizeof(d->name), p, s, warned))
			return;
	} else if (!store_u64(disk_fields, NELEMS(disk_fields), rest, p, d, &d->have, s, warned))
		return; /* path, allocation, capacity, backingIndex, ... */
	if (idx >= s->ndisks)
		s->ndisks = idx + 1;
}

static void parse_net(const virTypedParameter *p, const char *rest, struct vcn_vmsample *s,
		      unsigned *warned)
{
	struct vcn_vmsample_nic *n;
	unsigned idx;

	if (!parse_index(rest, &idx, &rest))
		return;
	if (idx >= VCN_VMSAMPLE_MAX_NICS) {
		s->truncated |= VCN_VMSAMPLE_TRUNC_NICS;
		warn_once(warned, VCN_DOMSTATS_WARNED_NICS, s, "interface", idx,
			  VCN_VMSAMPLE_MAX_NICS);
		return;
	}
	n = &s->nic[idx];
	if (strcmp(rest, "name") == 0) {
		if (!copy_name(n->name, sizeof(n->name), p, s, warned))
			return;
	} else if (!store_u64(nic_fields, NELEMS(nic_fields), rest, p, n, &n->have, s, warned))
		return;
	if (idx >= s->nnics)
		s->nnics = idx + 1;
}

static void parse_state(const virTypedParameter *p, struct vcn_vmsample *s, unsigned *warned)
{
	uint64_t v;

	if (!param_u64(p, &v) || v >= VCN_VM_STATE_LAST) {
		bad_type(warned, s, p);
		return;
	}
	s->state = (enum vcn_vm_state)v;
	s->have |= VCN_VMS_HAVE_STATE;
}

/* Matching is by sample, not by name: an entry whose name libvirt did not
 * send (hole in the indices, unnamed device) still needs one to be matched
 * between samples, so it gets its libvirt index as a name. */
static void name_unnamed(struct vcn_vmsample *s)
{
	unsigned i;

	for (i = 0; i < s->ndisks; i++)
		if (!s->disk[i].name[0])
			snprintf(s->disk[i].name, sizeof(s->disk[i].name), "block%u", i);
	for (i = 0; i < s->nnics; i++)
		if (!s->nic[i].name[0])
			snprintf(s->nic[i].name, sizeof(s->nic[i].name), "net%u", i);
}

/**
 * vcn_domstats_parse: fill @s from one domain's typed parameters as
 * virConnectGetAllDomainStats returns them (state.*, cpu.*, balloon.*,
 * vcpu.*, block.N.*, net.N.*).
 * @params, @nparams: the record's parameters (not modified, not kept)
 * @s: reset by the caller (vcn_vmsample_reset) with name set for messages;
 *     only fields found are set, each with its have-bit
 * @warned: VCN_DOMSTATS_WARNED_* bits of warnings already given (updated);
 *     NULL warns every time
 * Unknown fields are skipped; a known field of the wrong type is skipped with
 * a warning; indices beyond the struct maxima set s->truncated and warn.
 * Returns 0, or -EINVAL when @params is NULL with @nparams > 0 or @s is NULL.
 */
int vcn_domstats_parse(const virTypedParameter *params, int nparams,
		       struct vcn_vmsample *s, unsigned *warned)
{
	int i;

	if (!s || nparams < 0 || (nparams > 0 && !params))
		return -EINVAL;
	for (i = 0; i < nparams; i++) {
		const virTypedParameter *p = &params[i];
		const char *f = p->field;

		switch (f[0]) {
		case 'b':
			if (strncmp(f, "block.", 6) == 0)
				parse_block(p, f + 6, s, warned);
			else
				store_u64(dom_fields, NELEMS(dom_fields), f, p, s, &s->have, s, warned);
			break;
		case 'c':
			store_u64(dom_fields, NELEMS(dom_fields), f, p, s, &s->have, s, warned);
			break;
		case 'n':
			if (strncmp(f, "net.", 4) == 0)
				parse_net(p, f + 4, s, warned);
			break;
		case 's':
			if (strcmp(f, "state.state") == 0)
				parse_state(p, s, warned);
			break;
		case 'v':
			if (strncmp(f, "vcpu.", 5) == 0)
				parse_vcpu(p, f + 5, s, warned);
			break;
		default:
			break;
		}
	}
	name_unnamed(s);
	return 0;
}

/* Map the last libvirt error to -errno. A connection that is no longer alive
 * is -ENOTCONN whatever the message, so the caller knows to reconnect. */
static int virt_errno(virConnectPtr conn)
{
	virErrorPtr e = virGetLastError();

	if (conn && virConnectIsAlive(conn) == 0)
		return -ENOTCONN;
	if (!e)
		return -EIO;
	switch (e->code) {
	case VIR_ERR_NO_MEMORY:
		return -ENOMEM;
	case VIR_ERR_NO_SUPPORT:
	case VIR_ERR_OPERATION_UNSUPPORTED:
	case VIR_ERR_ARGUMENT_UNSUPPORTED:
		return -ENOTSUP;
	case VIR_ERR_INVALID_ARG:
		return -EINVAL;
	case VIR_ERR_OPERATION_TIMEOUT:
		return -ETIMEDOUT;
	case VIR_ERR_INVALID_CONN:
	case VIR_ERR_NO_CONNECT:
	case VIR_ERR_RPC:
		return -ENOTCONN;
	case VIR_ERR_AUTH_FAILED:
	case VIR_ERR_AUTH_CANCELLED:
	case VIR_ERR_ACCESS_DENIED:
		return -EACCES;
	default:
		return -EIO;
	}
}

/* Initialise @ds to empty (equivalent to zero-filling it). */
void vcn_domstats_init(struct vcn_domstats *ds)
{
	memset(ds, 0, sizeof(*ds));
}

/* Release what @ds holds and empty it; @ds itself is the caller's. NULL is
 * a no-op. */
void vcn_domstats_free(struct vcn_domstats *ds)
{
	if (!ds)
		return;
	free(ds->vms);
	vcn_domstats_init(ds);
}

static int grow(struct vcn_domstats *ds, size_t want)
{
	struct vcn_vmsample *vms;
	size_t cap = ds->cap ? ds->cap : 16;

	if (want <= ds->cap)
		return 0;
	while (cap < want) {
		if (cap > SIZE_MAX / 2 / sizeof(*vms))
			return -ENOMEM;
		cap *= 2;
	}
	vms = realloc(ds->vms, cap * sizeof(*vms));
	if (!vms)
		return -ENOMEM;
	ds->vms = vms;
	ds->cap = cap;
	return 0;
}

/**
 * vcn_domstats_sample: one round trip to libvirtd for the counters of every
 * running (and paused) domain.
 * @conn: an open connection (the caller owns it and its error handler; set
 *     one with virConnSetErrorFunc to keep libvirt from printing on stderr)
 * @ds: reused result; on success ds->vms[0..n-1] hold one sample each, with
 *     name, raw UUID, id, t_ns (CLOCK_MONOTONIC, the midpoint of the call) and
 *     source VCN_VMSAMPLE_SRC_LIBVIRT; the array stays owned by @ds
 * Asks for VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT, so a domain busy with
 * a job (migration, snapshot) reports what it can without blocking the
 * caller; when a server refuses that flag the call is repeated without it,
 * once, and the flag is not asked for again on this @ds.
 * Returns the number of domains (>= 0), or -errno: -ENOTCONN (connection
 * lost: reconnect), -ENOMEM, -EIO, ... with libvirt's message logged once
 * per run of identical failures. On failure ds->n is 0.
 */
int vcn_domstats_sample(virConnectPtr conn, struct vcn_domstats *ds)
{
	virDomainStatsRecordPtr *recs = NULL;
	unsigned flags = VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE;
	struct timespec ts;
	uint64_t t_ns, t0_ns;
	int nrec, rc = 0, i;

	if (!ds)
		return -EINVAL;
	ds->n = 0;
	if (!conn) {
		rc = -ENOTCONN;
		if (ds->last_rc != rc)
			vcn_err("libvirt domain stats: no connection");
		goto cleanup;
	}
	if (!ds->no_nowait)
		flags |= VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	nrec = virConnectGetAllDomainStats(conn, DOMSTATS_GROUPS, &recs, flags);
	if (nrec < 0 && !ds->no_nowait && virConnectIsAlive(conn) == 1 &&
	    virGetLastErrorCode() == VIR_ERR_INVALID_ARG) {
		vcn_info("libvirt domain stats: server refused NOWAIT (%s); asking without it",
			 virGetLastErrorMessage());
		ds->no_nowait = 1;
		flags &= ~(unsigned)VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		t0_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		nrec = virConnectGetAllDomainStats(conn, DOMSTATS_GROUPS, &recs, flags);
	}
	if (nrec < 0) {
		rc = virt_errno(conn);
		if (ds->last_rc != rc)
			vcn_err("virConnectGetAllDomainStats failed: %s", virGetLastErrorMessage());
		else
			vcn_debug("virConnectGetAllDomainStats failed again: %s",
				  virGetLastErrorMessage());
		virResetLastError();
		goto cleanup;
	}
	/* The counters were read somewhere during the call, which takes seconds
	 * on a loaded host: its midpoint is the best estimate (stamping its end
	 * made rates swing, steal above 100 %, when call durations varied). */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	t_ns = t0_ns + (t_ns - t0_ns) / 2;
	rc = grow(ds, (size_t)nrec);
	if (rc < 0) {
		vcn_err("libvirt domain stats: no memory for %d domains", nrec);
		goto cleanup;
	}
	for (i = 0; i < nrec; i++) {
		struct vcn_vmsample *s = &ds->vms[ds->n];
		virDomainPtr dom = recs[i]->dom;
		const char *name = virDomainGetName(dom);
		unsigned id;

		vcn_vmsample_reset(s);
		s->t_ns = t_ns;
		s->source = VCN_VMSAMPLE_SRC_LIBVIRT;
		if (name)
			snprintf(s->name, sizeof(s->name), "%s", name);
		/* Both are local lookups in the virDomainPtr: no round trip. */
		if (virDomainGetUUID(dom, s->uuid) < 0) {
			virResetLastError();
			continue;
		}
		id = virDomainGetID(dom);
		if (id != (unsigned)-1 && id <= INT_MAX) {
			s->id = (int)id;
			s->have |= VCN_VMS_HAVE_ID;
		}
		vcn_domstats_parse(recs[i]->params, recs[i]->nparams, s, &ds->warned);
		ds->n++;
	}
	rc = (int)ds->n;

cleanup:
	if (recs)
		virDomainStatsRecordListFree(recs);
	ds->last_rc = rc < 0 ? rc : 0;
	return rc;
}

/**
 * vcn_domstats_hostinfo: the physical host's CPU and memory (virNodeGetInfo,
 * one round trip; call it at start and now and then, not every interval).
 * @conn: an open connection; @hi: filled on success.
 * Returns 0 or -errno with libvirt's message logged.
 */
int vcn_domstats_hostinfo(virConnectPtr conn, struct vcn_hostinfo *hi)
{
	virNodeInfo info;
	int rc = 0;

	if (!conn || !hi)
		return -EINVAL;
	if (virNodeGetInfo(conn, &info) < 0) {
		rc = virt_errno(conn);
		vcn_err("virNodeGetInfo failed: %s", virGetLastErrorMessage());
		virResetLastError();
		goto cleanup;
	}
	memset(hi, 0, sizeof(*hi));
	hi->pcpus = info.cpus;
	hi->mhz = info.mhz;
	hi->nodes = info.nodes;
	hi->sockets = info.sockets;
	hi->cores = info.cores;
	hi->threads = info.threads;
	hi->memory_kib = info.memory;
	snprintf(hi->model, sizeof(hi->model), "%.*s", (int)sizeof(info.model), info.model);

cleanup:
	return rc;
}
