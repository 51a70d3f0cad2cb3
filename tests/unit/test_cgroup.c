/* lib/cgroup.c on fixture trees: tests/data/cgroup/v1 is what a real guest
 * (libvirt 9.0, TCG, 2 vCPUs) left on this project's Debian 12 host (v1
 * controllers + hybrid unified, no systemd, guest not in cpuacct) plus a
 * second guest laid out as on a host where cpuacct is used; v2 and v2-direct
 * are written from libvirt's layout with and without systemd; bad/ holds one
 * malformed file per kind. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "harness.h"

static char *data(const char *rel)
{
	static char buf[8][1024];
	static unsigned next;
	char *b = buf[next++ % 8];

	snprintf(b, sizeof(buf[0]), "%s", vcn_test_data_path(rel));
	return b;
}

static void test_machine_and_scope_names(void)
{
	char out[128];

	CHECK_INT(vcn_cgroup_machine_name(1, "vcn-probe-1", out, sizeof(out)), ==, 0);
	CHECK_STR(out, "qemu-1-vcn-probe-1");
	CHECK_INT(vcn_cgroup_machine_name(12, "--a..b__c-", out, sizeof(out)), ==, 0);
	CHECK_STR(out, "qemu-12-a.bc");
	CHECK_INT(vcn_cgroup_machine_name(3, "x y/z", out, sizeof(out)), ==, 0);
	CHECK_STR(out, "qemu-3-xyz");
	CHECK_INT(vcn_cgroup_machine_name(7, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
					  out, sizeof(out)), ==, 0);
	CHECK_INT(strlen(out), ==, 64);
	CHECK_INT(vcn_cgroup_machine_name(1, "vm", out, 6), ==, -ENAMETOOLONG);
	CHECK_INT(vcn_cgroup_machine_name(-1, "vm", out, sizeof(out)), ==, -EINVAL);

	CHECK_INT(vcn_cgroup_scope_name(3, "physics-1", out, sizeof(out)), ==, 0);
	CHECK_STR(out, "machine-qemu\\x2d3\\x2dphysics\\x2d1.scope");
	CHECK_INT(vcn_cgroup_scope_name(3, "a.b", out, sizeof(out)), ==, 0);
	CHECK_STR(out, "machine-qemu\\x2d3\\x2da.b.scope");
}

/* The real host: v1 controllers, the guest absent from cpuacct, its CPU in
 * the hybrid unified group. */
static void test_v1_real_guest(void)
{
	struct vcn_cgroup_vm vm;
	struct vcn_vmsample s;
	const char *root = data("cgroup/v1");

	CHECK_INT(vcn_cgroup_locate(root, NULL, 1, "vcn-probe-1", &vm), ==, 0);
	CHECK_INT(vm.layout, ==, VCN_CGROUP_V1);
	CHECK_STR(vm.cpuacct, "");
	CHECK(strstr(vm.cpu, "/cpu/machine/qemu-1-vcn-probe-1.libvirt-qemu") != NULL);
	CHECK(strstr(vm.unified, "/unified/machine/qemu-1-vcn-probe-1.libvirt-qemu") != NULL);
	vcn_vmsample_reset(&s);
	CHECK_INT(vcn_cgroup_read(&vm, data("cgroup/v1/proc"), &s), ==, 0);
	CHECK_INT(s.source, ==, VCN_VMSAMPLE_SRC_CGROUP);
	CHECK_INT(s.have, ==, VCN_VMS_HAVE_CPU_TIME | VCN_VMS_HAVE_CPU_USER | VCN_VMS_HAVE_CPU_SYSTEM |
		  VCN_VMS_HAVE_VCPUS | VCN_VMS_HAVE_RSS);
	CHECK_INT(s.cpu_time_ns, ==, 7179006000ULL);
	CHECK_INT(s.cpu_user_ns, ==, 6790601000ULL);
	CHECK_INT(s.cpu_system_ns, ==, 388405000ULL);
	CHECK_INT(s.vcpus_current, ==, 2);
	CHECK_INT(s.nvcpus, ==, 2);
	CHECK_INT(s.vcpu[0].have, ==, VCN_VCPU_HAVE_TIME | VCN_VCPU_HAVE_DELAY);
	CHECK_INT(s.vcpu[0].time_ns, ==, 5474594000ULL);
	CHECK_INT(s.vcpu[0].delay_ns, ==, 898096867ULL);
	CHECK_INT(s.vcpu[1].delay_ns, ==, 727815391ULL);
	CHECK_INT(s.rss_kib, ==, 214425600 / 1024);
	CHECK_INT(s.ndisks, ==, 0); /* "Total 0": the guest had not touched its disk */
	CHECK_STR(vcn_test_log(), "");

	/* Without /proc: no delay, time still from cgroups. */
	vcn_vmsample_reset(&s);
	CHECK_INT(vcn_cgroup_read(&vm, NULL, &s), ==, 0);
	CHECK_INT(s.vcpu[1].have, ==, VCN_VCPU_HAVE_TIME);
}

