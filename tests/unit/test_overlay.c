/* lib/overlay.c: qcow2 size from the header; pool, create, list, delete on
 * libvirt's test:/// driver; names in and out. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "harness.h"
#include "overlay.h"

static void test_qcow2_size(void)
{
	char path[] = "/tmp/vcn-test-qcow2-XXXXXX";
	unsigned char h[32] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };
	uint64_t size = 0;
	int fd = mkstemp(path);

	h[24 + 4] = 0x10; /* 0x0000000010000000 = 256 MiB */
	CHECK(fd >= 0 && write(fd, h, sizeof(h)) == (ssize_t)sizeof(h));
	close(fd);
	CHECK_INT(vcn_qcow2_virtual_size(path, &size), ==, 0);
	CHECK_INT(size, ==, 256LL << 20);
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && write(fd, "not a qcow2 image, just text....", 32) == 32);
	close(fd);
	CHECK_INT(vcn_qcow2_virtual_size(path, &size), ==, -EINVAL);
	CHECK(vcn_test_log_has("is not a qcow2 image"));
	unlink(path);
	CHECK_INT(vcn_qcow2_virtual_size(path, &size), ==, -ENOENT);
}

static void test_pool_lifecycle(void)
{
	virConnectPtr conn = virConnectOpen("test:///default");
	virStoragePoolPtr pool = NULL, again = NULL;
	char path[4096], **names = NULL;
	int n = 0, i;

	CHECK(conn != NULL);
	if (!conn)
		return;
	CHECK_INT(vcn_overlay_pool(conn, "/var/lib/vcn/scratch", &pool), ==, 0);
	CHECK_INT(vcn_overlay_pool(conn, "/var/lib/vcn/scratch", &again), ==, 0); /* found, not duplicated */
	CHECK(pool && again && strcmp(virStoragePoolGetName(pool), virStoragePoolGetName(again)) == 0);
	{
		/* another scratch dir on the same libvirtd: another pool, never the first one's dir */
		virStoragePoolPtr other = NULL;

		CHECK_INT(vcn_overlay_pool(conn, "/srv/other-vcnd/scratch", &other), ==, 0);
		CHECK(other && pool && strcmp(virStoragePoolGetName(other), virStoragePoolGetName(pool)) != 0);
		CHECK(other && strncmp(virStoragePoolGetName(other), "vcn-scratch-", 12) == 0);
		if (other)
			virStoragePoolFree(other);
	}
	CHECK_INT(vcn_overlay_create(pool, "physics-1", "/srv/vo/physics.qcow2", 256ULL << 20, path, sizeof(path)), ==, 0);
	CHECK_STR(path, "/var/lib/vcn/scratch/physics-1.qcow2");
	CHECK_INT(vcn_overlay_create(pool, "physics-1", "/srv/vo/physics.qcow2", 1, path, sizeof(path)), ==, -EEXIST);
	CHECK_INT(vcn_overlay_create(pool, "../etc", "/srv/vo/physics.qcow2", 1, path, sizeof(path)), ==, -EINVAL);
	CHECK_INT(vcn_overlay_list(pool, &names, &n), ==, 0);
	CHECK_INT(n, ==, 1);
	if (n == 1)
		CHECK_STR(names[0], "physics-1.qcow2");
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	CHECK_INT(vcn_overlay_delete(pool, "physics-1"), ==, 0);
	CHECK_INT(vcn_overlay_delete(pool, "physics-1"), ==, 0); /* idempotent */
	CHECK_INT(vcn_overlay_list(pool, &names, &n), ==, 0);
	CHECK_INT(n, ==, 0);
	free(names);
	if (pool)
		virStoragePoolFree(pool);
	if (again)
		virStoragePoolFree(again);
	virConnectClose(conn);
}

static void test_names(void)
{
	char vcn[64];

	CHECK_INT(vcn_overlay_vcn_of("physics-12.qcow2", vcn, sizeof(vcn)), ==, 0);
	CHECK_STR(vcn, "physics-12");
	CHECK_INT(vcn_overlay_vcn_of("physics-12.img", vcn, sizeof(vcn)), ==, -EINVAL);
	CHECK_INT(vcn_overlay_vcn_of(".qcow2", vcn, sizeof(vcn)), ==, -EINVAL);
	CHECK_INT(vcn_overlay_vcn_of("a b.qcow2", vcn, sizeof(vcn)), ==, -EINVAL);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_qcow2_size), VCN_TEST(test_pool_lifecycle), VCN_TEST(test_names), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
