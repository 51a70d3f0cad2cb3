/* vcnd's host loss handling. A host whose libvirt connection is gone is
 * suspect after suspect_after, and after down_after the fence command
 * (argv, "%h" = host name, "%u" = its URI) is asked to confirm that it is
 * down (powered off, fenced): only then are its VCNs forgotten and
 * relaunched elsewhere by the reconcile pass (they are cattle: snapshot
 * overlays). Without a fence command, or when fencing fails, a host stays
 * suspect and nothing is relaunched: a partitioned host must not end with
 * its VCNs running twice. A host that answers again but whose domains are
 * gone is the other confirmation (vcns.c forgets them, reconcile relaunches).
 * When a host that was declared down comes back with copies still
 * running, adoption reports duplicates; the newer copy (metadata created
 * time) is kept, the older destroyed, and both facts are audited. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "cluster.h"
#include "collector.h"
#include "demand.h"
#include "log.h"
#include "overlay.h"

/* A NULL-terminated copy of @src[0..@n); NULL on allocation failure. */
char **vcnd_argv_dup(char *const *src, size_t n)
{
	char **a = calloc(n + 1, sizeof(*a));

	for (size_t i = 0; a && i < n; i++) {
		a[i] = strdup(src[i]);
		if (!a[i]) {
			vcnd_argv_free(a);
			return NULL;
		}
	}
	return a;
}

void vcnd_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* Run the fence command for host @h: 0 when it confirms the host down. */
static int fence(struct vcnd *d, unsigned h)
{
	struct vcnd_cluster *cl = d->cluster;
	char *argv[32];
	char buf[32][256];
	size_t n = 0;
	double lines;
	int rc;

	for (; cl->fence[n] && n < 31; n++) {
		const char *a = cl->fence[n];

		if (strcmp(a, "%h") == 0)
			snprintf(buf[n], sizeof(buf[n]), "%s", d->hosts[h].name);
		else if (strcmp(a, "%u") == 0)
			snprintf(buf[n], sizeof(buf[n]), "%s", d->hosts[h].uri);
		else
			snprintf(buf[n], sizeof(buf[n]), "%s", a);
		argv[n] = buf[n];
	}
	argv[n] = NULL;
	rc = vcn_demand_command(argv, 60000, &lines);
	return rc;
}

/* Forget the VCNs of confirmed-down host @h: reconcile relaunches them on
 * hosts that are up. */
static void relaunch_from(struct vcnd *d, unsigned h)
{
	unsigned n = 0;

	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < d->nvcns;) {
		struct vcnd_vcn *v = &d->vcns[i];

		if (v->host != (int)h || v->state == VCND_LAUNCHING) {
			i++;
			continue;
		}
		vcn_info("VCN '%s' of host '%s' (down) will be relaunched elsewhere", v->name, d->hosts[h].name);
		vcn_audit_log(&d->audit, "relaunch", v->name, d->hosts[h].name,
			      "host confirmed down; VO %s relaunched on a host that is up", v->vo);
		vcnd_vcn_unplace(v);
		*v = d->vcns[--d->nvcns];
		n++;
	}
	pthread_mutex_unlock(&d->lock);
	if (n)
		vcn_info("host '%s': %u VCNs to relaunch", d->hosts[h].name, n);
}

/* Record that adoption found @vcn running on @host too (created @created).
 * Caller holds d->lock. */
void vcnd_cluster_duplicate_locked(struct vcnd *d, const char *vcn, int host, int64_t created)
{
	struct vcnd_cluster *cl = d->cluster;

	if (!cl || vcnd_cluster_migrating_locked(d, vcn))
		return;
	for (unsigned i = 0; i < cl->ndups; i++)
		if (strcmp(cl->dups[i].vcn, vcn) == 0 && cl->dups[i].host == host)
			return;
	if (cl->ndups == VCND_MAX_DUPS)
		return;
	snprintf(cl->dups[cl->ndups].vcn, sizeof(cl->dups[0].vcn), "%s", vcn);
	cl->dups[cl->ndups].host = host;
	cl->dups[cl->ndups].created = created;
	cl->ndups++;
}

static int destroy_on(struct vcnd *d, int host, const char *vcn, bool drop_overlay)
{
	virDomainPtr dom;
	int rc = -ENOENT;

	if (!d->hosts[host].conn)
		return -EHOSTDOWN;
	dom = virDomainLookupByName(d->hosts[host].conn, vcn);
	if (dom) {
		rc = virDomainDestroy(dom) == 0 ? 0 : -EIO;
		virDomainFree(dom);
	}
	if (rc == 0 && drop_overlay && d->hosts[host].pool)
		vcn_overlay_delete(d->hosts[host].pool, vcn);
	return rc;
}

