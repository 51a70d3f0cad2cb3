/* Where and how a VCN runs on its host: the VO partitions (created on the
 * local host), vCPU placement on the host's topology (the pin map vcnd
 * keeps per host, rebuilt from <cputune> for adopted VCNs) and the guest
 * CPU model from the host's domain capabilities.
 *
 * This file includes lib/pinning.h and never lib/policy.h (both define
 * VCN_PIN_*): the rules' strategy arrives here by name. Callers hold
 * d->lock for everything that reads or changes the pin map. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "cpumodel.h"
#include "log.h"
#include "partition.h"
#include "pinning.h"
#include "topology.h"
#include "vcnd.h"
#include "vcnd_conf.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP2_MAGIC 0x63677270 /* CGROUP2_SUPER_MAGIC */
#define CGROUP1_MAGIC 0x27e0eb   /* CGROUP_SUPER_MAGIC */

/* Is @uri this machine's libvirtd ("qemu:///system", "qemu+unix:///...")?
 * Anything naming a host, even 127.0.0.1, is treated as remote: its
 * cgroups may live in another mount namespace (the test's namespace
 * hosts) or on another machine. */
static bool uri_is_local(const char *uri)
{
	const char *p = strstr(uri, "://");

	return p && p[3] == '/';
}

/* Drop what was learnt from @h's connection (topology, domain
 * capabilities); they are fetched again after a reconnect. */
void vcnd_host_forget(struct vcnd_host *h)
{
	if (h->topo) {
		vcn_topology_clear(h->topo);
		free(h->topo);
		h->topo = NULL;
	}
	if (h->domcaps) {
		vcn_domcaps_clear(h->domcaps);
		free(h->domcaps);
		h->domcaps = NULL;
	}
	h->partitioned = false;
}

/* Copy cpuset.cpus and cpuset.mems from @parent to @dir (a new cpuset
 * group starts empty and nothing can run in it). */
static int cpuset_inherit(const char *parent, const char *dir)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char path[PATH_MAX + 32], buf[256];
	unsigned i;
	size_t n;
	FILE *f;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", parent, files[i]);
		f = fopen(path, "re");
		if (!f)
			return -errno;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		f = fopen(path, "we");
		if (!f)
			return -errno;
		if (fputs(buf, f) < 0 || fclose(f) != 0)
			return -EIO;
	}
	return 0;
}

/* libvirt without systemd puts a domain below its partition's directory
 * in EVERY cgroup hierarchy it uses, not only in those of the controllers
 * the partitions file sets: on this machine's hybrid layout (v1 cpu,
 * cpuset, memory, devices, freezer, blkio, pids, ... plus an empty cgroup2
 * mount at ROOT/unified) it fails with "Failed to create v1 controller
 * cpuset for group" or "Failed to create v2 cgroup '.../unified/machine/
 * vo-x.partition/'" when one is missing. libcgroup creates only the
 * group's own controllers, so create the directories in the other
 * mounted hierarchies here (no settings: they only hold the domains;
 * cpuset ones inherit their parent's CPUs and memory nodes). */
static int libvirt_dirs(const struct vcn_partitions *ps)
{
	static const char *const hier[] = { "cpu", "cpuacct", "cpu,cpuacct", "cpuset", "memory", "devices",
					     "freezer", "blkio", "net_cls", "net_prio", "net_cls,net_prio",
					     "perf_event", "pids", "unified", "systemd" };
	char dir[VCN_PARTITION_NAME_MAX * 2], path[PATH_MAX], parent[PATH_MAX], *p;
	struct statfs sf;
	struct stat st;
	size_t i, k;
	int rc;

	for (k = 0; k < sizeof(hier) / sizeof(hier[0]); k++) {
		snprintf(path, sizeof(path), CGROUP_ROOT "/%s", hier[k]);
		/* a real mount (not a symlink such as cpu -> cpu,cpuacct) with libvirt's machine/ */
		if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || statfs(path, &sf) < 0 ||
		    (sf.f_type != CGROUP2_MAGIC && sf.f_type != CGROUP1_MAGIC))
			continue;
		for (i = 0; i < ps->n; i++) {
			size_t base;

			rc = vcn_partition_cgroup_dir(ps->p[i].libvirt, dir, sizeof(dir));
			if (rc < 0)
				return rc;
			base = (size_t)snprintf(path, sizeof(path), CGROUP_ROOT "/%s/", hier[k]);
			snprintf(path + base, sizeof(path) - base, "%s", dir);
			for (p = path + base;; p++) {
				bool last = !(p = strchr(p, '/'));

				if (!last)
					*p = '\0';
				if (mkdir(path, 0755) == 0 && strcmp(hier[k], "cpuset") == 0) {
					snprintf(parent, sizeof(parent), "%s", path);
					*strrchr(parent, '/') = '\0';
					if ((rc = cpuset_inherit(parent, path)) < 0) {
						vcn_err("cannot set up cpuset '%s' from its parent: %s", path, strerror(-rc));
						return rc;
					}
				} else if (errno != EEXIST && access(path, F_OK) != 0) {
					rc = -errno;
					vcn_err("cannot create '%s': %s", path, strerror(-rc));
					return rc;
				}
				if (last)
					break;
				*p = '/';
			}
		}
	}
	return 0;
}

