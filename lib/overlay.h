/* vcn: a VCN's copy-on-write disk: a qcow2 overlay on the VO's read-only
 * base image, created and deleted through libvirt's storage API (so it
 * works on remote hosts too), in a per-host scratch pool. */
#ifndef VCN_OVERLAY_H
#define VCN_OVERLAY_H

#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

/* Pools are named "vcn-scratch-<8 hex digits of the dir's hash>": one pool
 * per scratch dir, so two controllers (or a test beside the demo) sharing a
 * libvirtd never use each other's directory. */
#define VCN_OVERLAY_POOL_PREFIX "vcn-scratch-"

void vcn_overlay_pool_name(const char *dir, char out[32]);

int vcn_qcow2_virtual_size(const char *path, uint64_t *size);
int vcn_overlay_pool(virConnectPtr conn, const char *dir, virStoragePoolPtr *out);
int vcn_overlay_create(virStoragePoolPtr pool, const char *vcn, const char *base, uint64_t capacity,
		       char *path, size_t pathlen);
int vcn_overlay_delete(virStoragePoolPtr pool, const char *vcn);
int vcn_overlay_list(virStoragePoolPtr pool, char ***names, int *n);
int vcn_overlay_vcn_of(const char *volname, char *vcn, size_t size);

#endif