/* v1 with cpuacct per vCPU, blkio per device, schedstat of one vCPU only. */
static void test_v1_cpuacct_blkio(void)
{
	struct vcn_cgroup_vm vm;
	struct vcn_vmsample s;
	long tck = sysconf(_SC_CLK_TCK);

	CHECK_INT(vcn_cgroup_locate(data("cgroup/v1"), "/machine", 2, "bio-12", &vm), ==, 0);
	CHECK(vm.cpuacct[0] && vm.cpu[0] && vm.blkio[0] && vm.memory[0]);
	CHECK_STR(vm.unified, "");
	vcn_vmsample_reset(&s);
	CHECK_INT(vcn_cgroup_read(&vm, data("cgroup/v1/proc"), &s), ==, 0);
	CHECK_INT(s.cpu_time_ns, ==, 9000000000ULL);
	CHECK_INT(s.cpu_user_ns, ==, 700 * (1000000000 / tck));
	CHECK_INT(s.cpu_system_ns, ==, 150 * (1000000000 / tck));
	CHECK_INT(s.nvcpus, ==, 2);
	CHECK_INT(s.vcpu[0].time_ns, ==, 6000000000ULL);
	CHECK_INT(s.vcpu[0].delay_ns, ==, 1500000000ULL);
	CHECK_INT(s.vcpu[0].have, ==, VCN_VCPU_HAVE_TIME | VCN_VCPU_HAVE_DELAY);
	CHECK_INT(s.vcpu[1].have, ==, VCN_VCPU_HAVE_TIME); /* thread 21002 gone */
	CHECK_INT(s.ndisks, ==, 2);
	CHECK_STR(s.disk[0].name, "253:0");
	CHECK_INT(s.disk[0].rd_bytes, ==, 4608);
	CHECK_INT(s.disk[0].wr_bytes, ==, 1048576);
	CHECK_INT(s.disk[0].rd_reqs, ==, 2);
	CHECK_INT(s.disk[0].wr_reqs, ==, 256);
	CHECK_INT(s.disk[0].have, ==, VCN_DISK_HAVE_RD_BYTES | VCN_DISK_HAVE_WR_BYTES |
		  VCN_DISK_HAVE_RD_REQS | VCN_DISK_HAVE_WR_REQS);
	CHECK_STR(s.disk[1].name, "8:16");
	CHECK_INT(s.disk[1].rd_bytes, ==, 8192);
	CHECK_INT(s.rss_kib, ==, 262144);
	CHECK_STR(vcn_test_log(), "");
}

