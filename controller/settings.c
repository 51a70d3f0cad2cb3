/* vcnd.conf, its partitions file and its rules file into vcnd's runtime
 * model. Loading is all-or-nothing over the three files (the loaders log
 * each problem as file:line): on a reload, hosts, VOs, partitions and
 * rules are replaced only when all three are valid and agree (every VO's
 * partition and every rule's partition= is a group of the partitions
 * file). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "partition.h"
#include "policy.h"
#include "vcnd.h"
#include "vcnd_conf.h"

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* Load and cross-check vcnd.conf @path and the partitions and rules files
 * it names. Every problem is logged (file:line); all are reported, not
 * only the first. On success the caller owns *@cp, *@psp and *@polp (the
 * last two NULL when the file is not configured). Returns 0 or -errno with
 * nothing allocated. */
static int load_all(const char *path, struct vcn_vcnd_conf **cp, struct vcn_partitions **psp,
		    struct vcn_policy **polp)
{
	struct vcn_vcnd_conf *c = NULL;
	struct vcn_partitions *ps = NULL;
	struct vcn_policy *pol = NULL;
	size_t i;
	int rc, bad = 0;

	rc = vcn_vcnd_conf_load(path, &c);
	if (rc < 0)
		return rc;
	if (c->n_hosts > VCND_MAX_HOSTS || c->n_vos > VCND_MAX_VOS) {
		vcn_err("%s: at most %d hosts and %d VOs", path, VCND_MAX_HOSTS, VCND_MAX_VOS);
		bad++;
	}
	if (c->partitions_file && (rc = vcn_partitions_load(c->partitions_file, &ps)) < 0)
		bad++;
	if (c->rules_file && (rc = vcn_policy_load(c->rules_file, &pol)) < 0)
		bad++;
	for (i = 0; i < c->n_vos; i++) {
		const struct vcn_conf_vo *v = &c->vos[i];

		if (v->n_cpu_features > VCND_MAX_CPU_FEATURES) {
			vcn_err("%s:%u: VO '%s': at most %d cpu_features", path, v->line, v->name,
				VCND_MAX_CPU_FEATURES);
			bad++;
		}
		if (!v->partition || strcmp(v->partition, "/machine") == 0)
			continue;
		if (!c->partitions_file) {
			vcn_err("%s:%u: VO '%s': partition '%s' needs a partitions_file that defines it", path,
				v->line, v->name, v->partition);
			bad++;
		} else if (ps && !vcn_partitions_find(ps, v->partition)) {
			vcn_err("%s:%u: VO '%s': partition '%s' is not a group in %s", path, v->line, v->name,
				v->partition, c->partitions_file);
			bad++;
		}
	}
	/* rules naming partitions need the partitions file loaded to be checked */
	if (pol && (ps || !c->partitions_file) && vcn_policy_check_partitions(pol, ps) < 0)
		bad++;
	if (bad) {
		vcn_policy_free(pol);
		vcn_partitions_free(ps);
		vcn_vcnd_conf_free(c);
		return rc < 0 ? rc : -EINVAL;
	}
	*cp = c;
	*psp = ps;
	*polp = pol;
	return 0;
}

/* Check vcnd.conf @path with its partitions and rules files, as `vcnd -n`
 * and `vcnctl check` do, without touching the running daemon. Problems are
 * logged; @summary gets one line of what was checked. Returns 0 or -errno. */
int vcnd_settings_check(const char *path, char *summary, size_t size)
{
	struct vcn_vcnd_conf *c = NULL;
	struct vcn_partitions *ps = NULL;
	struct vcn_policy *pol = NULL;
	int rc = load_all(path, &c, &ps, &pol);

	if (rc < 0) {
		snprintf(summary, size, "%s: not valid", path);
		return rc;
	}
	snprintf(summary, size, "%s: valid (%zu hosts, %zu VOs; partitions %s: %zu groups; rules %s: %zu)", path,
		 c->n_hosts, c->n_vos, c->partitions_file ? c->partitions_file : "none", ps ? ps->n : 0,
		 c->rules_file ? c->rules_file : "none", pol ? vcn_policy_rules(pol) : 0);
	vcn_policy_free(pol);
	vcn_partitions_free(ps);
	vcn_vcnd_conf_free(c);
	return 0;
}

/* Free the policies @d holds (at exit). */
void vcnd_settings_free(struct vcnd *d)
{
	vcn_policy_free(d->policy);
	vcn_partitions_free(d->partitions);
	free(d->baseline_xml);
	d->policy = NULL;
	d->partitions = NULL;
	d->baseline_xml = NULL;
}

static bool partitions_equal(const struct vcn_partitions *a, const struct vcn_partitions *b)
{
	if (!a || !b)
		return a == b;
	return a->n == b->n && memcmp(a->p, b->p, a->n * sizeof(*a->p)) == 0;
}

