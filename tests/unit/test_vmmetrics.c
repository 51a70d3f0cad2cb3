/* lib/vmmetrics.c: Ganglia values from two samples (CPU of the VM's capacity,
 * per vCPU, disks and NICs matched by name, sums, latency), unknowns from
 * missing fields and resets, host aggregates and fairness per resource. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "harness.h"
#include "vmmetrics.h"

#define S(x) ((uint64_t)((x) * 1e9)) /* seconds -> ns */
#define NEAR(a, b) (fabs((a) - (b)) < 1e-6)
#define MIB (1024ULL * 1024ULL)

static void set_disk(struct vcn_vmsample_disk *d, const char *name, uint64_t rd_reqs,
		     uint64_t rd_bytes, double rd_s, uint64_t wr_reqs, uint64_t wr_bytes,
		     double wr_s, uint64_t fl_reqs, double fl_s)
{
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->have = VCN_DISK_HAVE_RD_REQS | VCN_DISK_HAVE_RD_BYTES | VCN_DISK_HAVE_RD_TIMES |
		  VCN_DISK_HAVE_WR_REQS | VCN_DISK_HAVE_WR_BYTES | VCN_DISK_HAVE_WR_TIMES |
		  VCN_DISK_HAVE_FL_REQS | VCN_DISK_HAVE_FL_TIMES;
	d->rd_reqs = rd_reqs;
	d->rd_bytes = rd_bytes;
	d->rd_times_ns = S(rd_s);
	d->wr_reqs = wr_reqs;
	d->wr_bytes = wr_bytes;
	d->wr_times_ns = S(wr_s);
	d->fl_reqs = fl_reqs;
	d->fl_times_ns = S(fl_s);
}

static void set_nic(struct vcn_vmsample_nic *n, const char *name, uint64_t rx_bytes,
		    uint64_t rx_pkts, uint64_t tx_bytes, uint64_t tx_pkts, uint64_t errs,
		    uint64_t drops)
{
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->have = 0xff;
	n->rx_bytes = rx_bytes;
	n->rx_pkts = rx_pkts;
	n->tx_bytes = tx_bytes;
	n->tx_pkts = tx_pkts;
	n->rx_errs = errs;
	n->tx_errs = 2 * errs;
	n->rx_drop = drops;
	n->tx_drop = 3 * drops;
}

/* A 2-vCPU VM at time @t with counters @k times a base amount of work per
 * second (so the two samples differ by exactly dt x work). */
static void make_vm(struct vcn_vmsample *s, double t)
{
	vcn_vmsample_reset(s);
	s->t_ns = S(t);
	snprintf(s->name, sizeof(s->name), "vo1-vcn-3");
	s->uuid[0] = 0x66;
	s->uuid[15] = 0x3f;
	s->id = 7;
	s->state = VCN_VM_STATE_RUNNING;
	s->have = VCN_VMS_HAVE_STATE | VCN_VMS_HAVE_VCPUS | VCN_VMS_HAVE_CPU_TIME |
		  VCN_VMS_HAVE_CPU_USER | VCN_VMS_HAVE_CPU_SYSTEM | VCN_VMS_HAVE_BALLOON_CUR |
		  VCN_VMS_HAVE_BALLOON_MAX | VCN_VMS_HAVE_RSS | VCN_VMS_HAVE_ID;
	s->vcpus_current = 2;
	s->vcpus_max = 4;
	/* per second: user 0.8 s, system 0.2 s, all threads 1.05 s */
	s->cpu_user_ns = S(100 + 0.8 * t);
	s->cpu_system_ns = S(30 + 0.2 * t);
	s->cpu_time_ns = S(140 + 1.05 * t);
	s->balloon_current_kib = 131072;
	s->balloon_maximum_kib = 262144;
	s->rss_kib = 150000;
	s->nvcpus = 2;
	/* vcpu0 75% busy, 10% steal; vcpu1 25% busy, 30% steal; 5% wait each */
	s->vcpu[0].have = s->vcpu[1].have =
		VCN_VCPU_HAVE_TIME | VCN_VCPU_HAVE_WAIT | VCN_VCPU_HAVE_DELAY;
	s->vcpu[0].time_ns = S(50 + 0.75 * t);
	s->vcpu[0].delay_ns = S(5 + 0.1 * t);
	s->vcpu[0].wait_ns = S(1 + 0.05 * t);
	s->vcpu[1].time_ns = S(20 + 0.25 * t);
	s->vcpu[1].delay_ns = S(9 + 0.3 * t);
	s->vcpu[1].wait_ns = S(2 + 0.05 * t);
	/* vda: 50 rd/s of 2 MiB/s at 2.5 ms, no writes; vdb: 20 wr/s of 1 MiB/s
	 * at 10 ms, 5 rd/s of 80 KiB/s at 1 ms, 2 flushes/s at 4 ms */
	s->ndisks = 2;
	set_disk(&s->disk[0], "vda", (uint64_t)(1000 + 50 * t), (uint64_t)(4 * MIB + 2 * MIB * t),
		 3 + 0.125 * t, 40, 163840, 0.5, 0, 0);
	set_disk(&s->disk[1], "vdb", (uint64_t)(10 + 5 * t), (uint64_t)(81920 * t),
		 0.005 * t, (uint64_t)(20 * t), (uint64_t)(MIB * t), 0.2 * t,
		 (uint64_t)(2 * t), 0.008 * t);
	/* vnet0: in 1 MB/s in 800 pkt/s, out 50 kB/s in 400 pkt/s, 1 err/s,
	 * 4 drops/s; vnet1 idle */
	s->nnics = 2;
	set_nic(&s->nic[0], "vnet0", (uint64_t)(1e6 * t), (uint64_t)(800 * t),
		(uint64_t)(5e4 * t), (uint64_t)(400 * t), (uint64_t)t, (uint64_t)t);
	set_nic(&s->nic[1], "vnet1", 5000, 50, 7000, 60, 0, 0);
}

