/* vcnd's libvirt hosts: one connection per configured host, reopened with
 * back-off when it drops; a host that is down is skipped, never waited on
 * (host loss handling is the cluster issue's). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "collector.h"
#include "log.h"
#include "overlay.h"
#include "vcnd.h"

static void quiet(void *opaque, virErrorPtr err)
{
	(void)opaque;
	(void)err;
}

/* Does the host CPU of capabilities XML @caps list feature @a or @b? */
static bool host_cpu_has(const char *caps, const char *a, const char *b)
{
	xmlDocPtr doc = xmlReadMemory(caps, (int)strlen(caps), "caps.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
	xmlXPathContextPtr ctx = doc ? xmlXPathNewContext(doc) : NULL;
	xmlXPathObjectPtr r = NULL;
	char expr[128];
	bool found = false;

	snprintf(expr, sizeof(expr), "/capabilities/host/cpu/feature[@name='%s' or @name='%s']", a, b);
	if (ctx)
		r = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	found = r && r->nodesetval && r->nodesetval->nodeNr > 0;
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return found;
}

/* KVM or TCG for this host. libvirt offers kvm wherever /dev/kvm exists,
 * but a guest only runs when the host CPU has hardware virtualisation
 * (nested virtualisation off leaves /dev/kvm without it, and KVM guests
 * hang): so kvm only when domain capabilities offer it AND the host CPU in
 * the capabilities lists vmx or svm. */
static enum vcn_virt_type detect_virt(virConnectPtr conn)
{
	char *caps, *dc;
	bool hw;

	dc = virConnectGetDomainCapabilities(conn, NULL, "x86_64", NULL, "kvm", 0);
	if (!dc)
		return VCN_VIRT_QEMU;
	free(dc);
	caps = virConnectGetCapabilities(conn);
	hw = caps && host_cpu_has(caps, "vmx", "svm");
	free(caps);
	return hw ? VCN_VIRT_KVM : VCN_VIRT_QEMU;
}

static int host_open(struct vcnd *d, struct vcnd_host *h)
{
	virNodeInfo ni;
	virErrorPtr e;

	h->conn = virConnectOpen(h->uri);
	if (!h->conn) {
		e = virGetLastError();
		h->backoff_ms = h->backoff_ms ? h->backoff_ms * 2 : 1000;
		if (h->backoff_ms > 30000)
			h->backoff_ms = 30000;
		h->retry_at_ns = vcn_now_ns() + (uint64_t)h->backoff_ms * 1000000u;
		if (h->backoff_ms == 1000)
			vcn_err("host '%s': cannot connect to '%s': %s", h->name, h->uri,
				e && e->message ? e->message : "unknown error");
		return -ENOTCONN;
	}
	virConnSetErrorFunc(h->conn, NULL, quiet);
	if (virConnectSetKeepAlive(h->conn, 5, 3) < 0)
		vcn_debug("host '%s': no keepalive", h->name);
	if (virNodeGetInfo(h->conn, &ni) == 0)
		h->pcpus = ni.cpus;
	if (h->virt == VCN_VIRT_LAST)
		h->virt = detect_virt(h->conn);
	if (vcn_overlay_pool(h->conn, d->scratch_dir, &h->pool) < 0) {
		virConnectClose(h->conn);
		h->conn = NULL;
		h->retry_at_ns = vcn_now_ns() + 5000000000ull;
		return -EIO;
	}
	if (h->backoff_ms)
		vcn_info("host '%s': connected again", h->name);
	else
		vcn_info("host '%s': connected to '%s' (%u CPUs, %s)", h->name, h->uri, h->pcpus,
			 vcn_virt_type_name(h->virt));
	h->backoff_ms = 0;
	return 0;
}

static void host_drop(struct vcnd_host *h)
{
	vcnd_host_forget(h);
	if (h->pool)
		virStoragePoolFree(h->pool);
	if (h->conn)
		virConnectClose(h->conn);
	h->pool = NULL;
	h->conn = NULL;
}

/* Is @h connected (reconnecting when due)? Never blocks beyond one
 * connection attempt. */
bool vcnd_host_up(struct vcnd_host *h)
{
	(void)h;
	return h->conn && virConnectIsAlive(h->conn) == 1;
}

/* Connect every host that is not connected and due. Returns how many are up. */
int vcnd_hosts_connect(struct vcnd *d)
{
	unsigned i;
	int up = 0;

	for (i = 0; i < d->nhosts; i++) {
		struct vcnd_host *h = &d->hosts[i];

		if (h->conn && virConnectIsAlive(h->conn) != 1) {
			vcn_warn("host '%s': connection lost", h->name);
			host_drop(h);
			h->retry_at_ns = 0;
		}
		if (!h->conn && vcn_now_ns() >= h->retry_at_ns)
			host_open(d, h);
		if (h->conn)
			up++;
	}
	return up;
}

/* Close every connection. */
void vcnd_hosts_close(struct vcnd *d)
{
	unsigned i;

	for (i = 0; i < d->nhosts; i++)
		host_drop(&d->hosts[i]);
}
