/* Reading back what vcnd (or the harness) recorded in a domain's metadata.
 * Only our namespace is read; values that fail validation are dropped with
 * a warning rather than trusted (the XML is editable with virsh). */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "domxml.h"
#include "dommeta.h"
#include "log.h"
#include "parse.h"

static void copy_text(char *dst, size_t size, const xmlChar *text)
{
	size_t n = text ? strlen((const char *)text) : 0;

	if (n >= size)
		n = 0; /* too long to be ours: treat as absent */
	memcpy(dst, text ? (const char *)text : "", n);
	dst[n] = '\0';
}

/* Parse the <vcn:vcn> element text @xml (as virDomainGetMetadata returns
 * it) into @m (zeroed first). Unknown children are ignored. Returns 0, or
 * -EINVAL for XML that does not parse or is not our element. */
int vcn_dommeta_parse(const char *xml, struct vcn_dommeta *m)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr root, n;
	uint32_t ip;
	int rc = -EINVAL;

	memset(m, 0, sizeof(*m));
	if (!xml)
		return -EINVAL;
	doc = xmlReadMemory(xml, (int)strlen(xml), "metadata.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		goto cleanup;
	root = xmlDocGetRootElement(doc);
	/* virDomainGetMetadata hands the element back without its namespace
	 * (it was asked for by namespace); accept ours or none */
	if (!root || xmlStrcmp(root->name, BAD_CAST "vcn") != 0 ||
	    (root->ns && xmlStrcmp(root->ns->href, BAD_CAST VCN_XMLNS) != 0))
		goto cleanup;
	for (n = root->children; n; n = n->next) {
		xmlChar *text;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		text = xmlNodeGetContent(n);
		if (xmlStrcmp(n->name, BAD_CAST "vo") == 0) {
			copy_text(m->vo, sizeof(m->vo), text);
		} else if (xmlStrcmp(n->name, BAD_CAST "hostname") == 0) {
			copy_text(m->hostname, sizeof(m->hostname), text);
			if (m->hostname[0] && !vcn_name_valid(m->hostname)) {
				vcn_warn("metadata hostname '%s' is not a valid name; ignored", m->hostname);
				m->hostname[0] = '\0';
			}
		} else if (xmlStrcmp(n->name, BAD_CAST "address") == 0) {
			copy_text(m->address, sizeof(m->address), text);
			if (m->address[0] && vcn_parse_ipv4(m->address, &ip) < 0) {
				vcn_warn("metadata address '%s' is not an IPv4 address; ignored", m->address);
				m->address[0] = '\0';
			}
		} else if (xmlStrcmp(n->name, BAD_CAST "created") == 0) {
			uint64_t v;

			if (text && vcn_parse_u64((const char *)text, 0, INT64_MAX, &v) == 0)
				m->created = (int64_t)v;
		}
		xmlFree(text);
	}
	rc = 0;
cleanup:
	xmlFreeDoc(doc);
	return rc;
}

/* Fetch and parse the vcn metadata of the domain with @uuid. Returns 0,
 * -ENOENT when the domain has none (or is gone), -errno otherwise (one
 * message with libvirt's). Costs one or two libvirt round trips: call once
 * per domain, not per interval. */
int vcn_dommeta_fetch(virConnectPtr conn, const uint8_t uuid[VCN_UUID_LEN], struct vcn_dommeta *m)
{
	virDomainPtr dom;
	char *xml = NULL;
	int rc;

	memset(m, 0, sizeof(*m));
	dom = virDomainLookupByUUID(conn, uuid);
	if (!dom)
		return -ENOENT;
	xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, VCN_XMLNS, VIR_DOMAIN_AFFECT_LIVE);
	if (!xml) {
		virErrorPtr e = virGetLastError();

		rc = e && e->code == VIR_ERR_NO_DOMAIN_METADATA ? -ENOENT : -EIO;
		if (rc == -EIO)
			vcn_warn("cannot read metadata of a domain: %s", e && e->message ? e->message : "unknown error");
		goto cleanup;
	}
	rc = vcn_dommeta_parse(xml, m);
cleanup:
	free(xml);
	virDomainFree(dom);
	return rc;
}