static void cat(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void cat(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* The table a golden file holds: one metric per line, "-" for unknown. */
static void fmt_v(char *buf, size_t size, const char *name, double v)
{
	if (isnan(v))
		cat(buf, size, "%-28s -\n", name);
	else
		cat(buf, size, "%-28s %.3f\n", name, v);
}

static void format_vm(char *buf, size_t size, const struct vcn_vmmetrics *m)
{
	char key[64];
	unsigned i;

	buf[0] = '\0';
	cat(buf, size, "%-28s %s\n", "name", m->name);
	cat(buf, size, "%-28s %s\n", "state", vcn_vm_state_name(m->state));
	cat(buf, size, "%-28s %s\n", "restarted", m->restarted ? "yes" : "no");
	fmt_v(buf, size, "dt_s", m->dt_s);
	cat(buf, size, "%-28s %u\n", "cpu_num", m->cpu_num);
	fmt_v(buf, size, "cpu_user", m->cpu_user);
	fmt_v(buf, size, "cpu_system", m->cpu_system);
	fmt_v(buf, size, "cpu_wio", m->cpu_wio);
	fmt_v(buf, size, "cpu_steal", m->cpu_steal);
	fmt_v(buf, size, "cpu_idle", m->cpu_idle);
	fmt_v(buf, size, "cpu_used", m->cpu_used);
	fmt_v(buf, size, "mem_total", m->mem_total_kib);
	fmt_v(buf, size, "rss", m->rss_kib);
	for (i = 0; i < m->nvcpus; i++) {
		snprintf(key, sizeof(key), "vcpu%u_util", i);
		fmt_v(buf, size, key, m->vcpu[i].util_pct);
		snprintf(key, sizeof(key), "vcpu%u_steal", i);
		fmt_v(buf, size, key, m->vcpu[i].steal_pct);
	}
	for (i = 0; i <= m->ndisks; i++) {
		const struct vcn_disk_metrics *d = i < m->ndisks ? &m->disk[i] : &m->disk_sum;

#define D(f) do { snprintf(key, sizeof(key), "disk_%s_" #f, d->name); fmt_v(buf, size, key, d->f); } while (0)
		D(rd_bytes_s); D(wr_bytes_s); D(rd_ops_s); D(wr_ops_s); D(fl_ops_s);
		D(rd_ms_op); D(wr_ms_op); D(fl_ms_op);
#undef D
	}
	for (i = 0; i <= m->nnics; i++) {
		const struct vcn_nic_metrics *n = i < m->nnics ? &m->nic[i] : &m->nic_sum;

#define N(f) do { snprintf(key, sizeof(key), "net_%s_" #f, n->name); fmt_v(buf, size, key, n->f); } while (0)
		N(bytes_in); N(bytes_out); N(pkts_in); N(pkts_out);
		N(errs_in); N(errs_out); N(drops_in); N(drops_out);
#undef N
	}
}

static char table[16384];
static struct vcn_vmsample a, b;
static struct vcn_vmmetrics m;

static void test_first_sample(void)
{
	make_vm(&b, 10);
	CHECK_INT(vcn_vmmetrics_compute(NULL, &b, &m), ==, -EAGAIN);
	CHECK_STR(m.name, "vo1-vcn-3");
	CHECK_INT(m.cpu_num, ==, 2);
	CHECK(NEAR(m.mem_total_kib, 131072));
	CHECK(isnan(m.cpu_user) && isnan(m.cpu_idle) && isnan(m.dt_s));
	CHECK_INT(m.ndisks, ==, 2);
	CHECK_STR(m.disk[1].name, "vdb");
	CHECK(isnan(m.disk[1].wr_bytes_s) && isnan(m.disk_sum.rd_ms_op));
	CHECK(isnan(m.nic_sum.bytes_in));
	format_vm(table, sizeof(table), &m);
	CHECK_GOLDEN("vmmetrics/first-sample.txt", table);
}

static void test_two_samples(void)
{
	make_vm(&a, 10);
	make_vm(&b, 12);
	CHECK_INT(vcn_vmmetrics_compute(&a, &b, &m), ==, 0);
	CHECK(NEAR(m.dt_s, 2));
	/* 0.8 CPU-s/s of 2 vCPUs = 40 %, 0.2 -> 10 %, delay 0.4 -> 20 % */
	CHECK(NEAR(m.cpu_user, 40));
	CHECK(NEAR(m.cpu_system, 10));
	CHECK(NEAR(m.cpu_steal, 20));
	CHECK(NEAR(m.cpu_wio, 5));
	CHECK(NEAR(m.cpu_idle, 30));
	CHECK(NEAR(m.cpu_used, 1.05));
	CHECK(NEAR(m.vcpu[0].util_pct, 75) && NEAR(m.vcpu[0].steal_pct, 10));
	CHECK(NEAR(m.vcpu[1].util_pct, 25) && NEAR(m.vcpu[1].steal_pct, 30));
	CHECK(NEAR(m.disk[0].rd_bytes_s, 2 * MIB));
	CHECK(NEAR(m.disk[0].rd_ops_s, 50));
	CHECK(NEAR(m.disk[0].rd_ms_op, 2.5));
	CHECK(NEAR(m.disk[0].wr_ms_op, 0)); /* no writes: 0, not unknown */
	CHECK(NEAR(m.disk[1].wr_ms_op, 10));
	CHECK(NEAR(m.disk[1].fl_ops_s, 2) && NEAR(m.disk[1].fl_ms_op, 4));
	CHECK(NEAR(m.disk_sum.rd_bytes_s, 2 * MIB + 81920));
	/* total read latency weighs by ops: (50 x 2.5 + 5 x 1) / 55 */
	CHECK(NEAR(m.disk_sum.rd_ms_op, (50 * 2.5 + 5 * 1.0) / 55));
	CHECK(NEAR(m.nic[0].bytes_in, 1e6) && NEAR(m.nic[0].pkts_out, 400));
	CHECK(NEAR(m.nic[0].drops_out, 3) && NEAR(m.nic[0].errs_out, 2));
	CHECK(NEAR(m.nic[1].bytes_in, 0));
	CHECK(NEAR(m.nic_sum.bytes_out, 5e4));
	CHECK(NEAR(m.nic_sum.drops_in, 1));
	format_vm(table, sizeof(table), &m);
	CHECK_GOLDEN("vmmetrics/two-disks-two-nics.txt", table);
}

static void test_devices_matched_by_name(void)
{
	struct vcn_vmsample_disk tmp;

	make_vm(&a, 10);
	make_vm(&b, 12);
	/* prev listed vdb first; a hot-plugged vdc is new in cur */
	tmp = a.disk[0];
	a.disk[0] = a.disk[1];
	a.disk[1] = tmp;
	b.ndisks = 3;
	set_disk(&b.disk[2], "vdc", 10, 4096, 0.01, 0, 0, 0, 0, 0);
	CHECK_INT(vcn_vmmetrics_compute(&a, &b, &m), ==, 0);
	CHECK_STR(m.disk[0].name, "vda");
	CHECK(NEAR(m.disk[0].rd_ops_s, 50));
	CHECK(NEAR(m.disk[1].wr_bytes_s, MIB));
	CHECK_STR(m.disk[2].name, "vdc");
	CHECK(isnan(m.disk[2].rd_ops_s));
	CHECK(NEAR(m.disk_sum.rd_ops_s, 55)); /* the new disk adds nothing yet */
	/* a NIC gone from cur simply is not reported */
	b.nnics = 1;
	CHECK_INT(vcn_vmmetrics_compute(&a, &b, &m), ==, 0);
	CHECK_INT(m.nnics, ==, 1);
	CHECK(NEAR(m.nic_sum.pkts_in, 800));
}

static void test_missing_fields(void)
{
	make_vm(&a, 10);
	make_vm(&b, 12);
	/* cgroup source without cpuacct.stat: user from vCPU time, no system */
	a.have &= ~(unsigned)VCN_VMS_HAVE_CPU_SYSTEM;
	b.vcpu[1].have &= ~(unsigned)VCN_VCPU_HAVE_DELAY;
	b.disk[0].have &= ~(unsigned)VCN_DISK_HAVE_RD_TIMES;
	a.nic[0].have &= ~(unsigned)VCN_NIC_HAVE_TX_BYTES;
	b.have &= ~(unsigned)VCN_VMS_HAVE_BALLOON_CUR;
	CHECK_INT(vcn_vmmetrics_compute(&a, &b, &m), ==, 0);
	CHECK(NEAR(m.cpu_user, 50)); /* (0.75 + 0.25) / 2 */
	CHECK(isnan(m.cpu_system));
	CHECK(NEAR(m.cpu_steal, 5)); /* only vcpu0's 0.1 of 2 CPUs is known */
	CHECK(isnan(m.vcpu[1].steal_pct));
	CHECK(NEAR(m.vcpu[1].util_pct, 25));
	CHECK(NEAR(m.cpu_idle, 45));
	CHECK(isnan(m.disk[0].rd_ms_op));
	CHECK(NEAR(m.disk[0].rd_ops_s, 50));
	CHECK(NEAR(m.disk_sum.rd_ms_op, 1.0)); /* only vdb's reads are timed */
	CHECK(isnan(m.nic[0].bytes_out));
	CHECK(NEAR(m.nic_sum.bytes_out, 0)); /* vnet1's known 0 */
	CHECK(isnan(m.mem_total_kib));
	/* no vCPU count: the vcpu entries are the capacity */
	b.have &= ~(unsigned)VCN_VMS_HAVE_VCPUS;
	b.nvcpus = 1;
	CHECK_INT(vcn_vmmetrics_compute(&a, &b, &m), ==, 0);
	CHECK_INT(m.cpu_num, ==, 1);
	CHECK(NEAR(m.cpu_user, 75));
}

static void test_resets(void)
{
	make_vm(&a, 10);
	make_vm(&b, 12);
	/* one counter went back (a re-plugged disk): only its values unknown */
	b.disk[1].wr_bytes = 100;
	b.cpu_time_ns = S(1);
	CHECK_INT(vcn_vmmetrics_compute(&a, &b, &m), ==, 0);
	CHECK(isnan(m.disk[1].wr_bytes_s));
	CHECK(NEAR(m.disk[1].wr_ops_s, 20));
	CHECK(isnan(m.cpu_used));
	CHECK(NEAR(m.cpu_user, 40));
	CHECK(m.disk_sum.wr_bytes_s < 1e6); /* never a 2^64-sized rate */
	/* restarted VM (new domain id): every counter restarted, even those that
	 * already grew past the old value */
	make_vm(&b, 12);
	b.id = 8;
	CHECK_INT(vcn_vmmetrics_compute(&a, &b, &m), ==, -EAGAIN);
	CHECK(m.restarted);
	CHECK(isnan(m.cpu_user) && isnan(m.disk_sum.rd_bytes_s) && isnan(m.nic[0].bytes_in));
	CHECK_INT(m.cpu_num, ==, 2);
	format_vm(table, sizeof(table), &m);
	CHECK(strstr(table, "restarted                    yes\n") != NULL);
}

static void test_bad_pairs(void)
{
	make_vm(&a, 10);
	make_vm(&b, 10);
	vcn_test_log_reset();
	CHECK_INT(vcn_vmmetrics_compute(&a, &b, &m), ==, -ERANGE);
	CHECK(vcn_test_log_has("'vo1-vcn-3': sample time 10000000000 not after 10000000000"));
	CHECK(isnan(m.cpu_user));
	CHECK_INT(m.cpu_num, ==, 2);
	make_vm(&b, 12);
	b.uuid[3] = 1;
	CHECK_INT(vcn_vmmetrics_compute(&a, &b, &m), ==, -EINVAL);
	CHECK(vcn_test_log_has("are of different domains"));
	CHECK_INT(vcn_vmmetrics_compute(&a, NULL, &m), ==, -EINVAL);
}

/* Host: three running VMs of 2, 1 and 1 vCPUs on 2 pCPUs and a shut-off one. */
static void host_vms(struct vcn_vmmetrics v[4])
{
	static const char *const names[4] = { "big", "small1", "small2", "off" };
	static const unsigned vcpus[4] = { 2, 1, 1, 4 };
	unsigned i;

	for (i = 0; i < 4; i++) {
		vcn_vmmetrics_init(&v[i]);
		snprintf(v[i].name, sizeof(v[i].name), "%s", names[i]);
		v[i].state = i == 3 ? VCN_VM_STATE_SHUTOFF : VCN_VM_STATE_RUNNING;
		v[i].cpu_num = vcpus[i];
	}
	/* DESIGN.md's measurement: 63 %, 31 %, 9 % of 2 CPUs, all with steal */
	v[0].cpu_user = 63.0;  v[0].cpu_system = 0; v[0].cpu_steal = 40;
	v[1].cpu_user = 62.0;  v[1].cpu_system = 0; v[1].cpu_steal = 38;
	v[2].cpu_user = 18.0;  v[2].cpu_system = 0; v[2].cpu_steal = 65;
	/* disk: big is a 400 MB/s hog with 0.35 ms/op (no contention signal),
	 * small1 waits 12 ms/op for 20 MB/s, small2 waits 15 ms for 10 MB/s */
	v[0].disk_sum.rd_bytes_s = 0; v[0].disk_sum.wr_bytes_s = 400e6;
	v[0].disk_sum.rd_ms_op = 0.35; v[0].disk_sum.wr_ms_op = 0.35;
	v[1].disk_sum.rd_bytes_s = 20e6; v[1].disk_sum.wr_bytes_s = 0;
	v[1].disk_sum.rd_ms_op = 12; v[1].disk_sum.wr_ms_op = 0;
	v[2].disk_sum.rd_bytes_s = 10e6; v[2].disk_sum.wr_bytes_s = 0;
	v[2].disk_sum.rd_ms_op = 15; v[2].disk_sum.wr_ms_op = 0;
	/* net: nobody drops */
	for (i = 0; i < 3; i++) {
		v[i].nic_sum.bytes_in = 1e5 * (i + 1);
		v[i].nic_sum.bytes_out = 1e4;
		v[i].nic_sum.drops_in = v[i].nic_sum.drops_out = 0;
	}
	v[3].cpu_steal = 99; /* shut off: ignored everywhere */
}

static void format_host(char *buf, size_t size, const struct vcn_hostmetrics *h)
{
	buf[0] = '\0';
	cat(buf, size, "%-16s %u\n", "vms_running", h->vms_running);
	cat(buf, size, "%-16s %u\n", "vcpus_allocated", h->vcpus_allocated);
	cat(buf, size, "%-16s %u\n", "pcpus", h->pcpus);
	cat(buf, size, "%-16s %.3f\n", "overcommit", h->overcommit);
	cat(buf, size, "%-16s %.3f (%s)\n", "worst_steal", h->worst_steal, h->worst_steal_vm);
	cat(buf, size, "%-16s %.4f over %u\n", "fair_cpu", h->fair_cpu, h->contend_cpu);
	cat(buf, size, "%-16s %.4f over %u\n", "fair_disk", h->fair_disk, h->contend_disk);
	cat(buf, size, "%-16s %.4f over %u\n", "fair_net", h->fair_net, h->contend_net);
}

static void test_host(void)
{
	struct vcn_vmmetrics v[4];
	struct vcn_hostmetrics h;
	struct vcn_contention_rules r;

	host_vms(v);
	CHECK_INT(vcn_hostmetrics_compute(v, 4, 2, NULL, &h), ==, 0);
	CHECK_INT(h.vms_running, ==, 3);
	CHECK_INT(h.vcpus_allocated, ==, 4);
	CHECK(NEAR(h.overcommit, 2.0));
	CHECK(NEAR(h.worst_steal, 65));
	CHECK_STR(h.worst_steal_vm, "small2");
	/* CPUs used 1.26, 0.62, 0.18 against 1, 0.5, 0.5 */
	CHECK_INT(h.contend_cpu, ==, 3);
	CHECK(fabs(h.fair_cpu - 0.837696120601368) < 1e-9);
	/* the hog shows no latency: only the two waiting VMs count, 20 vs 10 */
	CHECK_INT(h.contend_disk, ==, 2);
	CHECK(NEAR(h.fair_disk, 0.9));
	CHECK_INT(h.contend_net, ==, 0);
	CHECK(h.fair_net == 1.0);
	format_host(table, sizeof(table), &h);
	CHECK_GOLDEN("vmmetrics/host-2-1-1-on-2.txt", table);

	/* a cap in force on the hog, reached: it contends too -> very unfair */
	v[0].disk_cap_bytes_s = 400e6;
	CHECK_INT(vcn_hostmetrics_compute(v, 4, 2, NULL, &h), ==, 0);
	CHECK_INT(h.contend_disk, ==, 3);
	CHECK(h.fair_disk < 0.5);
	/* drops make a VM contend for network */
	v[1].nic_sum.drops_in = 2;
	v[2].nic_sum.drops_out = 1;
	CHECK_INT(vcn_hostmetrics_compute(v, 4, 2, NULL, &h), ==, 0);
	CHECK_INT(h.contend_net, ==, 2);
	CHECK(NEAR(h.fair_net, (2.1e5 + 3.1e5) * (2.1e5 + 3.1e5) / (2 * (2.1e5 * 2.1e5 + 3.1e5 * 3.1e5))));
	/* stricter rules: steal below 50 % is not contention; small1 uses
	 * 0.62 CPUs >= its 0.5 and still counts; small2 (65 %) counts; big
	 * uses 1.26 >= 1 and counts */
	vcn_contention_rules_default(&r);
	r.cpu_steal_pct = 50;
	v[1].cpu_user = 40; /* 0.40 CPUs < 0.5 and steal 38 < 50: left out */
	CHECK_INT(vcn_hostmetrics_compute(v, 4, 2, &r, &h), ==, 0);
	CHECK_INT(h.contend_cpu, ==, 2);
	/* 1.26/1 vs 0.18/0.5 */
	CHECK(NEAR(h.fair_cpu, (1.26 + 0.36) * (1.26 + 0.36) / (2 * (1.26 * 1.26 + 0.36 * 0.36))));
}

static void test_host_edges(void)
{
	struct vcn_vmmetrics v[4];
	struct vcn_hostmetrics h;

	/* no VMs: nothing running, fair */
	CHECK_INT(vcn_hostmetrics_compute(NULL, 0, 8, NULL, &h), ==, 0);
	CHECK_INT(h.vms_running, ==, 0);
	CHECK(NEAR(h.overcommit, 0));
	CHECK(isnan(h.worst_steal));
	CHECK(h.fair_cpu == 1.0 && h.fair_disk == 1.0 && h.fair_net == 1.0);
	/* undercommitted: 4 vCPUs on 8 pCPUs, each entitled to all its vCPUs;
	 * nobody reaches that or steals -> nobody contends */
	host_vms(v);
	v[0].cpu_steal = v[1].cpu_steal = v[2].cpu_steal = 0;
	CHECK_INT(vcn_hostmetrics_compute(v, 4, 8, NULL, &h), ==, 0);
	CHECK(NEAR(h.overcommit, 0.5));
	CHECK_INT(h.contend_cpu, ==, 0);
	CHECK(h.fair_cpu == 1.0);
	/* unknown usage (first interval) never counts */
	host_vms(v);
	v[0].cpu_user = v[1].cpu_user = v[2].cpu_user = NAN;
	CHECK_INT(vcn_hostmetrics_compute(v, 4, 2, NULL, &h), ==, 0);
	CHECK_INT(h.contend_cpu, ==, 0);
	vcn_test_log_reset();
	CHECK_INT(vcn_hostmetrics_compute(v, 4, 0, NULL, &h), ==, -EINVAL);
	CHECK(vcn_test_log_has("0 physical CPUs"));
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_first_sample), VCN_TEST(test_two_samples),
		VCN_TEST(test_devices_matched_by_name), VCN_TEST(test_missing_fields),
		VCN_TEST(test_resets), VCN_TEST(test_bad_pairs), VCN_TEST(test_host),
		VCN_TEST(test_host_edges), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