/* Create the VO partitions on every connected local host that does not
 * have the current ones yet (at start, after a reload that changed them,
 * after a reconnect). Remote hosts are skipped with one line each: their
 * groups must be created there (vcnd(8)). Failures are logged; a VCN
 * launched into a missing partition then fails with libvirt's message. */
void vcnd_partitions_create(struct vcnd *d)
{
	struct vcn_cg_writer w;
	enum vcn_cg_version v;
	bool applied = false, dirty;
	unsigned i;
	int rc = 0;

	pthread_mutex_lock(&d->lock);
	dirty = d->partitions_dirty;
	d->partitions_dirty = false;
	for (i = 0; i < d->nhosts; i++) {
		struct vcnd_host *h = &d->hosts[i];

		if (!h->conn || (h->partitioned && !dirty))
			continue;
		h->partitioned = true;
		if (!d->partitions || d->partitions->n == 0)
			continue;
		if (!uri_is_local(h->uri)) {
			vcn_info("host '%s': VO partitions not created by vcnd (remote host '%s'); create them there",
				 h->name, h->uri);
			continue;
		}
		if (applied)
			continue; /* one machine, one cgroup tree */
		applied = true;
		if ((rc = vcn_cg_detect(CGROUP_ROOT, &v)) < 0 || (rc = vcn_cg_writer_libcgroup(&w)) < 0 ||
		    (rc = vcn_partitions_apply(d->partitions, v, &w)) < 0 ||
		    (v == VCN_CG_V1 && (rc = libvirt_dirs(d->partitions)) < 0)) {
			vcn_err("host '%s': cannot create the VO partitions of '%s': %s", h->name,
				d->partitions->path, strerror(-rc));
			vcn_audit_log(&d->audit, "partitions-failed", NULL, h->name, "%s: %s", d->partitions->path,
				      strerror(-rc));
			continue;
		}
		vcn_info("host '%s': %zu VO partitions of '%s' created (cgroup %s)", h->name, d->partitions->n,
			 d->partitions->path, vcn_cg_version_name(v));
		vcn_audit_log(&d->audit, "partitions", NULL, h->name, "%zu groups from %s (cgroup %s)",
			      d->partitions->n, d->partitions->path, vcn_cg_version_name(v));
	}
	pthread_mutex_unlock(&d->lock);
}

/* @h's CPU topology from its capabilities, read once and kept. Caller holds
 * d->lock. Returns 0, -ENOTCONN, -ENOMEM or what the parse returns. */
int vcnd_host_topology(struct vcnd_host *h, const struct vcn_topology **out)
{
	int rc;

	if (!h->topo) {
		if (!h->conn)
			return -ENOTCONN;
		h->topo = calloc(1, sizeof(*h->topo));
		if (!h->topo)
			return -ENOMEM;
		rc = vcn_topology_from_conn(h->conn, h->topo);
		if (rc < 0) {
			free(h->topo);
			h->topo = NULL;
			return rc;
		}
	}
	*out = h->topo;
	return 0;
}

/* Free @v's placement; it no longer counts on its host. */
void vcnd_vcn_unplace(struct vcnd_vcn *v)
{
	free(v->pins);
	v->pins = NULL;
	v->npins = 0;
	vcn_cpuset_zero(&v->emulator);
	v->pin[0] = '\0';
}

