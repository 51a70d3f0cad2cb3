/* Domain XML for a VCN. Built node by node with libxml2, so names, paths
 * and command lines are escaped by the library, never pasted into markup. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "domxml.h"
#include "log.h"
#include "netaddr.h"
#include "parse.h"

static const char *const virt_type_names[VCN_VIRT_LAST] = {
	[VCN_VIRT_KVM] = "kvm",
	[VCN_VIRT_QEMU] = "qemu",
	[VCN_VIRT_TEST] = "test",
};

/* The libvirt <domain type=...> string for @t, or NULL when out of range. */
const char *vcn_virt_type_name(enum vcn_virt_type t)
{
	return (unsigned)t < VCN_VIRT_LAST ? virt_type_names[t] : NULL;
}

/* Inverse of vcn_virt_type_name: 0, or -EINVAL for an unknown name. */
int vcn_virt_type_parse(const char *s, enum vcn_virt_type *out)
{
	unsigned i;

	for (i = 0; s && i < VCN_VIRT_LAST; i++) {
		if (strcmp(s, virt_type_names[i]) == 0) {
			*out = (enum vcn_virt_type)i;
			return 0;
		}
	}
	return -EINVAL;
}

static xmlNodePtr child(xmlNodePtr parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST text);
}

static void prop(xmlNodePtr node, const char *name, const char *value)
{
	xmlNewProp(node, BAD_CAST name, BAD_CAST value);
}

/* <name> with a single attribute, e.g. <source file='...'/>. */
static xmlNodePtr child_with(xmlNodePtr parent, const char *name, const char *attr, const char *value)
{
	xmlNodePtr n = child(parent, name, NULL);

	prop(n, attr, value);
	return n;
}

static int check_spec(const struct vcn_domspec *s)
{
	uint8_t mac[6];
	uint32_t ip;

	if (!vcn_name_valid(s->name)) {
		vcn_err("domain name '%s' is not valid (1-63 of [A-Za-z0-9._-])", s->name ? s->name : "");
		return -EINVAL;
	}
	if (!vcn_virt_type_name(s->type)) {
		vcn_err("domain '%s': unknown virtualisation type %d", s->name, (int)s->type);
		return -EINVAL;
	}
	if (s->vcpus < 1 || s->vcpus > 4096) {
		vcn_err("domain '%s': vcpus %u out of range 1-4096", s->name, s->vcpus);
		return -ERANGE;
	}
	if (s->memory_mib < 16) {
		vcn_err("domain '%s': memory %u MiB is below 16 MiB", s->name, s->memory_mib);
		return -ERANGE;
	}
	if ((s->initrd || s->cmdline) && !s->kernel) {
		vcn_err("domain '%s': initrd or cmdline given without a kernel", s->name);
		return -EINVAL;
	}
	if (s->mac && vcn_parse_mac(s->mac, mac) < 0) {
		vcn_err("domain '%s': MAC '%s' is not a unicast aa:bb:cc:dd:ee:ff address", s->name, s->mac);
		return -EINVAL;
	}
	if (s->hostname && !vcn_name_valid(s->hostname)) {
		vcn_err("domain '%s': hostname '%s' is not valid (1-63 of [A-Za-z0-9._-])", s->name, s->hostname);
		return -EINVAL;
	}
	if (s->address && vcn_parse_ipv4(s->address, &ip) < 0) {
		vcn_err("domain '%s': address '%s' is not a dotted-quad IPv4 address", s->name, s->address);
		return -EINVAL;
	}
	if (s->partition && s->partition[0] != '/') {
		vcn_err("domain '%s': partition '%s' must start with '/'", s->name, s->partition);
		return -EINVAL;
	}
	return 0;
}

static void add_os(xmlNodePtr dom, const struct vcn_domspec *s)
{
	xmlNodePtr os = child(dom, "os", NULL);
	xmlNodePtr type = child(os, "type", "hvm");

	prop(type, "arch", "x86_64");
	if (s->kernel) {
		child(os, "kernel", s->kernel);
		if (s->initrd)
			child(os, "initrd", s->initrd);
		if (s->cmdline)
			child(os, "cmdline", s->cmdline);
	} else {
		child_with(os, "boot", "dev", "hd");
	}
}