/* Load @path into @d (hosts, VOs, paths, interval, partitions, rules).
 * Returns 0, or -errno with @d untouched. Hosts that stay are kept
 * connected (matched by name and URI); the caller reconnects the rest.
 * The policies are swapped under d->lock (launch threads read them) and
 * the old ones freed; partitions_dirty is set when the groups changed. */
int vcnd_settings_load(struct vcnd *d, const char *path)
{
	struct vcn_vcnd_conf *c = NULL;
	struct vcn_partitions *ps = NULL, *old_ps;
	struct vcn_policy *pol = NULL, *old_pol;
	unsigned i;
	size_t k;
	int rc;

	rc = load_all(path, &c, &ps, &pol);
	if (rc < 0)
		return rc;
	if (path != d->conf_path) /* a reload passes d->conf_path itself: snprintf onto itself emptied it */
		copy(d->conf_path, sizeof(d->conf_path), path);
	copy(d->state_dir, sizeof(d->state_dir), c->state_dir);
	copy(d->scratch_dir, sizeof(d->scratch_dir), c->scratch_dir);
	copy(d->socket_path, sizeof(d->socket_path), c->control_socket);
	copy(d->audit_path, sizeof(d->audit_path), c->audit_log);
	d->interval_ms = c->interval_ms;
	d->fairness_target = c->fairness_target;
	copy(d->gmond_conf, sizeof(d->gmond_conf), c->gmond_conf);
	copy(d->status_socket, sizeof(d->status_socket), c->status_socket);
	copy(d->status_group, sizeof(d->status_group), c->status_socket_group);
	copy(d->web_events_file, sizeof(d->web_events_file), c->web_events_file);
	d->web_events_max = c->web_events_max;
	copy(d->web_views_command, sizeof(d->web_views_command), c->web_views_command);
	for (i = 0; i < c->n_hosts; i++) {
		struct vcnd_host *h = &d->hosts[i];
		const struct vcn_conf_host *ch = &c->hosts[i];

		if (i < d->nhosts && strcmp(h->name, ch->name) == 0 && strcmp(h->uri, ch->uri) == 0)
			continue; /* unchanged: keep its connection */
		if (h->conn) {
			virConnectClose(h->conn);
			h->conn = NULL;
		}
		vcnd_host_forget(h);
		memset(h, 0, sizeof(*h));
		copy(h->name, sizeof(h->name), ch->name);
		copy(h->uri, sizeof(h->uri), ch->uri);
		h->virt = VCN_VIRT_LAST; /* decided when connected: see hosts.c */
	}
	d->nhosts = (unsigned)c->n_hosts;
	for (i = 0; i < c->n_vos; i++) {
		struct vcnd_vo *v = &d->vos[i];
		const struct vcn_conf_vo *cv = &c->vos[i];

		memset(v, 0, sizeof(*v));
		copy(v->name, sizeof(v->name), cv->name);
		copy(v->image, sizeof(v->image), cv->image);
		copy(v->kernel, sizeof(v->kernel), cv->kernel);
		copy(v->initrd, sizeof(v->initrd), cv->initrd);
		copy(v->cmdline, sizeof(v->cmdline), cv->cmdline);
		copy(v->network, sizeof(v->network), cv->network);
		copy(v->partition, sizeof(v->partition), cv->partition);
		v->cpu_mode = (int)cv->cpu_mode;
		copy(v->cpu_model, sizeof(v->cpu_model), cv->cpu_model);
		for (k = 0; k < cv->n_cpu_features; k++)
			copy(v->cpu_features[k], sizeof(v->cpu_features[k]), cv->cpu_features[k]);
		v->ncpu_features = (unsigned)cv->n_cpu_features;
		v->vcpus = cv->vcpus;
		v->memory_mib = (unsigned)(cv->memory >> 20);
		v->min = cv->min;
		v->max = cv->max;
	}
	d->nvos = (unsigned)c->n_vos;
	copy(d->partitions_path, sizeof(d->partitions_path), c->partitions_file);
	copy(d->rules_path, sizeof(d->rules_path), c->rules_file);
	pthread_mutex_lock(&d->lock);
	old_ps = d->partitions;
	old_pol = d->policy;
	if (!partitions_equal(old_ps, ps))
		d->partitions_dirty = true;
	d->partitions = ps;
	d->policy = pol;
	pthread_mutex_unlock(&d->lock);
	vcn_policy_free(old_pol);
	vcn_partitions_free(old_ps);
	rc = vcnd_cluster_configure(d, c); /* rebalance, host loss, autoscale */
	vcn_vcnd_conf_free(c);
	return rc;
}