static void test_v2_systemd(void)
{
	struct vcn_cgroup_vm vm;
	struct vcn_vmsample s;

	CHECK_INT(vcn_cgroup_locate(data("cgroup/v2"), NULL, 3, "physics-1", &vm), ==, 0);
	CHECK_INT(vm.layout, ==, VCN_CGROUP_V2_SYSTEMD);
	CHECK(strstr(vm.unified, "/machine.slice/machine-qemu\\x2d3\\x2dphysics\\x2d1.scope/libvirt") != NULL);
	CHECK_STR(vcn_cgroup_layout_name(vm.layout), "v2-systemd");
	vcn_vmsample_reset(&s);
	CHECK_INT(vcn_cgroup_read(&vm, data("cgroup/v2/proc"), &s), ==, 0);
	CHECK_INT(s.cpu_time_ns, ==, 12000000000ULL);
	CHECK_INT(s.cpu_user_ns, ==, 10000000000ULL);
	CHECK_INT(s.cpu_system_ns, ==, 2000000000ULL);
	CHECK_INT(s.nvcpus, ==, 2);
	CHECK_INT(s.vcpu[0].time_ns, ==, 7000000000ULL);
	CHECK_INT(s.vcpu[0].delay_ns, ==, 2100000000ULL);
	CHECK_INT(s.vcpu[1].delay_ns, ==, 300000000ULL);
	CHECK_INT(s.ndisks, ==, 2);
	CHECK_STR(s.disk[0].name, "253:0");
	CHECK_INT(s.disk[0].wr_bytes, ==, 4194304);
	CHECK_INT(s.disk[0].wr_reqs, ==, 64);
	CHECK_INT(s.disk[1].rd_reqs, ==, 1);
	CHECK_INT(s.rss_kib, ==, 147456);
	CHECK_STR(vcn_test_log(), "");
}

static void test_v2_direct(void)
{
	struct vcn_cgroup_vm vm;
	struct vcn_vmsample s;

	CHECK_INT(vcn_cgroup_locate(data("cgroup/v2-direct"), NULL, 4, "chem-3", &vm), ==, 0);
	CHECK_INT(vm.layout, ==, VCN_CGROUP_V2_DIRECT);
	vcn_vmsample_reset(&s);
	CHECK_INT(vcn_cgroup_read(&vm, NULL, &s), ==, 0);
	CHECK_INT(s.cpu_time_ns, ==, 500000);
	CHECK_INT(s.nvcpus, ==, 1);
	CHECK_INT(s.vcpu[0].time_ns, ==, 400000);
	CHECK_INT(s.ndisks, ==, 0); /* no io.stat: absent, not an error */
	CHECK_INT(s.rss_kib, ==, 2048);
	CHECK_STR(vcn_test_log(), "");
}

/* VO partitions (<resource><partition>/machine/vo-physics</partition>):
 * libvirt's ".partition" directories, systemd's nested slices. */
static void test_locate_partition(void)
{
	struct vcn_cgroup_vm vm;
	struct vcn_vmsample s;

	CHECK_INT(vcn_cgroup_locate(data("cgroup/v1"), "/machine/vo-physics", 5, "p-1", &vm), ==, 0);
	CHECK(strstr(vm.cpu, "/cpu/machine/vo-physics.partition/qemu-5-p-1.libvirt-qemu") != NULL);
	CHECK_INT(vcn_cgroup_locate(data("cgroup/v2"), "/machine/vo-physics", 5, "p-1", &vm), ==, 0);
	CHECK(strstr(vm.unified, "/machine.slice/machine-vo\\x2dphysics.slice/"
			     "machine-qemu\\x2d5\\x2dp\\x2d1.scope/libvirt") != NULL);
	vcn_vmsample_reset(&s);
	CHECK_INT(vcn_cgroup_read(&vm, NULL, &s), ==, 0);
	CHECK_INT(s.cpu_time_ns, ==, 42000);
	CHECK_STR(vcn_test_log(), "");
}

