/* vcnd's VCNs. libvirt is the source of truth: each pass lists the domains
 * of every host, adopts those carrying vcn metadata, and forgets what is
 * gone. The only state of vcnd's own is the desired count per VO (written
 * to state_dir before acting on it), so a vcnd killed at any moment comes
 * back, adopts what runs, deletes overlays no domain uses, and launches
 * only what is still missing: no duplicate, orphan or lost VCN.
 *
 * Launches run in threads (at most VCND_MAX_PARALLEL); the main loop polls
 * their consoles for readiness and reports progress to waiting clients. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "collector.h"
#include "cpumodel.h"
#include "dommeta.h"
#include "domxml.h"
#include "log.h"
#include "overlay.h"
#include "parse.h"
#include "policy.h"
#include "vcnd.h"

static const char *const state_names[VCND_STATE_LAST] = {
	[VCND_LAUNCHING] = "launching",
	[VCND_BOOTING] = "booting",
	[VCND_READY] = "ready",
	[VCND_FAILED] = "failed",
};

/* "launching", "booting", "ready", "failed"; "?" out of range. */
const char *vcnd_state_name(enum vcnd_vcn_state s)
{
	return (unsigned)s < VCND_STATE_LAST ? state_names[s] : "?";
}

static const char *lverr(void)
{
	virErrorPtr e = virGetLastError();

	return e && e->message ? e->message : "unknown libvirt error";
}

/* Index of VO @vo, -1 if not configured. */
int vcnd_vo_index(const struct vcnd *d, const char *vo)
{
	unsigned i;

	for (i = 0; i < d->nvos; i++)
		if (strcmp(d->vos[i].name, vo) == 0)
			return (int)i;
	return -1;
}

static struct vcnd_vcn *find_vcn(struct vcnd *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nvcns; i++)
		if (strcmp(d->vcns[i].name, name) == 0)
			return &d->vcns[i];
	return NULL;
}

/* VCNs of VO @vo that count towards its size (not failed); with
 * @ready_only, only the ready ones. Caller holds d->lock. */
unsigned vcnd_vo_count(struct vcnd *d, int vo, bool ready_only)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < d->nvcns; i++) {
		const struct vcnd_vcn *v = &d->vcns[i];

		if (strcmp(v->vo, d->vos[vo].name) != 0 || v->state == VCND_FAILED)
			continue;
		if (!ready_only || v->state == VCND_READY)
			n++;
	}
	return n;
}

static struct vcnd_vcn *add_vcn(struct vcnd *d, const char *name, const char *vo, int host)
{
	struct vcnd_vcn *v;

	if (d->nvcns == d->capvcns) {
		size_t cap = d->capvcns ? d->capvcns * 2 : 32;
		struct vcnd_vcn *p = realloc(d->vcns, cap * sizeof(*p));

		if (!p)
			return NULL;
		d->vcns = p;
		d->capvcns = cap;
	}
	v = &d->vcns[d->nvcns++];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	snprintf(v->vo, sizeof(v->vo), "%s", vo);
	v->host = host;
	v->ready_s = -1;
	vcn_ready_scan_init(&v->scan);
	snprintf(v->console, sizeof(v->console), "%s/%s.console", d->scratch_dir, name);
	return v;
}

static void remove_vcn(struct vcnd *d, struct vcnd_vcn *v)
{
	vcnd_vcn_unplace(v);
	*v = d->vcns[--d->nvcns];
}

/* --- desired counts, the one piece of state that is ours --------------- */

/* Write "VO COUNT" lines to state_dir/desired atomically (temp + rename). */
int vcnd_desired_save(struct vcnd *d)
{
	char path[PATH_MAX + 16], tmp[PATH_MAX + 16];
	FILE *f;
	unsigned i;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/desired", d->state_dir);
	snprintf(tmp, sizeof(tmp), "%s/desired.tmp", d->state_dir);
	f = fopen(tmp, "we");
	if (!f) {
		rc = -errno;
		vcn_err("cannot write '%s': %s", tmp, strerror(errno));
		return rc;
	}
	for (i = 0; i < d->nvos; i++)
		fprintf(f, "%s %u\n", d->vos[i].name, d->desired[i]);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc < 0)
		vcn_err("cannot save desired counts to '%s': %s", path, strerror(-rc));
	return rc;
}

