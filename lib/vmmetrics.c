/* From raw domain counters (lib/vmsample.h) to what Ganglia shows.
 *
 * Per VM, from two consecutive samples prev -> cur of the same domain:
 * - CPU percentages are of the VM's capacity, cpu_num x dt, like a physical
 *   host's: cpu_user = delta cpu.user / (vcpus x dt), likewise cpu_system;
 *   cpu_steal = sum of delta vcpu.N.delay (time a runnable vCPU waited for a
 *   physical CPU: what the guest's own "st" shows), cpu_wio = sum of delta
 *   vcpu.N.wait; cpu_idle = 100 - user - system - steal, clamped to 0..100
 *   (qemu's own threads are in cpu.user/system, so on a busy VM the sum can
 *   pass 100; idle then reads 0, not negative).
 *   Without cpu.user/system (cgroup source without cpuacct.stat) cpu_user is
 *   the vCPU time and cpu_system is unknown.
 * - Per vCPU (matched by vCPU number): util and steal in percent of one CPU.
 * - Disks and NICs are matched by name (hot-plug may reorder them); a device
 *   new in cur has unknown rates this time.  Latency is delta times over
 *   delta requests, in ms per op, and 0 when there were no requests (as
 *   iostat prints it), so an idle disk does not vanish from the graphs.
 *   Totals add the known per-device values; total latency weighs devices by
 *   their requests.
 * - A changed domain id means the VM was restarted between the samples: all
 *   counters restarted, every rate is unknown ('restarted' set) even where a
 *   counter has already grown past its old value.
 * Rates go through lib/rate.c (64-bit counters: a decrease is a reset, not
 * a wrap), so a reset counter gives an unknown value, never a huge one.
 *
 * Host aggregates and fairness: see vcn_hostmetrics_compute().
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fairness.h"
#include "log.h"
#include "rate.h"
#include "vmmetrics.h"

struct span {
	uint64_t t0, t1;
	bool ok;      /* both samples present and comparable */
};

/* Increase of one cumulative field between the samples, through rate.c. */
static bool delta(const struct span *sp, bool have, uint64_t a, uint64_t b, uint64_t *d)
{
	struct vcn_counter c;

	if (!sp->ok || !have)
		return false;
	vcn_counter_init(&c, 64);
	(void)vcn_counter_delta(&c, a, sp->t0, NULL, NULL);
	return vcn_counter_delta(&c, b, sp->t1, d, NULL) == 0;
}

static double per_s(const struct span *sp, bool have, uint64_t a, uint64_t b)
{
	uint64_t d;

	if (!delta(sp, have, a, b, &d))
		return NAN;
	return (double)d * 1e9 / (double)(sp->t1 - sp->t0);
}

static void add(double *sum, double v)
{
	if (isnan(v))
		return;
	*sum = isnan(*sum) ? v : *sum + v;
}

static void disk_nan(struct vcn_disk_metrics *d)
{
	d->rd_bytes_s = d->wr_bytes_s = NAN;
	d->rd_ops_s = d->wr_ops_s = d->fl_ops_s = NAN;
	d->rd_ms_op = d->wr_ms_op = d->fl_ms_op = NAN;
}

static void nic_nan(struct vcn_nic_metrics *n)
{
	n->bytes_in = n->bytes_out = n->pkts_in = n->pkts_out = NAN;
	n->errs_in = n->errs_out = n->drops_in = n->drops_out = NAN;
}

