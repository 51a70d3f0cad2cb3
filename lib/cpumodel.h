/* vcn: the guest CPU model of a VO, decided against each host's domain
 * capabilities; "migration-safe" is the baseline across the host set. */
#ifndef VCN_CPUMODEL_H
#define VCN_CPUMODEL_H

#include <stdbool.h>

#include "domxml.h"

struct _virConnect; /* virConnectPtr */

enum vcn_cpumodel_mode {
	VCN_CPUMODEL_DEFAULT,          /* no <cpu>: the hypervisor's default model */
	VCN_CPUMODEL_HOST_PASSTHROUGH, /* the host CPU as is (KVM only) */
	VCN_CPUMODEL_HOST_MODEL,       /* libvirt's closest named model + host features */
	VCN_CPUMODEL_CUSTOM,           /* a named model + features from the VO config */
	VCN_CPUMODEL_MIGRATION_SAFE,   /* baseline of all configured hosts' host-model CPUs */
	VCN_CPUMODEL_LAST
};

const char *vcn_cpumodel_mode_name(enum vcn_cpumodel_mode m);
int vcn_cpumodel_mode_parse(const char *s, enum vcn_cpumodel_mode *out);

struct vcn_domcaps_model {
	char *name;
	bool usable;
};

/* What virConnectGetDomainCapabilities says about guest CPUs. */
struct vcn_domcaps {
	char *virttype;        /* <domain>: "kvm", "qemu" */
	char *arch;
	bool passthrough, maximum, host_model, custom; /* modes supported='yes' */
	char *host_model_name; /* NULL when host-model is unsupported */
	char *host_model_xml;  /* the host-model CPU as a <cpu> definition (baseline input) */
	struct vcn_domcaps_model *models; /* custom mode's list, in libvirt's order */
	unsigned nmodels;
};

int vcn_domcaps_parse(const char *xml, struct vcn_domcaps *dc);
int vcn_domcaps_from_conn(struct _virConnect *conn, const char *virttype, struct vcn_domcaps *dc);
const struct vcn_domcaps_model *vcn_domcaps_model(const struct vcn_domcaps *dc, const char *name);
void vcn_domcaps_clear(struct vcn_domcaps *dc);

/* What a VO asks for. Strings borrowed. */
struct vcn_cpumodel_req {
	enum vcn_cpumodel_mode mode;
	const char *model;                       /* custom */
	const struct vcn_cpu_feature *features;  /* custom */
	unsigned nfeatures;
};

/* The decision: a <cpu> element (or none) plus why. Owns its strings. */
struct vcn_cpumodel {
	bool present;            /* false: emit no <cpu> */
	struct vcn_domcpu cpu;   /* valid when present; points into this struct */
	enum vcn_cpumodel_mode asked;
	bool fell_back;          /* the asked mode is not available here */
	char why[256];           /* one line: what was chosen and why */
	/* storage behind cpu */
	char *model_buf, *vendor_buf;
	struct vcn_cpu_feature *feature_buf;
};

int vcn_cpumodel_choose(const struct vcn_domcaps *dc, const struct vcn_cpumodel_req *req,
			const char *baseline_xml, struct vcn_cpumodel *out);
const struct vcn_domcpu *vcn_cpumodel_domcpu(const struct vcn_cpumodel *m);
int vcn_cpumodel_parse_cpu(const char *cpu_xml, struct vcn_cpumodel *out);
void vcn_cpumodel_clear(struct vcn_cpumodel *m);

int vcn_cpumodel_baseline(struct _virConnect *conn, const char *virttype, const char *const *cpu_xmls,
			  unsigned n, char **out_xml);
int vcn_cpumodel_migration_safe(struct _virConnect *const *conns, unsigned nconns, const char *virttype,
				char **out_xml);

#endif