/* Keep the newer of two copies of each duplicate VCN, destroy the older. */
static void resolve_duplicates(struct vcnd *d)
{
	struct vcnd_cluster *cl = d->cluster;
	struct vcnd_dup dups[VCND_MAX_DUPS];
	unsigned n;

	pthread_mutex_lock(&d->lock);
	n = cl->ndups;
	memcpy(dups, cl->dups, n * sizeof(*dups));
	cl->ndups = 0;
	pthread_mutex_unlock(&d->lock);
	for (unsigned i = 0; i < n; i++) {
		struct vcnd_vcn *v;
		int known_host, old_host, new_host;
		int64_t known_created;
		bool shared = cl->shared_storage;

		pthread_mutex_lock(&d->lock);
		v = vcnd_cluster_find(d, dups[i].vcn);
		if (!v || v->state == VCND_LAUNCHING || vcnd_cluster_migrating_locked(d, dups[i].vcn) ||
		    v->host == dups[i].host) {
			pthread_mutex_unlock(&d->lock);
			continue;
		}
		known_host = v->host;
		known_created = v->created;
		pthread_mutex_unlock(&d->lock);
		if (known_created == dups[i].created) {
			vcn_warn("VCN '%s' runs on hosts '%s' and '%s' with the same creation time: left alone",
				 dups[i].vcn, d->hosts[known_host].name, d->hosts[dups[i].host].name);
			continue;
		}
		if (dups[i].created > known_created) {
			old_host = known_host;
			new_host = dups[i].host;
		} else {
			old_host = dups[i].host;
			new_host = known_host;
		}
		/* with shared storage both copies named the same file: the
		 * newer one owns it now */
		if (destroy_on(d, old_host, dups[i].vcn, !shared) < 0) {
			vcn_err("VCN '%s': cannot destroy the older copy on host '%s'", dups[i].vcn,
				d->hosts[old_host].name);
			continue;
		}
		pthread_mutex_lock(&d->lock);
		v = vcnd_cluster_find(d, dups[i].vcn);
		if (v && v->host != new_host) {
			v->host = new_host;
			v->created = dups[i].created > known_created ? dups[i].created : known_created;
			v->lim_known = false;
			v->fair_seen = false;
			vcnd_vcn_unplace(v);
		}
		pthread_mutex_unlock(&d->lock);
		vcn_warn("VCN '%s' ran on hosts '%s' and '%s': kept the newer on '%s', destroyed the older on '%s'",
			 dups[i].vcn, d->hosts[known_host].name, d->hosts[dups[i].host].name, d->hosts[new_host].name,
			 d->hosts[old_host].name);
		vcn_audit_log(&d->audit, "duplicate-resolved", dups[i].vcn, d->hosts[new_host].name,
			      "kept the newer copy on %s, destroyed the older on %s", d->hosts[new_host].name,
			      d->hosts[old_host].name);
	}
}

/* The main loop's tick, after vcnd_hosts_connect and before adoption:
 * health of every host, fencing and relaunch, duplicates from the last
 * adoption pass. */
void vcnd_hostwatch_tick(struct vcnd *d)
{
	struct vcnd_cluster *cl = d->cluster;
	uint64_t now = vcn_now_ns();

	if (!cl)
		return;
	for (unsigned h = 0; h < d->nhosts; h++) {
		struct vcnd_chost *ch = &cl->hosts[h];
		uint64_t silent;

		if (vcnd_host_up(&d->hosts[h])) {
			if (ch->health != VCND_HOST_UP && ch->seen) {
				vcn_info("host '%s' answers again (was %s)", d->hosts[h].name,
					 ch->health == VCND_HOST_DOWN ? "down" : "suspect");
				vcn_audit_log(&d->audit, "host-up", NULL, d->hosts[h].name, "was %s",
					      ch->health == VCND_HOST_DOWN ? "down" : "suspect");
			}
			ch->health = VCND_HOST_UP;
			ch->seen = true;
			ch->fence_failed = false;
			ch->last_ok_ns = now;
			continue;
		}
		if (!ch->seen) {
			/* never answered since vcnd started: count from the start */
			if (!ch->last_ok_ns)
				ch->last_ok_ns = now;
		}
		ch->mem_mib = 0; /* re-read on reconnection */
		silent = now - ch->last_ok_ns;
		if (ch->health == VCND_HOST_UP && silent >= cl->suspect_ms * 1000000ull) {
			ch->health = VCND_HOST_SUSPECT;
			vcn_warn("host '%s' is suspect: no answer for %.0f s", d->hosts[h].name, silent / 1e9);
			vcn_audit_log(&d->audit, "host-suspect", NULL, d->hosts[h].name, "no answer for %.0f s",
				      silent / 1e9);
		}
		if (ch->health != VCND_HOST_SUSPECT || silent < cl->down_ms * 1000000ull)
			continue;
		if (!cl->fence) {
			if (!ch->fence_failed)
				vcn_warn("host '%s' silent for %.0f s, but no fence command confirms it down: its VCNs are not relaunched",
					 d->hosts[h].name, silent / 1e9);
			ch->fence_failed = true;
			continue;
		}
		if (fence(d, h) < 0) {
			if (!ch->fence_failed) {
				vcn_err("host '%s': the fence command did not confirm it down: its VCNs stay where they are",
					d->hosts[h].name);
				vcn_audit_log(&d->audit, "fence-failed", NULL, d->hosts[h].name,
					      "silent for %.0f s; nothing relaunched", silent / 1e9);
			}
			ch->fence_failed = true;
			continue;
		}
		ch->health = VCND_HOST_DOWN;
		vcn_warn("host '%s' is down (fence confirmed after %.0f s of silence)", d->hosts[h].name, silent / 1e9);
		vcn_audit_log(&d->audit, "host-down", NULL, d->hosts[h].name, "fence confirmed after %.0f s of silence",
			      silent / 1e9);
		relaunch_from(d, h);
	}
	resolve_duplicates(d);
	vcnd_cluster_capacity(d);
}