static void copy_name(char *dst, size_t size, const char *src)
{
	size_t len = strnlen(src, size - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Everything unknown, no devices. */
void vcn_vmmetrics_init(struct vcn_vmmetrics *m)
{
	unsigned i;

	memset(m, 0, sizeof(*m));
	m->dt_s = NAN;
	m->cpu_user = m->cpu_system = m->cpu_wio = m->cpu_steal = m->cpu_idle = NAN;
	m->cpu_used = m->mem_total_kib = m->rss_kib = NAN;
	for (i = 0; i < VCN_VMSAMPLE_MAX_VCPUS; i++)
		m->vcpu[i].util_pct = m->vcpu[i].steal_pct = NAN;
	for (i = 0; i < VCN_VMSAMPLE_MAX_DISKS; i++)
		disk_nan(&m->disk[i]);
	for (i = 0; i < VCN_VMSAMPLE_MAX_NICS; i++)
		nic_nan(&m->nic[i]);
	disk_nan(&m->disk_sum);
	nic_nan(&m->nic_sum);
	copy_name(m->disk_sum.name, sizeof(m->disk_sum.name), "total");
	copy_name(m->nic_sum.name, sizeof(m->nic_sum.name), "total");
}

/* Per-op latency in ms from the deltas of a times and a reqs counter. */
static double ms_op(bool ok_t, uint64_t dtimes, bool ok_r, uint64_t dreqs)
{
	if (!ok_t || !ok_r)
		return NAN;
	return dreqs ? (double)dtimes / (double)dreqs / 1e6 : 0.0;
}

struct lat_acc {
	uint64_t times, reqs;
	bool any;
};

static void lat_add(struct lat_acc *a, bool ok_t, uint64_t dtimes, bool ok_r, uint64_t dreqs)
{
	if (!ok_t || !ok_r)
		return;
	a->times += dtimes;
	a->reqs += dreqs;
	a->any = true;
}

static double lat_ms(const struct lat_acc *a)
{
	return ms_op(a->any, a->times, a->any, a->reqs);
}

static void compute_disks(const struct span *sp, const struct vcn_vmsample *p,
			  const struct vcn_vmsample *c, struct vcn_vmmetrics *m)
{
	struct lat_acc rd = { 0, 0, false }, wr = rd, fl = rd;
	unsigned i, j;

	m->ndisks = c->ndisks;
	for (i = 0; i < c->ndisks && i < VCN_VMSAMPLE_MAX_DISKS; i++) {
		const struct vcn_vmsample_disk *b = &c->disk[i], *a = NULL;
		struct vcn_disk_metrics *d = &m->disk[i];
		uint64_t dt_rd = 0, dr_rd = 0, dt_wr = 0, dr_wr = 0, dt_fl = 0, dr_fl = 0;
		bool ot, orq;
		unsigned h;

		copy_name(d->name, sizeof(d->name), b->name);
		for (j = 0; p && j < p->ndisks && j < VCN_VMSAMPLE_MAX_DISKS; j++)
			if (strncmp(p->disk[j].name, b->name, sizeof(b->name)) == 0)
				a = &p->disk[j];
		if (!a)
			continue;
		h = a->have & b->have;
		d->rd_bytes_s = per_s(sp, h & VCN_DISK_HAVE_RD_BYTES, a->rd_bytes, b->rd_bytes);
		d->wr_bytes_s = per_s(sp, h & VCN_DISK_HAVE_WR_BYTES, a->wr_bytes, b->wr_bytes);
		d->rd_ops_s = per_s(sp, h & VCN_DISK_HAVE_RD_REQS, a->rd_reqs, b->rd_reqs);
		d->wr_ops_s = per_s(sp, h & VCN_DISK_HAVE_WR_REQS, a->wr_reqs, b->wr_reqs);
		d->fl_ops_s = per_s(sp, h & VCN_DISK_HAVE_FL_REQS, a->fl_reqs, b->fl_reqs);

		ot = delta(sp, h & VCN_DISK_HAVE_RD_TIMES, a->rd_times_ns, b->rd_times_ns, &dt_rd);
		orq = delta(sp, h & VCN_DISK_HAVE_RD_REQS, a->rd_reqs, b->rd_reqs, &dr_rd);
		d->rd_ms_op = ms_op(ot, dt_rd, orq, dr_rd);
		lat_add(&rd, ot, dt_rd, orq, dr_rd);
		ot = delta(sp, h & VCN_DISK_HAVE_WR_TIMES, a->wr_times_ns, b->wr_times_ns, &dt_wr);
		orq = delta(sp, h & VCN_DISK_HAVE_WR_REQS, a->wr_reqs, b->wr_reqs, &dr_wr);
		d->wr_ms_op = ms_op(ot, dt_wr, orq, dr_wr);
		lat_add(&wr, ot, dt_wr, orq, dr_wr);
		ot = delta(sp, h & VCN_DISK_HAVE_FL_TIMES, a->fl_times_ns, b->fl_times_ns, &dt_fl);
		orq = delta(sp, h & VCN_DISK_HAVE_FL_REQS, a->fl_reqs, b->fl_reqs, &dr_fl);
		d->fl_ms_op = ms_op(ot, dt_fl, orq, dr_fl);
		lat_add(&fl, ot, dt_fl, orq, dr_fl);

		add(&m->disk_sum.rd_bytes_s, d->rd_bytes_s);
		add(&m->disk_sum.wr_bytes_s, d->wr_bytes_s);
		add(&m->disk_sum.rd_ops_s, d->rd_ops_s);
		add(&m->disk_sum.wr_ops_s, d->wr_ops_s);
		add(&m->disk_sum.fl_ops_s, d->fl_ops_s);
	}
	m->disk_sum.rd_ms_op = lat_ms(&rd);
	m->disk_sum.wr_ms_op = lat_ms(&wr);
	m->disk_sum.fl_ms_op = lat_ms(&fl);
}

static void compute_nics(const struct span *sp, const struct vcn_vmsample *p,
			 const struct vcn_vmsample *c, struct vcn_vmmetrics *m)
{
	unsigned i, j, h;

	m->nnics = c->nnics;
	for (i = 0; i < c->nnics && i < VCN_VMSAMPLE_MAX_NICS; i++) {
		const struct vcn_vmsample_nic *b = &c->nic[i], *a = NULL;
		struct vcn_nic_metrics *n = &m->nic[i];

		copy_name(n->name, sizeof(n->name), b->name);
		for (j = 0; p && j < p->nnics && j < VCN_VMSAMPLE_MAX_NICS; j++)
			if (strncmp(p->nic[j].name, b->name, sizeof(b->name)) == 0)
				a = &p->nic[j];
		if (!a)
			continue;
		h = a->have & b->have;
		n->bytes_in = per_s(sp, h & VCN_NIC_HAVE_RX_BYTES, a->rx_bytes, b->rx_bytes);
		n->bytes_out = per_s(sp, h & VCN_NIC_HAVE_TX_BYTES, a->tx_bytes, b->tx_bytes);
		n->pkts_in = per_s(sp, h & VCN_NIC_HAVE_RX_PKTS, a->rx_pkts, b->rx_pkts);
		n->pkts_out = per_s(sp, h & VCN_NIC_HAVE_TX_PKTS, a->tx_pkts, b->tx_pkts);
		n->errs_in = per_s(sp, h & VCN_NIC_HAVE_RX_ERRS, a->rx_errs, b->rx_errs);
		n->errs_out = per_s(sp, h & VCN_NIC_HAVE_TX_ERRS, a->tx_errs, b->tx_errs);
		n->drops_in = per_s(sp, h & VCN_NIC_HAVE_RX_DROP, a->rx_drop, b->rx_drop);
		n->drops_out = per_s(sp, h & VCN_NIC_HAVE_TX_DROP, a->tx_drop, b->tx_drop);
		add(&m->nic_sum.bytes_in, n->bytes_in);
		add(&m->nic_sum.bytes_out, n->bytes_out);
		add(&m->nic_sum.pkts_in, n->pkts_in);
		add(&m->nic_sum.pkts_out, n->pkts_out);
		add(&m->nic_sum.errs_in, n->errs_in);
		add(&m->nic_sum.errs_out, n->errs_out);
		add(&m->nic_sum.drops_in, n->drops_in);
		add(&m->nic_sum.drops_out, n->drops_out);
	}
}

static void compute_cpu(const struct span *sp, const struct vcn_vmsample *p,
			const struct vcn_vmsample *c, struct vcn_vmmetrics *m)
{
	double cap_s, vtime = NAN, delay = NAN, wait = NAN, busy;
	unsigned i, h, n;

	m->nvcpus = c->nvcpus;
	if (!sp->ok)
		return;
	n = p->nvcpus < c->nvcpus ? p->nvcpus : c->nvcpus;
	for (i = 0; i < n && i < VCN_VMSAMPLE_MAX_VCPUS; i++) {
		const struct vcn_vmsample_vcpu *a = &p->vcpu[i], *b = &c->vcpu[i];
		double t, d, w;

		h = a->have & b->have;
		t = per_s(sp, h & VCN_VCPU_HAVE_TIME, a->time_ns, b->time_ns) / 1e9;
		d = per_s(sp, h & VCN_VCPU_HAVE_DELAY, a->delay_ns, b->delay_ns) / 1e9;
		w = per_s(sp, h & VCN_VCPU_HAVE_WAIT, a->wait_ns, b->wait_ns) / 1e9;
		m->vcpu[i].util_pct = t * 100;
		m->vcpu[i].steal_pct = d * 100;
		add(&vtime, t);
		add(&delay, d);
		add(&wait, w);
	}
	if (m->cpu_num == 0)
		return;
	cap_s = (double)m->cpu_num; /* CPU-seconds of capacity per second */
	h = p->have & c->have;
	m->cpu_used = per_s(sp, h & VCN_VMS_HAVE_CPU_TIME, p->cpu_time_ns, c->cpu_time_ns) / 1e9;
	if ((h & VCN_VMS_HAVE_CPU_USER) && (h & VCN_VMS_HAVE_CPU_SYSTEM)) {
		m->cpu_user = per_s(sp, true, p->cpu_user_ns, c->cpu_user_ns) / 1e9 / cap_s * 100;
		m->cpu_system = per_s(sp, true, p->cpu_system_ns, c->cpu_system_ns) / 1e9 / cap_s * 100;
	} else {
		m->cpu_user = vtime / cap_s * 100;
	}
	m->cpu_steal = delay / cap_s * 100;
	m->cpu_wio = wait / cap_s * 100;
	if (isnan(m->cpu_user))
		return;
	busy = m->cpu_user + (isnan(m->cpu_system) ? 0 : m->cpu_system) +
	       (isnan(m->cpu_steal) ? 0 : m->cpu_steal);
	m->cpu_idle = busy >= 100 ? 0 : 100 - busy;
}

/* Fill @m from the samples @prev and @cur of one domain (@prev may be NULL:
 * first sight of the VM).  Name, UUID, state, cpu_num, memory and device
 * names always come from @cur; rates need @prev.  Returns:
 *   0        rates computed (each may still be NAN: field missing or reset)
 *   -EAGAIN  no @prev, or the domain was restarted (m->restarted): only the
 *            instantaneous values are set
 *   -ERANGE  @cur is not later than @prev (logged); instantaneous values set
 *   -EINVAL  @prev is another domain (UUIDs differ; logged), or NULL @cur
 * @m is fully rewritten in every case except NULL @cur. */
int vcn_vmmetrics_compute(const struct vcn_vmsample *prev, const struct vcn_vmsample *cur,
			  struct vcn_vmmetrics *m)
{
	struct span sp = { 0, 0, false };
	int rc = 0;

	if (!cur) {
		vcn_err("vmmetrics: no current sample");
		return -EINVAL;
	}
	vcn_vmmetrics_init(m);
	copy_name(m->name, sizeof(m->name), cur->name);
	memcpy(m->uuid, cur->uuid, VCN_UUID_LEN);
	m->state = cur->state;
	if (cur->have & VCN_VMS_HAVE_VCPUS)
		m->cpu_num = cur->vcpus_current;
	else
		m->cpu_num = cur->nvcpus;
	if (cur->have & VCN_VMS_HAVE_BALLOON_CUR)
		m->mem_total_kib = (double)cur->balloon_current_kib;
	if (cur->have & VCN_VMS_HAVE_RSS)
		m->rss_kib = (double)cur->rss_kib;

	if (!prev) {
		rc = -EAGAIN;
	} else if (memcmp(prev->uuid, cur->uuid, VCN_UUID_LEN) != 0) {
		vcn_err("vmmetrics: samples of '%s' and '%s' are of different domains",
			prev->name, cur->name);
		rc = -EINVAL;
	} else if (cur->t_ns <= prev->t_ns) {
		vcn_err("vmmetrics: '%s': sample time %llu not after %llu", cur->name,
			(unsigned long long)cur->t_ns, (unsigned long long)prev->t_ns);
		rc = -ERANGE;
	} else if ((prev->have & cur->have & VCN_VMS_HAVE_ID) && prev->id != cur->id) {
		m->restarted = true;
		rc = -EAGAIN;
	} else {
		sp.t0 = prev->t_ns;
		sp.t1 = cur->t_ns;
		sp.ok = true;
		m->dt_s = (double)(cur->t_ns - prev->t_ns) / 1e9;
	}
	compute_cpu(&sp, prev, cur, m);
	compute_disks(&sp, sp.ok ? prev : NULL, cur, m);
	compute_nics(&sp, sp.ok ? prev : NULL, cur, m);
	return rc;
}

/* --- host aggregates ------------------------------------------------------
 *
 * Fairness per resource is Jain's index (lib/fairness.c) over the running
 * VMs that contend for it, each VM's usage divided by its entitlement, the
 * entitlement proportional to its vCPUs:
 * - CPU: usage = CPUs used by the VM (cpu_user + cpu_system of its
 *   capacity); entitlement = its vCPU share of min(pCPUs, all vCPUs), so an
 *   undercommitted host entitles each VM to all of its vCPUs.  Contends when
 *   cpu_steal > rules.cpu_steal_pct (its vCPUs wait for a pCPU) or it uses at
 *   least its entitlement (issue 3's rule: only VMs below their share with
 *   no contention are left out).
 * - disk: usage = read + write bytes/s; entitlement = vCPUs as a weight (the
 *   disk's capacity is unknown, so "at least its share" cannot be judged):
 *   contends when read or write latency > rules.disk_ms_op, or a throttle is
 *   in force (disk_cap_bytes_s) and usage >= rules.cap_fraction of it.
 * - net: usage = bytes in + out per second; entitlement = vCPUs as a weight:
 *   contends when drops in + out per second > rules.net_drops_s, or at its
 *   cap as for disks.
 * A VM whose usage is unknown this interval is not counted.
 */

/* Defaults: 5% steal (a guest's "st" above noise), 10 ms per op (beyond any
 * SSD, queueing on a disk), 95% of a cap, any drop. */
void vcn_contention_rules_default(struct vcn_contention_rules *r)
{
	r->cpu_steal_pct = 5.0;
	r->disk_ms_op = 10.0;
	r->cap_fraction = 0.95;
	r->net_drops_s = 0.0;
}

static double cpu_usage(const struct vcn_vmmetrics *m)
{
	double pct;

	if (isnan(m->cpu_user))
		return NAN;
	pct = m->cpu_user + (isnan(m->cpu_system) ? 0 : m->cpu_system);
	return pct / 100 * m->cpu_num;
}

static double disk_usage(const struct vcn_vmmetrics *m)
{
	double u = NAN;

	add(&u, m->disk_sum.rd_bytes_s);
	add(&u, m->disk_sum.wr_bytes_s);
	return u;
}

static double net_usage(const struct vcn_vmmetrics *m)
{
	double u = NAN;

	add(&u, m->nic_sum.bytes_in);
	add(&u, m->nic_sum.bytes_out);
	return u;
}

static bool at_cap(double usage, double cap, const struct vcn_contention_rules *r)
{
	return cap > 0 && !isnan(usage) && usage >= r->cap_fraction * cap;
}

/* Whether @m contends for CPU under @r, given its entitlement in CPUs (see
 * the comment above).  False when its CPU use is unknown. */
bool vcn_vm_contends_cpu(const struct vcn_vmmetrics *m, const struct vcn_contention_rules *r,
			 double entitlement_cpus)
{
	double u = cpu_usage(m);

	if (isnan(u))
		return false;
	return vcn_fair_wants_more(u, entitlement_cpus,
				   !isnan(m->cpu_steal) && m->cpu_steal > r->cpu_steal_pct);
}

/* Whether @m contends for disk under @r: latency or throttle (see above). */
bool vcn_vm_contends_disk(const struct vcn_vmmetrics *m, const struct vcn_contention_rules *r)
{
	if (isnan(disk_usage(m)))
		return false;
	return (!isnan(m->disk_sum.rd_ms_op) && m->disk_sum.rd_ms_op > r->disk_ms_op) ||
	       (!isnan(m->disk_sum.wr_ms_op) && m->disk_sum.wr_ms_op > r->disk_ms_op) ||
	       at_cap(disk_usage(m), m->disk_cap_bytes_s, r);
}

/* Whether @m contends for network under @r: drops or throttle (see above). */
bool vcn_vm_contends_net(const struct vcn_vmmetrics *m, const struct vcn_contention_rules *r)
{
	double drops = NAN;

	if (isnan(net_usage(m)))
		return false;
	add(&drops, m->nic_sum.drops_in);
	add(&drops, m->nic_sum.drops_out);
	return (!isnan(drops) && drops > r->net_drops_s) ||
	       at_cap(net_usage(m), m->net_cap_bytes_s, r);
}

/* Host aggregates over the per-VM metrics @vms[0..@n) of one interval, on a
 * host with @pcpus logical CPUs, contention judged by @rules (NULL: the
 * defaults).  Only VMs in state running count.  Returns 0, -EINVAL (logged)
 * for pcpus == 0, -ENOMEM (logged), or an error of vcn_fairness_jain(); @h
 * is only complete on success. */
int vcn_hostmetrics_compute(const struct vcn_vmmetrics *vms, size_t n, unsigned pcpus,
			    const struct vcn_contention_rules *rules, struct vcn_hostmetrics *h)
{
	struct vcn_contention_rules defrules;
	struct vcn_fair_consumer *cpu = NULL, *disk = NULL, *net = NULL;
	struct vcn_fairness f;
	double capacity, ent;
	size_t i, k = 0;
	int rc = 0;

	if (pcpus == 0) {
		vcn_err("hostmetrics: host has 0 physical CPUs");
		return -EINVAL;
	}
	if (!rules) {
		vcn_contention_rules_default(&defrules);
		rules = &defrules;
	}
	memset(h, 0, sizeof(*h));
	h->pcpus = pcpus;
	h->worst_steal = NAN;
	h->fair_cpu = h->fair_disk = h->fair_net = 1.0;
	cpu = calloc(n ? n : 1, sizeof(*cpu));
	disk = calloc(n ? n : 1, sizeof(*disk));
	net = calloc(n ? n : 1, sizeof(*net));
	if (!cpu || !disk || !net) {
		vcn_err("hostmetrics: out of memory for %zu VMs", n);
		rc = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		if (vms[i].state != VCN_VM_STATE_RUNNING)
			continue;
		h->vms_running++;
		h->vcpus_allocated += vms[i].cpu_num;
		if (!isnan(vms[i].cpu_steal) &&
		    (isnan(h->worst_steal) || vms[i].cpu_steal > h->worst_steal)) {
			h->worst_steal = vms[i].cpu_steal;
			copy_name(h->worst_steal_vm, sizeof(h->worst_steal_vm), vms[i].name);
		}
	}
	h->overcommit = (double)h->vcpus_allocated / pcpus;
	capacity = h->vcpus_allocated < pcpus ? (double)h->vcpus_allocated : (double)pcpus;

	for (i = 0; i < n; i++) {
		const struct vcn_vmmetrics *m = &vms[i];

		if (m->state != VCN_VM_STATE_RUNNING || m->cpu_num == 0)
			continue;
		ent = capacity * m->cpu_num / h->vcpus_allocated;
		cpu[k].usage = cpu_usage(m);
		cpu[k].entitlement = ent;
		cpu[k].contending = vcn_vm_contends_cpu(m, rules, ent);
		disk[k].usage = disk_usage(m);
		disk[k].entitlement = m->cpu_num;
		disk[k].contending = vcn_vm_contends_disk(m, rules);
		net[k].usage = net_usage(m);
		net[k].entitlement = m->cpu_num;
		net[k].contending = vcn_vm_contends_net(m, rules);
		k++;
	}
	rc = vcn_fairness_jain(cpu, k, &f);
	if (rc < 0)
		goto cleanup;
	h->fair_cpu = f.index;
	h->contend_cpu = (unsigned)f.n;
	rc = vcn_fairness_jain(disk, k, &f);
	if (rc < 0)
		goto cleanup;
	h->fair_disk = f.index;
	h->contend_disk = (unsigned)f.n;
	rc = vcn_fairness_jain(net, k, &f);
	if (rc < 0)
		goto cleanup;
	h->fair_net = f.index;
	h->contend_net = (unsigned)f.n;

cleanup:
	free(cpu);
	free(disk);
	free(net);
	return rc;
}