static void add_metadata(xmlNodePtr dom, const struct vcn_domspec *s)
{
	xmlNodePtr meta, vcn;
	xmlNsPtr ns;
	char created[32];

	if (!s->vo && !s->created && !s->hostname && !s->address)
		return;
	meta = child(dom, "metadata", NULL);
	vcn = xmlNewChild(meta, NULL, BAD_CAST "vcn", NULL);
	ns = xmlNewNs(vcn, BAD_CAST VCN_XMLNS, BAD_CAST "vcn");
	xmlSetNs(vcn, ns);
	if (s->vo)
		xmlNewTextChild(vcn, ns, BAD_CAST "vo", BAD_CAST s->vo);
	if (s->hostname)
		xmlNewTextChild(vcn, ns, BAD_CAST "hostname", BAD_CAST s->hostname);
	if (s->address)
		xmlNewTextChild(vcn, ns, BAD_CAST "address", BAD_CAST s->address);
	if (s->created) {
		snprintf(created, sizeof(created), "%lld", (long long)s->created);
		xmlNewTextChild(vcn, ns, BAD_CAST "created", BAD_CAST created);
	}
}

static void add_devices(xmlNodePtr dom, const struct vcn_domspec *s)
{
	xmlNodePtr devs = child(dom, "devices", NULL);
	xmlNodePtr n, drv;
	char macbuf[VCN_MAC_STRLEN];
	uint8_t mac[6];

	if (s->disk) {
		n = child(devs, "disk", NULL);
		prop(n, "type", "file");
		prop(n, "device", "disk");
		drv = child_with(n, "driver", "name", "qemu");
		prop(drv, "type", "qcow2");
		if (s->disk_cache)
			prop(drv, "cache", s->disk_cache);
		child_with(n, "source", "file", s->disk);
		prop(child_with(n, "target", "dev", "vda"), "bus", "virtio");
	}
	if (s->network) {
		if (!s->mac) {
			vcn_mac_derive(s->name, mac);
			vcn_mac_format(mac, macbuf);
		}
		n = child_with(devs, "interface", "type", "network");
		child_with(n, "source", "network", s->network);
		child_with(n, "mac", "address", s->mac ? s->mac : macbuf);
		child_with(n, "model", "type", "virtio");
	}
	if (s->console) {
		n = child_with(devs, "serial", "type", "file");
		child_with(n, "source", "path", s->console);
		child_with(n, "target", "port", "0");
		n = child_with(devs, "console", "type", "file");
		child_with(n, "source", "path", s->console);
		prop(child_with(n, "target", "type", "serial"), "port", "0");
	}
	/* balloon.* bulk stats need the balloon device and a stats period */
	n = child_with(devs, "memballoon", "model", s->type == VCN_VIRT_TEST ? "none" : "virtio");
	if (s->type != VCN_VIRT_TEST)
		child_with(n, "stats", "period", "5");
}

/* Build the domain XML for @spec into *@xml_out (malloc'd, caller frees).
 * Returns 0, or -EINVAL/-ERANGE for an invalid spec (logged once, naming
 * the field), or -ENOMEM. */
int vcn_domxml_build(const struct vcn_domspec *spec, char **xml_out)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr dom;
	xmlChar *mem = NULL;
	char num[32];
	int len = 0, rc;

	*xml_out = NULL;
	rc = check_spec(spec);
	if (rc < 0)
		goto cleanup;
	rc = -ENOMEM;
	doc = xmlNewDoc(BAD_CAST "1.0");
	if (!doc)
		goto cleanup;
	dom = xmlNewNode(NULL, BAD_CAST "domain");
	xmlDocSetRootElement(doc, dom);
	prop(dom, "type", vcn_virt_type_name(spec->type));
	child(dom, "name", spec->name);
	if (spec->uuid)
		child(dom, "uuid", spec->uuid);
	add_metadata(dom, spec);
	snprintf(num, sizeof(num), "%u", spec->memory_mib);
	prop(child(dom, "memory", num), "unit", "MiB");
	snprintf(num, sizeof(num), "%u", spec->vcpus);
	prop(child(dom, "vcpu", num), "placement", "static");
	if (spec->partition)
		child(child(dom, "resource", NULL), "partition", spec->partition);
	add_os(dom, spec);
	child(child(dom, "features", NULL), "acpi", NULL);
	child_with(dom, "clock", "offset", "utc");
	child(dom, "on_poweroff", "destroy");
	child(dom, "on_reboot", "restart");
	child(dom, "on_crash", "destroy");
	add_devices(dom, spec);

	xmlDocDumpFormatMemoryEnc(doc, &mem, &len, "UTF-8", 1);
	if (!mem)
		goto cleanup;
	*xml_out = strndup((const char *)mem, (size_t)len);
	if (!*xml_out)
		goto cleanup;
	rc = 0;
cleanup:
	xmlFree(mem);
	xmlFreeDoc(doc);
	return rc;
}