/* Read state_dir/desired; VOs not in it start at their min. A VO that is
 * no longer configured is ignored (its VCNs stay until destroyed). */
int vcnd_desired_load(struct vcnd *d)
{
	char path[PATH_MAX + 16], line[256], vo[VCND_NAME_MAX], num[32];
	unsigned i, n, lineno = 0;
	FILE *f;
	int idx;

	for (i = 0; i < d->nvos; i++)
		d->desired[i] = d->vos[i].min;
	snprintf(path, sizeof(path), "%s/desired", d->state_dir);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (sscanf(line, "%63s %31s", vo, num) != 2 || vcn_parse_uint(num, 0, 100000, &n) < 0) {
			vcn_warn("%s:%u: not 'VO COUNT'; ignored", path, lineno);
			continue;
		}
		idx = vcnd_vo_index(d, vo);
		if (idx >= 0)
			d->desired[idx] = n < d->vos[idx].min ? d->vos[idx].min
					: n > d->vos[idx].max ? d->vos[idx].max : n;
	}
	fclose(f);
	return 0;
}

/* --- adoption: what runs is what exists ---------------------------------- */

static void adopt_domain(struct vcnd *d, int host, virDomainPtr dom)
{
	struct vcn_dommeta meta;
	struct vcnd_vcn *v;
	uint8_t uuid[VCN_UUID_LEN];
	virDomainInfo info;
	const char *name = virDomainGetName(dom);

	if (!name || virDomainGetUUID(dom, uuid) < 0)
		return;
	v = find_vcn(d, name);
	if (v && v->host == host) {
		v->seen_pass = d->pass; /* known: no metadata round trip */
		return;
	}
	if (vcn_dommeta_fetch(d->hosts[host].conn, uuid, &meta) < 0 || !meta.vo[0])
		return; /* not one of ours */
	if (v) {
		if (v->state != VCND_LAUNCHING && !vcnd_cluster_migrating_locked(d, name)) {
			vcn_warn("VCN '%s' runs on host '%s' and '%s': duplicate", name,
				 d->hosts[v->host].name, d->hosts[host].name);
			vcnd_cluster_duplicate_locked(d, name, host, meta.created); /* hostwatch.c resolves */
		}
		return;
	}
	v = add_vcn(d, name, meta.vo, host);
	if (!v)
		return;
	memcpy(v->uuid, uuid, VCN_UUID_LEN);
	v->created = meta.created;
	v->state = VCND_BOOTING;
	v->seen_pass = d->pass;
	if (virDomainGetInfo(dom, &info) == 0)
		v->vcpus = info.nrVirtCpu;
	vcnd_place_adopted(d, v, dom); /* its pins count for the next placement */
	if (vcn_ready_scan(&v->scan, v->console, v->name) == 1)
		v->state = VCND_READY;
	vcn_info("adopted VCN '%s' of VO '%s' on host '%s' (%s)", name, meta.vo, d->hosts[host].name,
		 vcnd_state_name(v->state));
	vcn_audit_log(&d->audit, "adopt", name, d->hosts[host].name, "VO %s, %s", meta.vo,
		      vcnd_state_name(v->state));
}

/* Overlays whose VCN has no domain on that host and no launch in flight. */
static void remove_orphans(struct vcnd *d, int host)
{
	struct vcnd_host *h = &d->hosts[host];
	char **names = NULL, vcn[VCND_NAME_MAX];
	struct vcnd_vcn *v;
	int n = 0, i;

	if (vcn_overlay_list(h->pool, &names, &n) < 0)
		return;
	for (i = 0; i < n; i++) {
		if (vcn_overlay_vcn_of(names[i], vcn, sizeof(vcn)) == 0) {
			v = find_vcn(d, vcn);
			if ((!v || (v->host != host && v->state != VCND_LAUNCHING)) &&
			    !vcnd_cluster_overlay_busy_locked(d, vcn, host)) {
				if (vcn_overlay_delete(h->pool, vcn) == 0) {
					vcn_info("removed overlay '%s' on host '%s': no VCN uses it", names[i], h->name);
					vcn_audit_log(&d->audit, "orphan-removed", vcn, h->name, "overlay %s", names[i]);
				}
			}
		}
		free(names[i]);
	}
	free(names);
}