static void test_locate_missing(void)
{
	struct vcn_cgroup_vm vm;
	struct vcn_vmsample s;

	CHECK_INT(vcn_cgroup_locate(data("cgroup/v1"), NULL, 9, "gone", &vm), ==, -ENOENT);
	CHECK_INT(vcn_cgroup_locate(data("cgroup/v2"), NULL, 1, "vcn-probe-1", &vm), ==, -ENOENT);
	CHECK_INT(vcn_cgroup_locate(data("cgroup/no-such-root"), NULL, 1, "x", &vm), ==, -ENOENT);
	/* a VO partition is looked for where libvirt puts it */
	CHECK_INT(vcn_cgroup_locate(data("cgroup/v1"), "/machine/vo-physics", 1, "vcn-probe-1", &vm),
		  ==, -ENOENT);
	CHECK_INT(vcn_cgroup_locate(NULL, NULL, 1, "x", &vm), ==, -EINVAL);
	memset(&vm, 0, sizeof(vm));
	vcn_vmsample_reset(&s);
	CHECK_INT(vcn_cgroup_read(&vm, NULL, &s), ==, -ENOENT);
	CHECK_STR(vcn_test_log(), "");
}

static void test_read_u64(void)
{
	uint64_t v = 0;

	CHECK_INT(vcn_cgroup_read_u64(data("cgroup/v1/cpuacct/machine/qemu-2-bio-12.libvirt-qemu/cpuacct.usage"),
				      &v), ==, 0);
	CHECK_INT(v, ==, 9000000000ULL);
	CHECK_INT(vcn_cgroup_read_u64(data("cgroup/bad/nothing-here"), &v), ==, -ENOENT);
	CHECK_STR(vcn_test_log(), "");
	CHECK_INT(vcn_cgroup_read_u64(data("cgroup/bad/cpuacct.usage"), &v), ==, -EINVAL);
	CHECK(vcn_test_log_has("cgroup/bad/cpuacct.usage': malformed: expected one number"));
	CHECK_INT(vcn_cgroup_read_u64(data("cgroup/bad/empty"), &v), ==, -EINVAL);
	CHECK_INT(vcn_cgroup_read_u64(data("cgroup/bad/two-numbers"), &v), ==, -EINVAL);
	CHECK_INT(vcn_cgroup_read_u64(data("cgroup/bad"), &v), ==, -EISDIR);
	CHECK(vcn_test_log_has("cannot read '"));
}

static void test_read_keys(void)
{
	struct vcn_cgroup_key k[] = { { "usage_usec", 0, 0 }, { "user_usec", 0, 0 }, { "absent", 0, 0 } };

	CHECK_INT(vcn_cgroup_read_keys(data("cgroup/v2-direct/machine/qemu-4-chem-3.libvirt-qemu/cpu.stat"),
				       k, 3), ==, 0);
	CHECK(k[0].found && k[0].value == 500);
	CHECK(k[1].found && k[1].value == 300);
	CHECK(!k[2].found);
	CHECK_INT(vcn_cgroup_read_keys(data("cgroup/bad/nothing-here"), k, 3), ==, -ENOENT);
	CHECK_STR(vcn_test_log(), "");
	CHECK_INT(vcn_cgroup_read_keys(data("cgroup/bad/cpu.stat"), k, 3), ==, -EINVAL);
	CHECK(vcn_test_log_has("cgroup/bad/cpu.stat': line 2: malformed value for 'user_usec'"));
}

static void test_read_blkio_iostat(void)
{
	struct vcn_vmsample s;

	vcn_vmsample_reset(&s);
	CHECK_INT(vcn_cgroup_read_blkio(data("cgroup/bad/x"), data("cgroup/bad/y"), &s), ==, -ENOENT);
	CHECK_INT(vcn_cgroup_read_blkio(data("cgroup/bad/blkio.throttle.io_service_bytes"),
					data("cgroup/bad/y"), &s), ==, -EINVAL);
	CHECK(vcn_test_log_has("blkio.throttle.io_service_bytes': line 1: malformed"));
	vcn_test_log_reset();
	vcn_vmsample_reset(&s);
	CHECK_INT(vcn_cgroup_read_iostat(data("cgroup/bad/io.stat"), &s), ==, -EINVAL);
	CHECK(vcn_test_log_has("cgroup/bad/io.stat': line 1: malformed"));
	CHECK_INT(vcn_cgroup_read_iostat(data("cgroup/bad/nothing-here"), &s), ==, -ENOENT);
}

