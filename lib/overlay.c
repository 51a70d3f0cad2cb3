/* Overlays are named "<vcn>.qcow2" in the pool "vcn-scratch-HASH" (a dir pool on
 * the host's scratch dir, started transient when absent). The name is the
 * only link between a file and its VCN: vcnd deletes an overlay whose VCN
 * no longer exists (after a crash between creating it and starting the
 * domain, say), so nothing else may be kept in that directory. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/virterror.h>
#include <libxml/tree.h>

#include "log.h"
#include "netaddr.h"
#include "overlay.h"
#include "parse.h"

static const char *lverr(void)
{
	virErrorPtr e = virGetLastError();

	return e && e->message ? e->message : "unknown libvirt error";
}

/* The virtual size of a qcow2 image from its header (bytes 24..31, big
 * endian), so an overlay gets its base's size. Returns 0, -errno for an
 * unreadable file, -EINVAL for a file that is not qcow2. */
int vcn_qcow2_virtual_size(const char *path, uint64_t *size)
{
	unsigned char h[32];
	ssize_t n;
	int fd, i, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		vcn_err("cannot open base image '%s': %s", path, strerror(errno));
		return rc;
	}
	n = pread(fd, h, sizeof(h), 0);
	if (n != (ssize_t)sizeof(h) || memcmp(h, "QFI\xfb", 4) != 0) {
		vcn_err("base image '%s' is not a qcow2 image", path);
		rc = -EINVAL;
		goto cleanup;
	}
	*size = 0;
	for (i = 24; i < 32; i++)
		*size = (*size << 8) | h[i];
cleanup:
	close(fd);
	return rc;
}

static char *xml_dump(xmlDocPtr doc)
{
	xmlChar *mem = NULL;
	char *out = NULL;
	int len = 0;

	xmlDocDumpMemory(doc, &mem, &len);
	if (mem)
		out = strndup((const char *)mem, (size_t)len);
	xmlFree(mem);
	return out;
}

/* The pool name for scratch dir @dir (see overlay.h). */
void vcn_overlay_pool_name(const char *dir, char out[32])
{
	snprintf(out, 32, "%s%08x", VCN_OVERLAY_POOL_PREFIX, (unsigned)(vcn_hash64(dir, strlen(dir)) & 0xffffffffu));
}

/* The scratch pool on @conn, started (transient) on @dir if not there yet.
 * *@out must be freed with virStoragePoolFree. Returns 0 or -EIO. */
int vcn_overlay_pool(virConnectPtr conn, const char *dir, virStoragePoolPtr *out)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr pool;
	char *xml = NULL, name[32];
	int rc = -EIO;

	vcn_overlay_pool_name(dir, name);
	*out = virStoragePoolLookupByName(conn, name);
	if (!*out) /* a pool on this dir under another name (an older vcnd's "vcn-scratch") */
		*out = virStoragePoolLookupByTargetPath(conn, dir);
	if (*out) {
		if (virStoragePoolIsActive(*out) == 1 || virStoragePoolCreate(*out, 0) == 0)
			return 0;
		vcn_err("cannot start storage pool '%s': %s", name, lverr());
		virStoragePoolFree(*out);
		*out = NULL;
		return -EIO;
	}
	doc = xmlNewDoc(BAD_CAST "1.0");
	pool = xmlNewNode(NULL, BAD_CAST "pool");
	xmlDocSetRootElement(doc, pool);
	xmlNewProp(pool, BAD_CAST "type", BAD_CAST "dir");
	xmlNewTextChild(pool, NULL, BAD_CAST "name", BAD_CAST name);
	xmlNewTextChild(xmlNewChild(pool, NULL, BAD_CAST "target", NULL), NULL, BAD_CAST "path", BAD_CAST dir);
	xml = xml_dump(doc);
	if (!xml) {
		rc = -ENOMEM;
		goto cleanup;
	}
	*out = virStoragePoolCreateXML(conn, xml, VIR_STORAGE_POOL_CREATE_WITH_BUILD);
	if (!*out) /* drivers without "build" (the test driver): the dir must exist */
		*out = virStoragePoolCreateXML(conn, xml, 0);
	if (!*out) {
		vcn_err("cannot create storage pool '%s' on '%s': %s", name, dir, lverr());
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(xml);
	xmlFreeDoc(doc);
	return rc;
}

/* Create "<@vcn>.qcow2" backed by @base (qcow2) with @capacity bytes (the
 * base's virtual size); its path goes to @path. Returns 0, -EEXIST when the
 * overlay already exists (a VCN of that name exists or crashed: the caller
 * decides), -EINVAL for a bad name, -EIO on libvirt failure. */
