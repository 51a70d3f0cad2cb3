/* Domain XML for a VCN. Built node by node with libxml2, so names, paths
 * and command lines are escaped by the library, never pasted into markup. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "cpuset.h"
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

static const char *const cpu_mode_names[VCN_CPU_MODE_LAST] = {
	[VCN_CPU_MODE_HOST_PASSTHROUGH] = "host-passthrough",
	[VCN_CPU_MODE_HOST_MODEL] = "host-model",
	[VCN_CPU_MODE_CUSTOM] = "custom",
	[VCN_CPU_MODE_MAXIMUM] = "maximum",
};

static const char *const cpu_policy_names[VCN_CPU_POLICY_LAST] = {
	[VCN_CPU_POLICY_FORCE] = "force",
	[VCN_CPU_POLICY_REQUIRE] = "require",
	[VCN_CPU_POLICY_OPTIONAL] = "optional",
	[VCN_CPU_POLICY_DISABLE] = "disable",
	[VCN_CPU_POLICY_FORBID] = "forbid",
};

static int name_lookup(const char *const *names, unsigned n, const char *s)
{
	unsigned i;

	for (i = 0; s && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

/* libvirt's <cpu mode=...> string for @m, or NULL when out of range. */
const char *vcn_cpu_mode_name(enum vcn_cpu_mode m)
{
	return (unsigned)m < VCN_CPU_MODE_LAST ? cpu_mode_names[m] : NULL;
}

/* Inverse of vcn_cpu_mode_name: 0, or -EINVAL for an unknown name. */
int vcn_cpu_mode_parse(const char *s, enum vcn_cpu_mode *out)
{
	int i = name_lookup(cpu_mode_names, VCN_CPU_MODE_LAST, s);

	if (i < 0)
		return i;
	*out = (enum vcn_cpu_mode)i;
	return 0;
}

/* libvirt's <feature policy=...> string for @p, or NULL when out of range. */
const char *vcn_cpu_policy_name(enum vcn_cpu_policy p)
{
	return (unsigned)p < VCN_CPU_POLICY_LAST ? cpu_policy_names[p] : NULL;
}