/* The VCNs on @host (not failed, not @skip) as pinning input: vms[] and
 * the vCPU arrays behind them in one allocation each. Loads are 1 (busy):
 * measured load is the rebalancer's. */
int vcnd_pin_input(struct vcnd *d, int host, const struct vcnd_vcn *skip, struct vcn_pin_vm **vmsp,
		   struct vcn_pin_vcpu **cpusp, unsigned *nvms)
{
	struct vcn_pin_vm *vms;
	struct vcn_pin_vcpu *cpus;
	size_t i, total = 0, n = 0, k = 0;
	unsigned j;

	for (i = 0; i < d->nvcns; i++) {
		const struct vcnd_vcn *v = &d->vcns[i];

		if (v->host == host && v != skip && v->state != VCND_FAILED) {
			n++;
			total += v->npins ? v->npins : (v->vcpus ? v->vcpus : 1);
		}
	}
	vms = calloc(n ? n : 1, sizeof(*vms));
	cpus = calloc(total ? total : 1, sizeof(*cpus));
	if (!vms || !cpus) {
		free(vms);
		free(cpus);
		return -ENOMEM;
	}
	n = 0;
	for (i = 0; i < d->nvcns; i++) {
		const struct vcnd_vcn *v = &d->vcns[i];
		struct vcn_pin_vm *vm;

		if (v->host != host || v == skip || v->state == VCND_FAILED)
			continue;
		vm = &vms[n++];
		vm->name = v->name;
		if (!v->pin[0] || vcn_pin_strategy_parse(v->pin, &vm->strategy) < 0)
			vm->strategy = VCN_PIN_SPREAD;
		vm->nvcpus = v->npins ? v->npins : (v->vcpus ? v->vcpus : 1);
		vm->vcpus = &cpus[k];
		for (j = 0; j < vm->nvcpus; j++) {
			if (j < v->npins)
				cpus[k].cpus = v->pins[j]; /* else empty: unpinned */
			cpus[k++].load = 1.0;
		}
		vm->emulator = v->emulator;
	}
	*vmsp = vms;
	*cpusp = cpus;
	*nvms = (unsigned)n;
	return 0;
}

/* Place @v's vCPUs on host @host by @strategy ("spread", "pack",
 * "dedicated") beside the VCNs already there, and keep the result in @v.
 * Caller holds d->lock. Returns 0; -EBUSY when dedicated placement would
 * overcommit, -EINVAL for an unknown strategy, or what the topology
 * lookup returns; @why says it in one line. */
