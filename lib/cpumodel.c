/* Guest CPU models. The decision (vcn_cpumodel_choose) is pure: it reads a
 * parsed domain-capabilities document and, for migration-safe, a baseline
 * CPU, so it is tested on fixtures; the libvirt calls that fetch those are
 * thin (vcn_domcaps_from_conn, vcn_cpumodel_baseline).
 *
 * Under TCG (virttype qemu) libvirt 9.0 reports host-passthrough as
 * unsupported; what TCG offers is mode 'maximum' (qemu's "max" CPU: every
 * feature TCG emulates), host-model, and the named models it marks
 * usable='yes'. A mode that is not available falls back along a fixed
 * chain and says so once per process and (mode, virttype). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "cpumodel.h"
#include "log.h"

static const char *const mode_names[VCN_CPUMODEL_LAST] = {
	[VCN_CPUMODEL_DEFAULT] = "default",
	[VCN_CPUMODEL_HOST_PASSTHROUGH] = "host-passthrough",
	[VCN_CPUMODEL_HOST_MODEL] = "host-model",
	[VCN_CPUMODEL_CUSTOM] = "custom",
	[VCN_CPUMODEL_MIGRATION_SAFE] = "migration-safe",
};

/* The vcnd.conf spelling of @m, or NULL when out of range. */
const char *vcn_cpumodel_mode_name(enum vcn_cpumodel_mode m)
{
	return (unsigned)m < VCN_CPUMODEL_LAST ? mode_names[m] : NULL;
}