int vcn_overlay_create(virStoragePoolPtr pool, const char *vcn, const char *base, uint64_t capacity,
		       char *path, size_t pathlen)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr vol, n;
	virStorageVolPtr v = NULL;
	char volname[80], cap[32], *xml = NULL, *p = NULL;
	int rc = -EIO;

	if (!vcn_name_valid(vcn)) {
		vcn_err("overlay for VCN '%s': not a valid name", vcn);
		return -EINVAL;
	}
	snprintf(volname, sizeof(volname), "%s.qcow2", vcn);
	v = virStorageVolLookupByName(pool, volname);
	if (v) {
		virStorageVolFree(v);
		return -EEXIST;
	}
	snprintf(cap, sizeof(cap), "%llu", (unsigned long long)capacity);
	doc = xmlNewDoc(BAD_CAST "1.0");
	vol = xmlNewNode(NULL, BAD_CAST "volume");
	xmlDocSetRootElement(doc, vol);
	xmlNewTextChild(vol, NULL, BAD_CAST "name", BAD_CAST volname);
	xmlNewProp(xmlNewTextChild(vol, NULL, BAD_CAST "capacity", BAD_CAST cap), BAD_CAST "unit", BAD_CAST "bytes");
	n = xmlNewChild(vol, NULL, BAD_CAST "target", NULL);
	xmlNewProp(xmlNewChild(n, NULL, BAD_CAST "format", NULL), BAD_CAST "type", BAD_CAST "qcow2");
	n = xmlNewChild(vol, NULL, BAD_CAST "backingStore", NULL);
	xmlNewTextChild(n, NULL, BAD_CAST "path", BAD_CAST base);
	xmlNewProp(xmlNewChild(n, NULL, BAD_CAST "format", NULL), BAD_CAST "type", BAD_CAST "qcow2");
	xml = xml_dump(doc);
	if (!xml) {
		rc = -ENOMEM;
		goto cleanup;
	}
	v = virStorageVolCreateXML(pool, xml, 0);
	if (!v) {
		vcn_err("cannot create overlay '%s' on '%s': %s", volname, base, lverr());
		goto cleanup;
	}
	p = virStorageVolGetPath(v);
	if (!p || strlen(p) >= pathlen) {
		vcn_err("overlay '%s': no usable path", volname);
		goto cleanup;
	}
	memcpy(path, p, strlen(p) + 1);
	rc = 0;
cleanup:
	free(p);
	if (v)
		virStorageVolFree(v);
	free(xml);
	xmlFreeDoc(doc);
	return rc;
}

/* Delete "<@vcn>.qcow2". Returns 0, also when it was not there. */
int vcn_overlay_delete(virStoragePoolPtr pool, const char *vcn)
{
	char volname[80];
	virStorageVolPtr v;
	int rc = 0;

	snprintf(volname, sizeof(volname), "%s.qcow2", vcn);
	virStoragePoolRefresh(pool, 0);
	v = virStorageVolLookupByName(pool, volname);
	if (!v)
		return 0;
	if (virStorageVolDelete(v, 0) < 0) {
		vcn_err("cannot delete overlay '%s': %s", volname, lverr());
		rc = -EIO;
	}
	virStorageVolFree(v);
	return rc;
}

/* Names of the volumes in the pool (refreshed first). *@names is an array
 * of malloc'd strings, freed by the caller (each, then the array). */
int vcn_overlay_list(virStoragePoolPtr pool, char ***names, int *n)
{
	*names = NULL;
	*n = 0;
	if (virStoragePoolRefresh(pool, 0) < 0) {
		char why[512];

		/* copied first: virStoragePoolGetName resets libvirt's last error,
		 * and the arguments' order of evaluation is unspecified (ASan saw
		 * the message freed while vcn_warn read it) */
		snprintf(why, sizeof(why), "%s", lverr());
		vcn_warn("cannot refresh pool '%s': %s", virStoragePoolGetName(pool), why);
	}
	*n = virStoragePoolNumOfVolumes(pool);
	if (*n < 0) {
		vcn_err("cannot list overlays: %s", lverr());
		*n = 0;
		return -EIO;
	}
	if (*n == 0)
		return 0;
	*names = calloc((size_t)*n, sizeof(char *));
	if (!*names)
		return -ENOMEM;
	*n = virStoragePoolListVolumes(pool, *names, *n);
	if (*n < 0) {
		free(*names);
		*names = NULL;
		*n = 0;
		return -EIO;
	}
	return 0;
}

/* The VCN name of an overlay volume name ("physics-3.qcow2" -> "physics-3").
 * Returns 0, or -EINVAL for a name that is not one of ours. */
int vcn_overlay_vcn_of(const char *volname, char *vcn, size_t size)
{
	size_t len = strlen(volname);

	if (len <= 6 || strcmp(volname + len - 6, ".qcow2") != 0 || len - 6 >= size)
		return -EINVAL;
	memcpy(vcn, volname, len - 6);
	vcn[len - 6] = '\0';
	return vcn_name_valid(vcn) ? 0 : -EINVAL;
}