/* One pass over all hosts: adopt new domains, forget vanished ones (a VCN
 * whose domain is gone while vcnd runs was destroyed or crashed: its
 * overlay goes too), remove orphan overlays. Returns the number of hosts
 * that answered. */
int vcnd_adopt(struct vcnd *d)
{
	virDomainPtr *doms = NULL;
	bool answered[VCND_MAX_HOSTS] = { false };
	unsigned h;
	size_t i;
	int n, k, up = 0;

	d->pass++;
	for (h = 0; h < d->nhosts; h++) {
		if (!vcnd_host_up(&d->hosts[h]))
			continue;
		n = virConnectListAllDomains(d->hosts[h].conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
		if (n < 0) {
			vcn_warn("host '%s': cannot list domains: %s", d->hosts[h].name, lverr());
			continue;
		}
		answered[h] = true;
		up++;
		pthread_mutex_lock(&d->lock);
		for (k = 0; k < n; k++) {
			adopt_domain(d, (int)h, doms[k]);
			virDomainFree(doms[k]);
		}
		pthread_mutex_unlock(&d->lock);
		free(doms);
		doms = NULL;
	}
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->nvcns;) {
		struct vcnd_vcn *v = &d->vcns[i];

		if (v->state == VCND_LAUNCHING || v->state == VCND_FAILED || !answered[v->host] ||
		    v->seen_pass == d->pass || vcnd_cluster_migrating_locked(d, v->name)) {
			i++;
			continue;
		}
		vcn_info("VCN '%s' is gone from host '%s'", v->name, d->hosts[v->host].name);
		vcn_audit_log(&d->audit, "gone", v->name, d->hosts[v->host].name, "domain no longer exists");
		remove_vcn(d, v);
	}
	for (h = 0; h < d->nhosts; h++)
		if (answered[h])
			remove_orphans(d, (int)h);
	pthread_mutex_unlock(&d->lock);
	return up;
}

/* --- launch ---------------------------------------------------------------- */

struct launch_job {
	struct vcnd *d;
	char name[VCND_NAME_MAX];
	int vo, host;
	char console[PATH_MAX + VCND_NAME_MAX + 16];
};

static void wake(struct vcnd *d)
{
	uint64_t one = 1;

	if (write(d->wake_fd, &one, sizeof(one)) < 0)
		vcn_debug("wake: %s", strerror(errno));
}

/* Mark the VCN of @job failed with @why (caller cleans libvirt up). */
static void launch_failed(struct launch_job *job, const char *why)
{
	struct vcnd *d = job->d;
	struct vcnd_vcn *v;

	pthread_mutex_lock(&d->lock);
	v = find_vcn(d, job->name);
	if (v) {
		vcnd_vcn_unplace(v); /* its CPUs are free again */
		v->state = VCND_FAILED;
		snprintf(v->error, sizeof(v->error), "%s", why);
		v->start_ns = vcn_now_ns(); /* failed entries expire from here */
	}
	d->inflight--;
	pthread_mutex_unlock(&d->lock);
	vcn_err("launch of '%s' failed: %s", job->name, why);
	vcn_audit_log(&d->audit, "launch-failed", job->name, d->hosts[job->host].name, "%s", why);
	wake(d);
}

/* What the rules and the host say about the domain of @job: partition,
 * <cputune> (shares, cap, pins placed now, so the next launch sees them)
 * and <cpu>. Fills @tune, @pinstr/@pinp (vCPU i's CPU list), @emu, @cpu and
 * @part. Takes d->lock. Returns 0, or -errno with @why set. */