/* Inverse of vcn_cpumodel_mode_name: 0, or -EINVAL for an unknown name. */
int vcn_cpumodel_mode_parse(const char *s, enum vcn_cpumodel_mode *out)
{
	unsigned i;

	for (i = 0; s && i < VCN_CPUMODEL_LAST; i++) {
		if (strcmp(s, mode_names[i]) == 0) {
			*out = (enum vcn_cpumodel_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *libvirt_msg(void)
{
	virErrorPtr e = virGetLastError();

	return e && e->message ? e->message : "unknown error";
}

/* Free what @dc holds and zero it; NULL is a no-op. */
void vcn_domcaps_clear(struct vcn_domcaps *dc)
{
	unsigned i;

	if (!dc)
		return;
	free(dc->virttype);
	free(dc->arch);
	free(dc->host_model_name);
	free(dc->host_model_xml);
	for (i = 0; i < dc->nmodels; i++)
		free(dc->models[i].name);
	free(dc->models);
	memset(dc, 0, sizeof(*dc));
}

/* Text of the first node @expr selects (malloc'd), NULL if none. */
static char *xpath_text(xmlXPathContextPtr ctx, const char *expr)
{
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	char *s = NULL;

	if (o && o->nodesetval && o->nodesetval->nodeNr > 0) {
		xmlChar *t = xmlNodeGetContent(o->nodesetval->nodeTab[0]);

		if (t)
			s = strdup((const char *)t);
		xmlFree(t);
	}
	xmlXPathFreeObject(o);
	return s;
}

static bool mode_supported(xmlXPathContextPtr ctx, const char *mode)
{
	char expr[128];
	char *v;
	bool yes;

	snprintf(expr, sizeof(expr), "/domainCapabilities/cpu/mode[@name='%s']/@supported", mode);
	v = xpath_text(ctx, expr);
	yes = v && strcmp(v, "yes") == 0;
	free(v);
	return yes;
}

/* The host-model <mode> turned into a <cpu> definition: same children
 * (model, vendor, features with policies), the element renamed and its
 * attributes dropped; both virConnectBaselineHypervisorCPU and the older
 * virConnectBaselineCPU accept that form. */
static int host_model_cpu_xml(xmlXPathContextPtr ctx, char **out)
{
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST "/domainCapabilities/cpu/mode[@name='host-model']", ctx);
	xmlNodePtr copy = NULL;
	xmlBufferPtr buf = NULL;
	int rc = -ENOMEM;

	*out = NULL;
	if (!o || !o->nodesetval || o->nodesetval->nodeNr == 0) {
		rc = o ? 0 : -ENOMEM;
		goto cleanup;
	}
	copy = xmlDocCopyNode(o->nodesetval->nodeTab[0], o->nodesetval->nodeTab[0]->doc, 1);
	buf = xmlBufferCreate();
	if (!copy || !buf)
		goto cleanup;
	xmlNodeSetName(copy, BAD_CAST "cpu");
	while (copy->properties)
		xmlRemoveProp(copy->properties);
	if (xmlNodeDump(buf, copy->doc, copy, 0, 0) < 0)
		goto cleanup;
	*out = strdup((const char *)xmlBufferContent(buf));
	rc = *out ? 0 : -ENOMEM;
cleanup:
	xmlBufferFree(buf);
	xmlFreeNode(copy);
	xmlXPathFreeObject(o);
	return rc;
}

/* Parse domain capabilities XML @xml (virConnectGetDomainCapabilities)
 * into @dc (zeroed first; vcn_domcaps_clear frees it). Returns 0; -EINVAL
 * when it does not parse or is not <domainCapabilities>; -ENOMEM. */
int vcn_domcaps_parse(const char *xml, struct vcn_domcaps *dc)
{
	xmlDocPtr doc = NULL;
	xmlXPathContextPtr ctx = NULL;
	xmlXPathObjectPtr models = NULL;
	xmlNodePtr root;
	int rc = -EINVAL, i;

	memset(dc, 0, sizeof(*dc));
	if (xml)
		doc = xmlReadMemory(xml, (int)strlen(xml), "domcapabilities.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root || xmlStrcmp(root->name, BAD_CAST "domainCapabilities") != 0) {
		vcn_err("domain capabilities: XML does not parse or is not <domainCapabilities>");
		goto cleanup;
	}
	rc = -ENOMEM;
	ctx = xmlXPathNewContext(doc);
	if (!ctx)
		goto cleanup;
	dc->virttype = xpath_text(ctx, "/domainCapabilities/domain");
	dc->arch = xpath_text(ctx, "/domainCapabilities/arch");
	dc->passthrough = mode_supported(ctx, "host-passthrough");
	dc->maximum = mode_supported(ctx, "maximum");
	dc->host_model = mode_supported(ctx, "host-model");
	dc->custom = mode_supported(ctx, "custom");
	if (dc->host_model) {
		dc->host_model_name = xpath_text(ctx, "/domainCapabilities/cpu/mode[@name='host-model']/model");
		if (host_model_cpu_xml(ctx, &dc->host_model_xml) < 0)
			goto cleanup;
	}
	models = xmlXPathEvalExpression(BAD_CAST "/domainCapabilities/cpu/mode[@name='custom']/model", ctx);
	if (!models)
		goto cleanup;
	if (models->nodesetval && models->nodesetval->nodeNr > 0) {
		dc->models = calloc((size_t)models->nodesetval->nodeNr, sizeof(*dc->models));
		if (!dc->models)
			goto cleanup;
		for (i = 0; i < models->nodesetval->nodeNr; i++) {
			xmlNodePtr n = models->nodesetval->nodeTab[i];
			xmlChar *name = xmlNodeGetContent(n), *usable = xmlGetProp(n, BAD_CAST "usable");

			dc->models[dc->nmodels].name = name ? strdup((const char *)name) : NULL;
			dc->models[dc->nmodels].usable = usable && xmlStrcmp(usable, BAD_CAST "yes") == 0;
			xmlFree(name);
			xmlFree(usable);
			if (!dc->models[dc->nmodels].name)
				goto cleanup;
			dc->nmodels++;
		}
	}
	rc = 0;
cleanup:
	xmlXPathFreeObject(models);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	if (rc < 0)
		vcn_domcaps_clear(dc);
	return rc;
}

/* Domain capabilities of the host behind @conn for @virttype ("kvm",
 * "qemu"; NULL: libvirt's default), parsed into @dc. Returns 0; -ENOTSUP
 * when the driver does not implement the call (libvirt's test:/// driver
 * in 9.0); -EIO for other libvirt failures (one message with libvirt's);
 * or what vcn_domcaps_parse returns. */
int vcn_domcaps_from_conn(struct _virConnect *conn, const char *virttype, struct vcn_domcaps *dc)
{
	char *xml;
	int rc;

	memset(dc, 0, sizeof(*dc));
	xml = virConnectGetDomainCapabilities(conn, NULL, NULL, NULL, virttype, 0);
	if (!xml) {
		virErrorPtr e = virGetLastError();

		rc = e && e->code == VIR_ERR_NO_SUPPORT ? -ENOTSUP : -EIO;
		vcn_err("cannot get domain capabilities for virttype '%s': %s", virttype ? virttype : "(default)",
			libvirt_msg());
		return rc;
	}
	rc = vcn_domcaps_parse(xml, dc);
	free(xml);
	return rc;
}

/* The custom-mode model called @name in @dc, or NULL when not listed. */
const struct vcn_domcaps_model *vcn_domcaps_model(const struct vcn_domcaps *dc, const char *name)
{
	unsigned i;

	for (i = 0; dc && name && i < dc->nmodels; i++)
		if (strcmp(dc->models[i].name, name) == 0)
			return &dc->models[i];
	return NULL;
}

/* Free what @m holds and zero it; NULL is a no-op. */
void vcn_cpumodel_clear(struct vcn_cpumodel *m)
{
	unsigned i;

	if (!m)
		return;
	free(m->model_buf);
	free(m->vendor_buf);
	for (i = 0; m->feature_buf && i < m->cpu.nfeatures; i++)
		free((char *)m->feature_buf[i].name);
	free(m->feature_buf);
	memset(m, 0, sizeof(*m));
}

/* The <cpu> to put in vcn_domspec.cpu: NULL for "no element". */
const struct vcn_domcpu *vcn_cpumodel_domcpu(const struct vcn_cpumodel *m)
{
	return m && m->present ? &m->cpu : NULL;
}

static int set_model(struct vcn_cpumodel *m, enum vcn_cpu_mode mode, const char *model, const char *vendor,
		     const struct vcn_cpu_feature *features, unsigned nfeatures)
{
	unsigned i;

	m->present = true;
	m->cpu.mode = mode;
	if (model && !(m->model_buf = strdup(model)))
		return -ENOMEM;
	if (vendor && !(m->vendor_buf = strdup(vendor)))
		return -ENOMEM;
	m->cpu.model = m->model_buf;
	m->cpu.vendor = m->vendor_buf;
	m->cpu.fallback = mode == VCN_CPU_MODE_CUSTOM ? "forbid" : NULL;
	if (nfeatures) {
		m->feature_buf = calloc(nfeatures, sizeof(*m->feature_buf));
		if (!m->feature_buf)
			return -ENOMEM;
		for (i = 0; i < nfeatures; i++) {
			m->feature_buf[i].policy = features[i].policy;
			m->feature_buf[i].name = strdup(features[i].name ? features[i].name : "");
			m->cpu.nfeatures = i + 1;
			if (!m->feature_buf[i].name)
				return -ENOMEM;
		}
		m->cpu.features = m->feature_buf;
	}
	return 0;
}

/* Parse a <cpu> definition as the baseline calls return it (model with
 * fallback, vendor, features with policy; policy 'require' when absent)
 * into @out as a custom <cpu>. Returns 0, -EINVAL (logged), -ENOMEM. */
int vcn_cpumodel_parse_cpu(const char *cpu_xml, struct vcn_cpumodel *out)
{
	struct vcn_cpu_feature *feats = NULL;
	xmlDocPtr doc = NULL;
	xmlNodePtr root, n;
	xmlChar *model = NULL, *vendor = NULL, *fallback = NULL;
	unsigned nf = 0, cap = 0, i;
	int rc = -EINVAL;

	memset(out, 0, sizeof(*out));
	if (cpu_xml)
		doc = xmlReadMemory(cpu_xml, (int)strlen(cpu_xml), "cpu.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root || xmlStrcmp(root->name, BAD_CAST "cpu") != 0) {
		vcn_err("CPU definition does not parse or is not <cpu>");
		goto cleanup;
	}
	for (n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcmp(n->name, BAD_CAST "model") == 0 && !model) {
			model = xmlNodeGetContent(n);
			fallback = xmlGetProp(n, BAD_CAST "fallback");
		} else if (xmlStrcmp(n->name, BAD_CAST "vendor") == 0 && !vendor) {
			vendor = xmlNodeGetContent(n);
		} else if (xmlStrcmp(n->name, BAD_CAST "feature") == 0) {
			xmlChar *name = xmlGetProp(n, BAD_CAST "name"), *policy = xmlGetProp(n, BAD_CAST "policy");
			enum vcn_cpu_policy p = VCN_CPU_POLICY_REQUIRE;
			bool ok = name && *name && (!policy || vcn_cpu_policy_parse((const char *)policy, &p) == 0);

			if (ok && nf == cap) {
				struct vcn_cpu_feature *nb;

				cap = cap ? cap * 2 : 32;
				nb = realloc(feats, cap * sizeof(*nb));
				if (!nb) {
					xmlFree(name);
					xmlFree(policy);
					rc = -ENOMEM;
					goto cleanup;
				}
				feats = nb;
			}
			if (ok) {
				feats[nf].name = (const char *)name; /* freed below with xmlFree */
				feats[nf].policy = p;
				nf++;
			} else {
				vcn_err("CPU definition: feature '%s' with policy '%s' is not valid",
					name ? (const char *)name : "", policy ? (const char *)policy : "");
				xmlFree(name);
				xmlFree(policy);
				goto cleanup;
			}
			xmlFree(policy);
		}
	}
	if (!model || !*model) {
		vcn_err("CPU definition has no <model>");
		goto cleanup;
	}
	rc = set_model(out, VCN_CPU_MODE_CUSTOM, (const char *)model, (const char *)vendor, feats, nf);
	if (rc == 0 && fallback && xmlStrcmp(fallback, BAD_CAST "allow") == 0)
		out->cpu.fallback = "allow";
cleanup:
	for (i = 0; i < nf; i++)
		xmlFree((xmlChar *)feats[i].name);
	free(feats);
	xmlFree(model);
	xmlFree(vendor);
	xmlFree(fallback);
	xmlFreeDoc(doc);
	if (rc < 0)
		vcn_cpumodel_clear(out);
	return rc;
}

/* Fallbacks are said once per (asked mode, virttype) per process. */
static void say_fallback(const struct vcn_cpumodel *m, const char *virttype)
{
	static unsigned said;
	unsigned bit = 1u << ((unsigned)m->asked * 3 + (virttype && strcmp(virttype, "kvm") == 0 ? 0 :
							 virttype && strcmp(virttype, "qemu") == 0 ? 1 : 2));

	if (!(__atomic_fetch_or(&said, bit, __ATOMIC_RELAXED) & bit))
		vcn_info("%s", m->why);
}

static const char *usable_named_model(const struct vcn_domcaps *dc)
{
	static const char *const preferred[] = { "qemu64", "kvm64" };
	const struct vcn_domcaps_model *mm;
	unsigned i;

	for (i = 0; i < sizeof(preferred) / sizeof(preferred[0]); i++) {
		mm = vcn_domcaps_model(dc, preferred[i]);
		if (mm && mm->usable)
			return mm->name;
	}
	return NULL;
}

/* Decide the guest CPU for @req on the host whose domain capabilities are
 * @dc (NULL: unknown, take the request as is). @baseline_xml is the
 * baseline <cpu> for migration-safe (vcn_cpumodel_migration_safe), unused
 * otherwise. Fills @out (zeroed first; vcn_cpumodel_clear frees it).
 *
 * Fallbacks when the mode is not available (logged once, out->fell_back):
 * host-passthrough -> maximum -> host-model -> a usable qemu64/kvm64 ->
 * default; host-model -> usable qemu64/kvm64 -> default. Custom models are
 * never substituted. Returns 0; -EINVAL for a bad request (custom without
 * a model, migration-safe without a baseline, unparsable baseline);
 * -ENOENT for a custom or baseline model this hypervisor does not know;
 * -ENOTSUP for a custom model marked unusable or custom mode unsupported;
 * -ENOMEM. Each error is logged once. */
int vcn_cpumodel_choose(const struct vcn_domcaps *dc, const struct vcn_cpumodel_req *req,
			const char *baseline_xml, struct vcn_cpumodel *out)
{
	const char *vt = dc && dc->virttype ? dc->virttype : "?";
	const struct vcn_domcaps_model *mm;
	const char *named;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!req || !vcn_cpumodel_mode_name(req->mode)) {
		vcn_err("CPU model: unknown mode %d", req ? (int)req->mode : -1);
		return -EINVAL;
	}
	out->asked = req->mode;
	switch (req->mode) {
	case VCN_CPUMODEL_DEFAULT:
		snprintf(out->why, sizeof(out->why), "CPU mode 'default': no <cpu>, the hypervisor's default model");
		break;
	case VCN_CPUMODEL_HOST_PASSTHROUGH:
		if (!dc || dc->passthrough) {
			rc = set_model(out, VCN_CPU_MODE_HOST_PASSTHROUGH, NULL, NULL, NULL, 0);
			snprintf(out->why, sizeof(out->why), "CPU mode 'host-passthrough'");
			break;
		}
		out->fell_back = true;
		if (dc->maximum) {
			rc = set_model(out, VCN_CPU_MODE_MAXIMUM, NULL, NULL, NULL, 0);
			snprintf(out->why, sizeof(out->why),
				 "CPU mode 'host-passthrough' is not supported for virttype '%s': using 'maximum' (every feature it can provide)", vt);
		} else if (dc->host_model) {
			rc = set_model(out, VCN_CPU_MODE_HOST_MODEL, NULL, NULL, NULL, 0);
			snprintf(out->why, sizeof(out->why),
				 "CPU mode 'host-passthrough' is not supported for virttype '%s': using 'host-model' ('%s')", vt,
				 dc->host_model_name ? dc->host_model_name : "?");
		} else if ((named = usable_named_model(dc))) {
			rc = set_model(out, VCN_CPU_MODE_CUSTOM, named, NULL, NULL, 0);
			snprintf(out->why, sizeof(out->why),
				 "CPU mode 'host-passthrough' is not supported for virttype '%s': using model '%s'", vt, named);
		} else {
			snprintf(out->why, sizeof(out->why),
				 "CPU mode 'host-passthrough' is not supported for virttype '%s': using the hypervisor's default model", vt);
		}
		say_fallback(out, dc->virttype);
		break;
	case VCN_CPUMODEL_HOST_MODEL:
		if (!dc || dc->host_model) {
			rc = set_model(out, VCN_CPU_MODE_HOST_MODEL, NULL, NULL, NULL, 0);
			snprintf(out->why, sizeof(out->why), "CPU mode 'host-model' ('%s')",
				 dc && dc->host_model_name ? dc->host_model_name : "?");
			break;
		}
		out->fell_back = true;
		if ((named = usable_named_model(dc))) {
			rc = set_model(out, VCN_CPU_MODE_CUSTOM, named, NULL, NULL, 0);
			snprintf(out->why, sizeof(out->why),
				 "CPU mode 'host-model' is not supported for virttype '%s': using model '%s'", vt, named);
		} else {
			snprintf(out->why, sizeof(out->why),
				 "CPU mode 'host-model' is not supported for virttype '%s': using the hypervisor's default model", vt);
		}
		say_fallback(out, dc->virttype);
		break;
	case VCN_CPUMODEL_CUSTOM:
		if (!req->model || !*req->model) {
			vcn_err("CPU mode 'custom' needs a model");
			return -EINVAL;
		}
		if (dc && !dc->custom) {
			vcn_err("CPU mode 'custom' (model '%s') is not supported for virttype '%s'", req->model, vt);
			return -ENOTSUP;
		}
		mm = vcn_domcaps_model(dc, req->model);
		if (dc && !mm) {
			vcn_err("CPU model '%s' is unknown to the hypervisor (virttype '%s')", req->model, vt);
			return -ENOENT;
		}
		if (mm && !mm->usable) {
			vcn_err("CPU model '%s' is not usable with virttype '%s' on this host", req->model, vt);
			return -ENOTSUP;
		}
		rc = set_model(out, VCN_CPU_MODE_CUSTOM, req->model, NULL, req->features, req->nfeatures);
		snprintf(out->why, sizeof(out->why), "CPU model '%s' with %u feature(s)", req->model, req->nfeatures);
		break;
	case VCN_CPUMODEL_MIGRATION_SAFE:
		if (!baseline_xml) {
			vcn_err("CPU mode 'migration-safe' needs the baseline CPU of the host set");
			return -EINVAL;
		}
		rc = vcn_cpumodel_parse_cpu(baseline_xml, out);
		if (rc < 0)
			return rc;
		out->asked = req->mode;
		if (dc && dc->nmodels && !vcn_domcaps_model(dc, out->cpu.model)) {
			vcn_err("baseline CPU model '%s' is unknown to this host's hypervisor (virttype '%s')",
				out->cpu.model, vt);
			vcn_cpumodel_clear(out);
			return -ENOENT;
		}
		snprintf(out->why, sizeof(out->why), "CPU mode 'migration-safe': baseline model '%s' with %u feature(s)",
			 out->cpu.model, out->cpu.nfeatures);
		break;
	case VCN_CPUMODEL_LAST:
		break;
	}
	if (rc < 0)
		vcn_cpumodel_clear(out);
	return rc;
}

/* Baseline of the CPU definitions @cpu_xmls (n >= 1; e.g. each host's
 * vcn_domcaps.host_model_xml) computed by the hypervisor behind @conn for
 * @virttype, migratable features only: virConnectBaselineHypervisorCPU,
 * or, where the driver lacks it (libvirt's test:/// driver in 9.0), the
 * older virConnectBaselineCPU (without the migratable flag when that is
 * refused too). *@out_xml is the <cpu> XML (malloc'd). Returns 0; -EINVAL
 * for n == 0; -EIO when libvirt fails (one message with libvirt's). */
int vcn_cpumodel_baseline(struct _virConnect *conn, const char *virttype, const char *const *cpu_xmls,
			  unsigned n, char **out_xml)
{
	virErrorPtr e;

	*out_xml = NULL;
	if (n == 0) {
		vcn_err("CPU baseline: no CPU definitions given");
		return -EINVAL;
	}
	*out_xml = virConnectBaselineHypervisorCPU(conn, NULL, NULL, NULL, virttype, (const char **)cpu_xmls, n,
						   VIR_CONNECT_BASELINE_CPU_MIGRATABLE);
	if (*out_xml)
		return 0;
	e = virGetLastError();
	if (e && e->code == VIR_ERR_NO_SUPPORT) {
		vcn_debug("virConnectBaselineHypervisorCPU not supported by this driver: trying virConnectBaselineCPU");
		*out_xml = virConnectBaselineCPU(conn, (const char **)cpu_xmls, n, VIR_CONNECT_BASELINE_CPU_MIGRATABLE);
		e = virGetLastError();
		if (!*out_xml && e && e->code == VIR_ERR_INVALID_ARG) {
			vcn_debug("virConnectBaselineCPU refused the migratable flag (%s): trying without", libvirt_msg());
			*out_xml = virConnectBaselineCPU(conn, (const char **)cpu_xmls, n, 0);
		}
		if (*out_xml)
			return 0;
	}
	vcn_err("cannot compute the baseline of %u CPU definition(s) for virttype '%s': %s", n,
		virttype ? virttype : "(default)", libvirt_msg());
	return -EIO;
}

/* The migration-safe CPU of a host set: collect each host's host-model CPU
 * (its domain capabilities for @virttype) and baseline them all on
 * conns[0]. *@out_xml is the baseline <cpu> (malloc'd) for
 * vcn_cpumodel_choose. Returns 0; -ENOTSUP when a host offers no host-model
 * CPU (named in the message) or no domain capabilities; what
 * vcn_domcaps_from_conn / vcn_cpumodel_baseline return; -ENOMEM. */
int vcn_cpumodel_migration_safe(struct _virConnect *const *conns, unsigned nconns, const char *virttype,
				char **out_xml)
{
	struct vcn_domcaps dc;
	char **xmls = NULL;
	unsigned i, have = 0;
	int rc;

	*out_xml = NULL;
	if (nconns == 0) {
		vcn_err("CPU baseline: no hosts given");
		return -EINVAL;
	}
	xmls = calloc(nconns, sizeof(*xmls));
	if (!xmls)
		return -ENOMEM;
	for (i = 0; i < nconns; i++) {
		rc = vcn_domcaps_from_conn(conns[i], virttype, &dc);
		if (rc < 0)
			goto cleanup;
		if (!dc.host_model_xml) {
			char *uri = virConnectGetURI(conns[i]);

			vcn_err("host '%s' offers no host-model CPU for virttype '%s': no migration-safe baseline",
				uri ? uri : "?", virttype ? virttype : "(default)");
			free(uri);
			vcn_domcaps_clear(&dc);
			rc = -ENOTSUP;
			goto cleanup;
		}
		xmls[have++] = dc.host_model_xml;
		dc.host_model_xml = NULL;
		vcn_domcaps_clear(&dc);
	}
	rc = vcn_cpumodel_baseline(conns[0], virttype, (const char *const *)xmls, have, out_xml);
cleanup:
	for (i = 0; i < have; i++)
		free(xmls[i]);
	free(xmls);
	return rc;
}