/* Inverse of vcn_cpu_policy_name: 0, or -EINVAL for an unknown name. */
int vcn_cpu_policy_parse(const char *s, enum vcn_cpu_policy *out)
{
	int i = name_lookup(cpu_policy_names, VCN_CPU_POLICY_LAST, s);

	if (i < 0)
		return i;
	*out = (enum vcn_cpu_policy)i;
	return 0;
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

static int check_cpu(const struct vcn_domspec *s)
{
	const struct vcn_domcpu *c = s->cpu;
	unsigned i;

	if (!c)
		return 0;
	if (!vcn_cpu_mode_name(c->mode)) {
		vcn_err("domain '%s': unknown CPU mode %d", s->name, (int)c->mode);
		return -EINVAL;
	}
	if (c->mode == VCN_CPU_MODE_CUSTOM && (!c->model || !*c->model)) {
		vcn_err("domain '%s': CPU mode 'custom' needs a model", s->name);
		return -EINVAL;
	}
	if (c->model && (c->mode == VCN_CPU_MODE_HOST_PASSTHROUGH || c->mode == VCN_CPU_MODE_MAXIMUM)) {
		vcn_err("domain '%s': CPU model '%s' given with mode '%s'", s->name, c->model,
			vcn_cpu_mode_name(c->mode));
		return -EINVAL;
	}
	if (c->fallback && strcmp(c->fallback, "allow") != 0 && strcmp(c->fallback, "forbid") != 0) {
		vcn_err("domain '%s': CPU model fallback '%s' is neither 'allow' nor 'forbid'", s->name, c->fallback);
		return -EINVAL;
	}
	if (c->vendor && c->mode != VCN_CPU_MODE_CUSTOM) {
		vcn_err("domain '%s': CPU vendor '%s' only goes with mode 'custom'", s->name, c->vendor);
		return -EINVAL;
	}
	for (i = 0; i < c->nfeatures; i++) {
		if (!c->features[i].name || !*c->features[i].name || !vcn_cpu_policy_name(c->features[i].policy)) {
			vcn_err("domain '%s': CPU feature %u '%s' has no name or an unknown policy %d", s->name, i,
				c->features[i].name ? c->features[i].name : "", (int)c->features[i].policy);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_cputune(const struct vcn_domspec *s)
{
	const struct vcn_cputune *t = s->cputune;
	struct vcn_cpuset set;
	unsigned i;

	if (!t)
		return 0;
	if (t->nvcpupin > s->vcpus) {
		vcn_err("domain '%s': %u vcpupin entries for %u vCPUs", s->name, t->nvcpupin, s->vcpus);
		return -ERANGE;
	}
	for (i = 0; i < t->nvcpupin; i++) {
		if (t->vcpupin[i] && vcn_cpuset_parse(t->vcpupin[i], &set) < 0) {
			vcn_err("domain '%s': vcpupin %u cpuset '%s' is not a CPU list", s->name, i, t->vcpupin[i]);
			return -EINVAL;
		}
	}
	if (t->emulatorpin && vcn_cpuset_parse(t->emulatorpin, &set) < 0) {
		vcn_err("domain '%s': emulatorpin cpuset '%s' is not a CPU list", s->name, t->emulatorpin);
		return -EINVAL;
	}
	if (t->shares && (t->shares < 2 || t->shares > 262144)) {
		vcn_err("domain '%s': cputune shares %llu out of range 2-262144", s->name, t->shares);
		return -ERANGE;
	}
	if (t->global_period && (t->global_period < 1000 || t->global_period > 1000000)) {
		vcn_err("domain '%s': cputune global_period %llu out of range 1000-1000000", s->name, t->global_period);
		return -ERANGE;
	}
	if (t->global_quota && t->global_quota != -1 &&
	    (t->global_quota < 1000 || t->global_quota > 17592186044415LL)) {
		vcn_err("domain '%s': cputune global_quota %lld out of range 1000-17592186044415 (or -1)", s->name,
			t->global_quota);
		return -ERANGE;
	}
	return 0;
}

static int check_spec(const struct vcn_domspec *s)
{
	uint8_t mac[6];
	uint32_t ip;
	int rc;

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
	rc = check_cpu(s);
	return rc < 0 ? rc : check_cputune(s);
}

static void add_cputune(xmlNodePtr dom, const struct vcn_domspec *s)
{
	const struct vcn_cputune *t = s->cputune;
	xmlNodePtr tune;
	char num[32];
	unsigned i;

	if (!t)
		return;
	tune = child(dom, "cputune", NULL);
	if (t->shares) {
		snprintf(num, sizeof(num), "%llu", t->shares);
		child(tune, "shares", num);
	}
	if (t->global_period) {
		snprintf(num, sizeof(num), "%llu", t->global_period);
		child(tune, "global_period", num);
	}
	if (t->global_quota) {
		snprintf(num, sizeof(num), "%lld", t->global_quota);
		child(tune, "global_quota", num);
	}
	for (i = 0; i < t->nvcpupin; i++) {
		if (!t->vcpupin[i])
			continue;
		snprintf(num, sizeof(num), "%u", i);
		prop(child_with(tune, "vcpupin", "vcpu", num), "cpuset", t->vcpupin[i]);
	}
	if (t->emulatorpin)
		child_with(tune, "emulatorpin", "cpuset", t->emulatorpin);
}

static void add_cpu(xmlNodePtr dom, const struct vcn_domspec *s)
{
	const struct vcn_domcpu *c = s->cpu;
	xmlNodePtr cpu, model;
	unsigned i;

	if (!c)
		return;
	cpu = child_with(dom, "cpu", "mode", vcn_cpu_mode_name(c->mode));
	if (c->mode == VCN_CPU_MODE_CUSTOM)
		prop(cpu, "match", "exact");
	if (c->model) {
		model = child(cpu, "model", c->model);
		if (c->fallback)
			prop(model, "fallback", c->fallback);
	}
	if (c->vendor)
		child(cpu, "vendor", c->vendor);
	for (i = 0; i < c->nfeatures; i++)
		prop(child_with(cpu, "feature", "policy", vcn_cpu_policy_name(c->features[i].policy)), "name",
		     c->features[i].name);
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
		/* append: a migrated guest's qemu reopens the (shared) file; the
		 * readiness line written before the move must survive it */
		n = child_with(devs, "serial", "type", "file");
		prop(child_with(n, "source", "path", s->console), "append", "on");
		child_with(n, "target", "port", "0");
		n = child_with(devs, "console", "type", "file");
		prop(child_with(n, "source", "path", s->console), "append", "on");
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
	add_cputune(dom, spec);
	if (spec->partition)
		child(child(dom, "resource", NULL), "partition", spec->partition);
	add_os(dom, spec);
	child(child(dom, "features", NULL), "acpi", NULL);
	add_cpu(dom, spec);
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