static int launch_policy(struct launch_job *job, struct vcn_cputune *tune, char (*pinstr)[VCN_CPUSET_STRLEN],
			 const char **pinp, char *emu, struct vcn_cpumodel *cpu, char *part, size_t partlen,
			 char *summary, size_t sumlen, char *why, size_t whylen)
{
	struct vcnd *d = job->d;
	const struct vcnd_vo *vo = &d->vos[job->vo];
	struct vcn_policy_limits lim;
	struct vcnd_vcn *v;
	char cpuwhy[256];
	unsigned i;
	int rc;

	pthread_mutex_lock(&d->lock);
	rc = vcn_policy_resolve(d->policy, job->name, vo->name, vo->vcpus, &lim);
	if (rc < 0) {
		snprintf(why, whylen, "cannot resolve the rules for '%s' (see the log)", job->name);
		goto cleanup;
	}
	snprintf(part, partlen, "%s", lim.partition[0] ? lim.partition : vo->partition);
	tune->shares = lim.cpu_shares;
	if (lim.cpu_cap_pct) {
		tune->global_period = 100000;
		tune->global_quota = (long long)lim.cpu_cap_pct * 1000;
	}
	v = find_vcn(d, job->name);
	if (!v) {
		rc = -ENOENT;
		snprintf(why, whylen, "forgotten while launching");
		goto cleanup;
	}
	if (lim.pin == VCN_PIN_NONE) {
		/* unpinned, as libvirt's default: the kernel balances vCPUs */
		vcnd_vcn_unplace(v);
		snprintf(v->pin, sizeof(v->pin), "%s", vcn_pin_name(lim.pin));
	} else {
		rc = vcnd_place(d, job->host, v, vcn_pin_name(lim.pin), why, whylen);
		if (rc < 0)
			goto cleanup;
	}
	for (i = 0; i < v->npins && i < vo->vcpus; i++) {
		vcn_cpuset_format(&v->pins[i], pinstr[i], VCN_CPUSET_STRLEN);
		pinp[i] = pinstr[i][0] ? pinstr[i] : NULL;
	}
	tune->vcpupin = pinp;
	tune->nvcpupin = i;
	if (!vcn_cpuset_empty(&v->emulator) && vcn_cpuset_format(&v->emulator, emu, VCN_CPUSET_STRLEN) >= 0)
		tune->emulatorpin = emu;
	rc = vcnd_cpu_choose(d, job->host, vo, cpu, cpuwhy, sizeof(cpuwhy));
	if (rc < 0) {
		snprintf(why, whylen, "%s", cpuwhy);
		vcnd_vcn_unplace(v);
		goto cleanup;
	}
	snprintf(summary, sumlen, "shares %llu, cap %llu%%, pin %s, partition %s, cpu: %s", tune->shares,
		 (unsigned long long)lim.cpu_cap_pct, v->pin, part[0] ? part : "/machine", cpuwhy);
cleanup:
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static void *launch_main(void *arg)
{
	struct launch_job *job = arg;
	struct vcnd *d = job->d;
	struct vcnd_host *h = &d->hosts[job->host];
	const struct vcnd_vo *vo = &d->vos[job->vo];
	struct vcn_domspec spec = { 0 };
	struct vcn_cputune tune = { 0 };
	struct vcn_cpumodel cpu = { 0 };
	struct vcnd_vcn *v;
	virDomainPtr dom = NULL;
	char disk[PATH_MAX], cmdline[768], why[512], *xml = NULL;
	char (*pinstr)[VCN_CPUSET_STRLEN] = calloc(vo->vcpus ? vo->vcpus : 1, VCN_CPUSET_STRLEN);
	const char **pinp = calloc(vo->vcpus ? vo->vcpus : 1, sizeof(*pinp));
	char emu[VCN_CPUSET_STRLEN] = "", part[sizeof(vo->partition) + VCN_PARTITION_NAME_MAX], summary[768];
	uint8_t uuid[VCN_UUID_LEN];
	uint64_t cap = 0;
	int rc;

	if (!pinstr || !pinp) {
		launch_failed(job, "out of memory");
		goto cleanup;
	}
	if (launch_policy(job, &tune, pinstr, pinp, emu, &cpu, part, sizeof(part), summary, sizeof(summary), why,
			  sizeof(why)) < 0) {
		launch_failed(job, why);
		goto cleanup;
	}
	if (vcn_qcow2_virtual_size(vo->image, &cap) < 0) {
		launch_failed(job, "cannot read the VO's base image (see the log)");
		goto cleanup;
	}
	rc = vcn_overlay_create(h->pool, job->name, vo->image, cap, disk, sizeof(disk));
	if (rc < 0) {
		launch_failed(job, rc == -EEXIST ? "an overlay of that name exists" : "cannot create the overlay");
		goto cleanup;
	}
	spec.name = job->name;
	spec.type = h->virt;
	spec.vcpus = vo->vcpus;
	spec.memory_mib = vo->memory_mib;
	if (vo->kernel[0]) {
		spec.kernel = vo->kernel;
		spec.initrd = vo->initrd[0] ? vo->initrd : NULL;
		/* the guest learns its hostname from the kernel command line */
		snprintf(cmdline, sizeof(cmdline), "%s%svcn.hostname=%s", vo->cmdline, vo->cmdline[0] ? " " : "",
			 job->name);
		spec.cmdline = cmdline;
	}
	spec.disk = disk;
	spec.disk_cache = "none"; /* live migration wants it */
	spec.network = vo->network[0] ? vo->network : NULL;
	spec.console = job->console;
	spec.partition = part[0] ? part : NULL;
	spec.cputune = &tune;
	spec.cpu = vcn_cpumodel_domcpu(&cpu);
	spec.vo = vo->name;
	spec.hostname = job->name;
	spec.created = time(NULL);
	if (vcn_domxml_build(&spec, &xml) < 0) {
		vcn_overlay_delete(h->pool, job->name);
		launch_failed(job, "cannot build the domain XML (see the log)");
		goto cleanup;
	}
	unlink(job->console);
	dom = virDomainCreateXML(h->conn, xml, 0);
	if (!dom) {
		if (spec.partition)
			snprintf(why, sizeof(why), "libvirt refused the domain (partition %s: does it exist on host '%s'? see vcnd(8)): %s",
				 spec.partition, h->name, lverr());
		else
			snprintf(why, sizeof(why), "libvirt refused the domain: %s", lverr());
		vcn_overlay_delete(h->pool, job->name);
		launch_failed(job, why);
		goto cleanup;
	}
	virDomainGetUUID(dom, uuid);
	pthread_mutex_lock(&d->lock);
	v = find_vcn(d, job->name);
	if (v) {
		v->state = VCND_BOOTING;
		v->created = (int64_t)spec.created;
		v->seen_pass = d->pass;
		memcpy(v->uuid, uuid, VCN_UUID_LEN);
	}
	d->inflight--;
	pthread_mutex_unlock(&d->lock);
	vcn_audit_log(&d->audit, "launch", job->name, h->name, "VO %s, %u vCPU, %u MiB, overlay %s; %s",
		      vo->name, vo->vcpus, vo->memory_mib, disk, summary);
	wake(d);
cleanup:
	if (dom)
		virDomainFree(dom);
	vcn_cpumodel_clear(&cpu);
	free(pinstr);
	free(pinp);
	free(xml);
	free(job);
	return NULL;
}

/* The up host with the fewest vCPUs per physical CPU that may take a VCN
 * of VO @vo (not suspect or draining, memory left), -1 if none. */
static int pick_host(struct vcnd *d, int vo)
{
	double best = 0, load;
	unsigned h, vcpus;
	size_t i;
	int pick = -1;

	for (h = 0; h < d->nhosts; h++) {
		if (!d->hosts[h].conn || !vcnd_cluster_host_usable_locked(d, (int)h, d->vos[vo].memory_mib))
			continue;
		vcpus = 0;
		for (i = 0; i < d->nvcns; i++)
			if (d->vcns[i].host == (int)h && d->vcns[i].state != VCND_FAILED)
				vcpus += d->vcns[i].vcpus;
		load = (double)vcpus / (d->hosts[h].pcpus ? d->hosts[h].pcpus : 1);
		if (pick < 0 || load < best) {
			best = load;
			pick = (int)h;
		}
	}
	return pick;
}

/* The lowest free "<vo>-<n>". */
static void pick_name(struct vcnd *d, const char *vo, char *out, size_t size)
{
	unsigned n;

	for (n = 1;; n++) {
		snprintf(out, size, "%s-%u", vo, n);
		if (!find_vcn(d, out))
			return;
	}
}

/* Start one launch of VO @vo (caller holds d->lock). */
static int start_launch(struct vcnd *d, int vo)
{
	struct launch_job *job;
	struct vcnd_vcn *v;
	pthread_t t;
	int host = pick_host(d, vo);

	if (host < 0)
		return -EHOSTDOWN;
	job = calloc(1, sizeof(*job));
	if (!job)
		return -ENOMEM;
	job->d = d;
	job->vo = vo;
	job->host = host;
	pick_name(d, d->vos[vo].name, job->name, sizeof(job->name));
	v = add_vcn(d, job->name, d->vos[vo].name, host);
	if (!v) {
		free(job);
		return -ENOMEM;
	}
	v->state = VCND_LAUNCHING;
	v->start_ns = vcn_now_ns();
	v->vcpus = d->vos[vo].vcpus;
	snprintf(job->console, sizeof(job->console), "%s", v->console);
	d->inflight++;
	if (pthread_create(&t, NULL, launch_main, job) != 0) {
		d->inflight--;
		remove_vcn(d, v);
		free(job);
		return -EAGAIN;
	}
	pthread_detach(t);
	vcn_info("launching '%s' (VO %s) on host '%s'", job->name, d->vos[vo].name, d->hosts[host].name);
	return 0;
}

/* The VCN of VO @vo to remove when it has too many: one still booting
 * before a ready one, then the newest. Caller holds d->lock. */
static struct vcnd_vcn *pick_victim(struct vcnd *d, int vo)
{
	struct vcnd_vcn *best = NULL;
	size_t i;

	for (i = 0; i < d->nvcns; i++) {
		struct vcnd_vcn *v = &d->vcns[i];

		if (strcmp(v->vo, d->vos[vo].name) != 0 || v->state == VCND_LAUNCHING || v->state == VCND_FAILED)
			continue;
		if (!best || (v->state == VCND_BOOTING && best->state == VCND_READY) ||
		    (v->state == best->state && v->created > best->created))
			best = v;
	}
	return best;
}

/* Converge every VO on its desired count: launch what is missing (within
 * the parallel limit), destroy what is too many. Failed launches expire
 * after 60 s; until then they hold their VO back (no tight retry loop). */
void vcnd_reconcile(struct vcnd *d)
{
	char victim[VCND_NAME_MAX], err[256];
	uint64_t now = vcn_now_ns();
	unsigned vo, have;
	size_t i;
	bool backoff;

	for (vo = 0; vo < d->nvos; vo++) {
		victim[0] = '\0';
		pthread_mutex_lock(&d->lock);
		backoff = false;
		for (i = 0; i < d->nvcns;) {
			struct vcnd_vcn *v = &d->vcns[i];

			if (v->state == VCND_FAILED && strcmp(v->vo, d->vos[vo].name) == 0) {
				if (now - v->start_ns > 60000000000ull) {
					remove_vcn(d, v);
					continue;
				}
				backoff = true;
			}
			i++;
		}
		have = vcnd_vo_count(d, (int)vo, false);
		while (!backoff && have < d->desired[vo] && d->inflight < VCND_MAX_PARALLEL) {
			if (start_launch(d, (int)vo) < 0)
				break;
			have++;
		}
		/* a graceful scale-in (autoscale.c) chose its own VCNs */
		if (have > d->desired[vo] && !vcnd_cluster_scaling_in_locked(d, (int)vo)) {
			struct vcnd_vcn *v = pick_victim(d, (int)vo);

			if (v)
				snprintf(victim, sizeof(victim), "%s", v->name);
		}
		pthread_mutex_unlock(&d->lock);
		if (victim[0] && vcnd_destroy(d, victim, err, sizeof(err)) < 0)
			vcn_err("scale-in of '%s': %s", victim, err);
	}
}

static int destroy(struct vcnd *d, const char *name, const char *failed_why, char *err, size_t errlen);

/* Check the consoles of booting VCNs; record launch-to-ready. A VCN that
 * has not printed its readiness line ready_timeout after its launch (or,
 * adopted, after its creation) is destroyed, overlay too, and audited as
 * launch-failed: the reconcile then launches another if one is wanted. */
void vcnd_poll_ready(struct vcnd *d)
{
	char late[8][VCND_NAME_MAX], err[256], why[96];
	uint64_t now = vcn_now_ns();
	int64_t wall = (int64_t)time(NULL);
	size_t i, nlate = 0;

	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->nvcns; i++) {
		struct vcnd_vcn *v = &d->vcns[i];

		if (v->state != VCND_BOOTING)
			continue;
		if (vcn_ready_scan(&v->scan, v->console, v->name) != 1) {
			bool over = v->start_ns ? now - v->start_ns > d->ready_timeout_ms * 1000000u :
					  v->created > 0 && wall - v->created > (int64_t)(d->ready_timeout_ms / 1000);

			if (over && now >= v->late_retry_ns && nlate < sizeof(late) / sizeof(late[0])) {
				v->late_retry_ns = now + 30 * 1000000000ull; /* a failed destroy: again in 30 s */
				snprintf(late[nlate++], sizeof(late[0]), "%s", v->name);
			}
			continue;
		}
		v->state = VCND_READY;
		if (v->start_ns)
			v->ready_s = (double)(vcn_now_ns() - v->start_ns) / 1e9;
		vcn_info("VCN '%s' ready%s", v->name, v->start_ns ? "" : " (adopted)");
		if (v->ready_s >= 0)
			vcn_audit_log(&d->audit, "ready", v->name, d->hosts[v->host].name,
				      "launch-to-ready %.2f s", v->ready_s);
	}
	pthread_mutex_unlock(&d->lock);
	for (i = 0; i < nlate; i++) {
		unsigned s = (unsigned)(d->ready_timeout_ms / 1000);
		const struct vcnd_vcn *v;
		int host;

		pthread_mutex_lock(&d->lock);
		v = find_vcn(d, late[i]);
		host = v ? v->host : -1;
		pthread_mutex_unlock(&d->lock);
		snprintf(why, sizeof(why), "not ready within %u s (ready_timeout)", s);
		vcn_warn("VCN '%s' %s: no readiness line on its console; destroying it", late[i], why);
		vcn_audit_log(&d->audit, "launch-failed", late[i], host >= 0 ? d->hosts[host].name : NULL,
			      "%s; destroyed", why);
		if (destroy(d, late[i], why, err, sizeof(err)) < 0)
			vcn_warn("VCN '%s': %s (tried again next time)", late[i], err);
	}
}