int vcnd_place(struct vcnd *d, int host, struct vcnd_vcn *v, const char *strategy, char *why, size_t whylen)
{
	const struct vcn_topology *t = NULL;
	struct vcn_pin_vm *vms = NULL, out = { 0 };
	struct vcn_pin_vcpu *cpus = NULL;
	struct vcn_pin_request req = { .name = v->name, .nvcpus = v->vcpus ? v->vcpus : 1 };
	struct vcn_cpuset reserved;
	unsigned nvms = 0, i;
	int rc;

	vcn_cpuset_zero(&reserved);
	if (vcn_pin_strategy_parse(strategy, &req.strategy) < 0) {
		snprintf(why, whylen, "unknown pin strategy '%s'", strategy);
		return -EINVAL;
	}
	rc = vcnd_host_topology(&d->hosts[host], &t);
	if (rc < 0) {
		snprintf(why, whylen, "no CPU topology of host '%s': %s", d->hosts[host].name, strerror(-rc));
		return rc;
	}
	rc = vcnd_pin_input(d, host, v, &vms, &cpus, &nvms);
	if (rc < 0) {
		snprintf(why, whylen, "out of memory");
		return rc;
	}
	rc = vcn_pinning_place(t, &reserved, vms, nvms, &req, &out);
	if (rc == -EBUSY) {
		unsigned taken = 0;

		for (i = 0; i < nvms; i++)
			if (vms[i].strategy == VCN_PIN_DEDICATED)
				taken += vms[i].nvcpus;
		snprintf(why, whylen,
			 "pin=%s refused: %u vCPUs would overcommit host '%s' (%u CPUs, %u held by dedicated VCNs)",
			 strategy, req.nvcpus, d->hosts[host].name, t->ncpus, taken);
		goto cleanup;
	}
	if (rc < 0) {
		snprintf(why, whylen, "pinning on host '%s' failed: %s", d->hosts[host].name, strerror(-rc));
		goto cleanup;
	}
	vcnd_vcn_unplace(v);
	v->pins = calloc(out.nvcpus, sizeof(*v->pins));
	if (!v->pins) {
		rc = -ENOMEM;
		snprintf(why, whylen, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < out.nvcpus; i++)
		v->pins[i] = out.vcpus[i].cpus;
	v->npins = out.nvcpus;
	v->emulator = out.emulator;
	snprintf(v->pin, sizeof(v->pin), "%s", strategy);
cleanup:
	vcn_pin_vm_clear(&out);
	free(vms);
	free(cpus);
	return rc;
}

static char *xattr(xmlNodePtr n, const char *name)
{
	return (char *)xmlGetProp(n, BAD_CAST name);
}

/* Rebuild adopted VCN @v's placement from its domain's <cputune>
 * (vcpupin, emulatorpin) so that new placements see it. A domain without
 * <cputune> pins counts as unpinned. Caller holds d->lock. */
void vcnd_place_adopted(struct vcnd *d, struct vcnd_vcn *v, virDomainPtr dom)
{
	char *xml = virDomainGetXMLDesc(dom, 0);
	xmlDocPtr doc = NULL;
	xmlXPathContextPtr ctx = NULL;
	xmlXPathObjectPtr r = NULL;
	unsigned nv = v->vcpus ? v->vcpus : 1, id;
	int i;

	(void)d;
	vcnd_vcn_unplace(v);
	if (!xml)
		return;
	doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
	ctx = doc ? xmlXPathNewContext(doc) : NULL;
	if (ctx)
		r = xmlXPathEvalExpression(BAD_CAST "/domain/cputune/vcpupin", ctx);
	if (r && r->nodesetval && r->nodesetval->nodeNr > 0 && (v->pins = calloc(nv, sizeof(*v->pins)))) {
		v->npins = nv;
		for (i = 0; i < r->nodesetval->nodeNr; i++) {
			char *vcpu = xattr(r->nodesetval->nodeTab[i], "vcpu");
			char *set = xattr(r->nodesetval->nodeTab[i], "cpuset");

			if (vcpu && set && sscanf(vcpu, "%u", &id) == 1 && id < nv)
				vcn_cpuset_parse(set, &v->pins[id]);
			xmlFree(vcpu);
			xmlFree(set);
		}
		snprintf(v->pin, sizeof(v->pin), "%s", "adopted");
	}
	xmlXPathFreeObject(r);
	r = ctx ? xmlXPathEvalExpression(BAD_CAST "/domain/cputune/emulatorpin", ctx) : NULL;
	if (r && r->nodesetval && r->nodesetval->nodeNr > 0) {
		char *set = xattr(r->nodesetval->nodeTab[0], "cpuset");

		if (set)
			vcn_cpuset_parse(set, &v->emulator);
		xmlFree(set);
	}
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	free(xml);
}

/* The pin map of host @host as text or JSON (vcn_pinning_format[_json]);
 * *@out malloc'd. Caller holds d->lock. Returns 0 or -errno. */
int vcnd_pin_map(struct vcnd *d, int host, bool json, char **out)
{
	const struct vcn_topology *t = NULL;
	struct vcn_pin_vm *vms = NULL;
	struct vcn_pin_vcpu *cpus = NULL;
	unsigned nvms = 0;
	int rc;

	rc = vcnd_host_topology(&d->hosts[host], &t);
	if (rc < 0)
		return rc;
	rc = vcnd_pin_input(d, host, NULL, &vms, &cpus, &nvms);
	if (rc < 0)
		return rc;
	rc = json ? vcn_pinning_format_json(t, vms, nvms, out) : vcn_pinning_format(t, vms, nvms, out);
	free(vms);
	free(cpus);
	return rc;
}

/* The migration-safe baseline over the connected hosts, recomputed when
 * that set changes. Caller holds d->lock. */
static const char *baseline(struct vcnd *d, const char *virttype)
{
	virConnectPtr conns[VCND_MAX_HOSTS];
	char key[sizeof(d->baseline_hosts)] = "";
	size_t len = 0;
	unsigned i, n = 0;

	for (i = 0; i < d->nhosts; i++) {
		if (!d->hosts[i].conn)
			continue;
		conns[n++] = d->hosts[i].conn;
		len += (size_t)snprintf(key + len, len < sizeof(key) ? sizeof(key) - len : 0, "%s,",
					d->hosts[i].name);
	}
	if (d->baseline_xml && strcmp(key, d->baseline_hosts) == 0)
		return d->baseline_xml;
	free(d->baseline_xml);
	d->baseline_xml = NULL;
	d->baseline_hosts[0] = '\0';
	if (n == 0 || vcn_cpumodel_migration_safe(conns, n, virttype, &d->baseline_xml) < 0)
		return NULL;
	snprintf(d->baseline_hosts, sizeof(d->baseline_hosts), "%s", key);
	vcn_info("migration-safe CPU over hosts %s computed", key);
	return d->baseline_xml;
}

/* Decide the guest CPU of a VCN of @vo on host @host into @m (cleared with
 * vcn_cpumodel_clear by the caller). cpu_mode maximum is asked as
 * host-passthrough: under TCG that falls back to qemu's "max", under KVM
 * passthrough is the maximum. Caller holds d->lock. Returns 0 (m->why
 * copied to @why) or -errno with @why set. */
int vcnd_cpu_choose(struct vcnd *d, int host, const struct vcnd_vo *vo, struct vcn_cpumodel *m, char *why,
		    size_t whylen)
{
	static const enum vcn_cpumodel_mode modes[VCN_VO_CPU_LAST] = {
		[VCN_VO_CPU_DEFAULT] = VCN_CPUMODEL_DEFAULT,
		[VCN_VO_CPU_HOST_PASSTHROUGH] = VCN_CPUMODEL_HOST_PASSTHROUGH,
		[VCN_VO_CPU_HOST_MODEL] = VCN_CPUMODEL_HOST_MODEL,
		[VCN_VO_CPU_CUSTOM] = VCN_CPUMODEL_CUSTOM,
		[VCN_VO_CPU_MIGRATION_SAFE] = VCN_CPUMODEL_MIGRATION_SAFE,
		[VCN_VO_CPU_MAXIMUM] = VCN_CPUMODEL_HOST_PASSTHROUGH,
	};
	struct vcnd_host *h = &d->hosts[host];
	struct vcn_cpu_feature feats[VCND_MAX_CPU_FEATURES];
	struct vcn_cpumodel_req req = { 0 };
	const char *virttype = vcn_virt_type_name(h->virt), *base = NULL;
	unsigned i;
	int rc;

	memset(m, 0, sizeof(*m));
	if (vo->cpu_mode <= VCN_VO_CPU_DEFAULT || vo->cpu_mode >= VCN_VO_CPU_LAST) {
		snprintf(why, whylen, "hypervisor default CPU");
		return 0;
	}
	req.mode = modes[vo->cpu_mode];
	req.model = vo->cpu_model[0] ? vo->cpu_model : NULL;
	for (i = 0; i < vo->ncpu_features && i < VCND_MAX_CPU_FEATURES; i++) {
		feats[i].name = vo->cpu_features[i] + 1;
		feats[i].policy = vo->cpu_features[i][0] == '-' ? VCN_CPU_POLICY_DISABLE : VCN_CPU_POLICY_REQUIRE;
	}
	req.features = feats;
	req.nfeatures = i;
	if (!h->domcaps) {
		h->domcaps = calloc(1, sizeof(*h->domcaps));
		if (!h->domcaps)
			return -ENOMEM;
		rc = vcn_domcaps_from_conn(h->conn, virttype, h->domcaps);
		if (rc < 0) {
			free(h->domcaps);
			h->domcaps = NULL;
			snprintf(why, whylen, "no domain capabilities from host '%s' for %s (see the log)", h->name,
				 virttype);
			return rc;
		}
	}
	if (req.mode == VCN_CPUMODEL_MIGRATION_SAFE && !(base = baseline(d, virttype))) {
		snprintf(why, whylen, "no migration-safe CPU over the connected hosts (see the log)");
		return -EIO;
	}
	rc = vcn_cpumodel_choose(h->domcaps, &req, base, m);
	if (rc < 0) {
		snprintf(why, whylen, "CPU model for cpu_mode %s on host '%s' (%s): %s (see the log)",
			 vcn_vo_cpu_mode_name((enum vcn_vo_cpu_mode)vo->cpu_mode), h->name, virttype, strerror(-rc));
		return rc;
	}
	snprintf(why, whylen, "%s", m->why);
	return 0;
}