static void test_read_schedstat(void)
{
	uint64_t run, delay;

	CHECK_INT(vcn_cgroup_read_schedstat(data("cgroup/v2/proc"),
					    data("cgroup/v2/machine.slice/machine-qemu\\x2d3\\x2dphysics\\x2d1.scope/libvirt/vcpu0/cgroup.threads"),
					    &run, &delay), ==, 0);
	CHECK_INT(run, ==, 7000000000ULL);
	CHECK_INT(delay, ==, 2100000000ULL);
	CHECK_INT(vcn_cgroup_read_schedstat(data("cgroup/bad/proc"), data("cgroup/bad/tasks-garbage"),
					    &run, &delay), ==, -EINVAL);
	CHECK(vcn_test_log_has("tasks-garbage': malformed thread ID list"));
	CHECK_INT(vcn_cgroup_read_schedstat(data("cgroup/bad/proc"), data("cgroup/bad/tasks"),
					    &run, &delay), ==, -EINVAL);
	CHECK(vcn_test_log_has("/1/schedstat': malformed"));
}

/* A malformed file costs its own counters only; the rest is still read and
 * the error names the file. */
static void test_read_partial_on_error(void)
{
	struct vcn_cgroup_vm vm;
	struct vcn_vmsample s;

	memset(&vm, 0, sizeof(vm));
	vm.layout = VCN_CGROUP_V1;
	snprintf(vm.cpuacct, sizeof(vm.cpuacct), "%s", data("cgroup/bad"));
	snprintf(vm.memory, sizeof(vm.memory), "%s",
		 data("cgroup/v1/memory/machine/qemu-2-bio-12.libvirt-qemu"));
	vcn_vmsample_reset(&s);
	CHECK_INT(vcn_cgroup_read(&vm, NULL, &s), ==, -EINVAL);
	CHECK(!(s.have & VCN_VMS_HAVE_CPU_TIME));
	CHECK(s.have & VCN_VMS_HAVE_RSS);
	CHECK(vcn_test_log_has("cgroup/bad/cpuacct.usage': malformed"));
}

/* The host-side tap counts the other way round: its tx is the guest's rx. */
static void test_tap(void)
{
	struct vcn_vmsample_nic nic;

	CHECK_INT(vcn_cgroup_read_tap(data("cgroup/v1/net"), "vnet0", &nic), ==, 0);
	CHECK_STR(nic.name, "vnet0");
	CHECK_INT(nic.have, ==, 0xff);
	CHECK_INT(nic.rx_bytes, ==, 640); /* libvirt said net.0.rx.bytes 640 at the same time */
	CHECK_INT(nic.rx_pkts, ==, 8);
	CHECK_INT(nic.tx_bytes, ==, 516);
	CHECK_INT(nic.tx_pkts, ==, 6);
	CHECK_INT(vcn_cgroup_read_tap(data("cgroup/v1/net"), "vnet9", &nic), ==, -ENOENT);
	CHECK_INT(vcn_cgroup_read_tap(data("cgroup/v1/net"), "../x", &nic), ==, -EINVAL);
	CHECK_STR(vcn_test_log(), "");
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_machine_and_scope_names),
		VCN_TEST(test_v1_real_guest),
		VCN_TEST(test_v1_cpuacct_blkio),
		VCN_TEST(test_v2_systemd),
		VCN_TEST(test_v2_direct),
		VCN_TEST(test_locate_partition),
		VCN_TEST(test_locate_missing),
		VCN_TEST(test_read_u64),
		VCN_TEST(test_read_keys),
		VCN_TEST(test_read_blkio_iostat),
		VCN_TEST(test_read_schedstat),
		VCN_TEST(test_read_partial_on_error),
		VCN_TEST(test_tap),
		{ NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