/* Destroy VCN @name: its domain, its overlay, its console file. With
 * @failed_why, the VCN stays listed as failed for that reason (and is
 * retried as launch failures are) instead of being forgotten. Returns 0,
 * -ENOENT (unknown), -EBUSY (still launching) or -EIO with @err set. */
static int destroy(struct vcnd *d, const char *name, const char *failed_why, char *err, size_t errlen)
{
	struct vcnd_vcn *v;
	struct vcnd_host *h;
	virDomainPtr dom;
	char console[PATH_MAX + VCND_NAME_MAX + 16];
	int host, rc = 0;

	pthread_mutex_lock(&d->lock);
	v = find_vcn(d, name);
	if (!v || v->state == VCND_LAUNCHING) {
		snprintf(err, errlen, v ? "VCN '%s' is still launching" : "no VCN '%s'", name);
		pthread_mutex_unlock(&d->lock);
		return v ? -EBUSY : -ENOENT;
	}
	host = v->host;
	snprintf(console, sizeof(console), "%s", v->console);
	pthread_mutex_unlock(&d->lock);
	h = &d->hosts[host];
	if (!h->conn) {
		snprintf(err, errlen, "host '%s' is down", h->name);
		return -EIO;
	}
	dom = virDomainLookupByName(h->conn, name);
	if (dom) {
		if (virDomainDestroy(dom) < 0) {
			snprintf(err, errlen, "libvirt: %s", lverr());
			rc = -EIO;
		}
		virDomainFree(dom);
	}
	if (rc == 0) {
		vcn_overlay_delete(h->pool, name);
		unlink(console);
		pthread_mutex_lock(&d->lock);
		v = find_vcn(d, name);
		if (v && failed_why) {
			vcnd_vcn_unplace(v);
			v->state = VCND_FAILED;
			snprintf(v->error, sizeof(v->error), "%s", failed_why);
			v->start_ns = vcn_now_ns(); /* failed entries expire from here */
		} else if (v) {
			remove_vcn(d, v);
		}
		pthread_mutex_unlock(&d->lock);
		vcn_audit_log(&d->audit, "destroy", name, h->name, "domain destroyed, overlay removed%s%s",
			      failed_why ? ": " : "", failed_why ? failed_why : "");
	}
	return rc;
}

/* Destroy VCN @name and forget it (see destroy()). */
int vcnd_destroy(struct vcnd *d, const char *name, char *err, size_t errlen)
{
	return destroy(d, name, NULL, err, errlen);
}
