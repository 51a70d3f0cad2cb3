/* vcnd for the web UI (web/): what vcnd does becomes overlay events on
 * ganglia-web's graphs (every audit record of the kinds in
 * vcn_webevents_wanted, through the audit log's hook: actions added later
 * under those names need nothing here); per-VO scale numbers are published
 * to Ganglia beside the fairness indices; the views command regenerates
 * the per-VO views at start and after each reload. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "gsend.h"
#include "log.h"
#include "vcnd.h"
#include "vmpublish.h"

#define WEB_METADATA_EVERY 6 /* ticks between metadata packets */
#define WEB_VIEWS_MAX_ARGS 16

extern char **environ;

static pid_t views_pid;      /* the views command running, 0 none */
static bool views_again;     /* a reload came while it ran */
static unsigned long ticks;

static void audit_hook(void *opaque, time_t when, const char *action, const char *vcn, const char *host,
		       const char *detail)
{
	struct vcnd *d = opaque;

	if (vcn_webevents_wanted(action))
		vcn_webevents_append(&d->webev, when, action, vcn, host, detail);
}

/* Start web_views_command (split on blanks, no shell) with the VO names as
 * its last arguments; never waits for it (reaped in vcnd_web_tick). */
static void views_run(struct vcnd *d)
{
	char cmd[PATH_MAX], *argv[WEB_VIEWS_MAX_ARGS + VCND_MAX_VOS + 1], *save = NULL, *p;
	char vos[VCND_MAX_VOS][VCND_NAME_MAX];
	unsigned n = 0, i;
	int rc;

	if (!d->web_views_command[0])
		return;
	if (views_pid > 0) {
		views_again = true;
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s", d->web_views_command);
	for (p = strtok_r(cmd, " \t", &save); p && n < WEB_VIEWS_MAX_ARGS; p = strtok_r(NULL, " \t", &save))
		argv[n++] = p;
	for (i = 0; i < d->nvos; i++) {
		snprintf(vos[i], sizeof(vos[i]), "%s", d->vos[i].name);
		argv[n++] = vos[i];
	}
	argv[n] = NULL;
	rc = posix_spawn(&views_pid, argv[0], NULL, NULL, argv, environ);
	if (rc != 0) {
		views_pid = 0;
		vcn_err("web_views_command '%s': cannot start: %s", argv[0], strerror(rc));
		return;
	}
	vcn_info("web views: '%s' started for %u VOs (pid %ld)", argv[0], d->nvos, (long)views_pid);
}

static void views_reap(struct vcnd *d)
{
	int st;
	pid_t r;

	if (views_pid <= 0)
		return;
	r = waitpid(views_pid, &st, WNOHANG);
	if (r == 0)
		return;
	if (r == views_pid && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		vcn_warn("web_views_command '%s' failed (status %d)", d->web_views_command,
			 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	views_pid = 0;
	if (views_again) {
		views_again = false;
		views_run(d);
	}
}

/* At start, after the audit log opened: events, views. */
void vcnd_web_start(struct vcnd *d)
{
	if (vcn_webevents_init(&d->webev, d->web_events_file, d->web_events_max) < 0)
		vcn_err("web events: out of memory; none written");
	d->audit.hook = audit_hook;
	d->audit.hook_opaque = d;
	if (d->web_events_file[0])
		vcn_info("web events: appended to '%s' (at most %u)", d->web_events_file, d->web_events_max);
	views_run(d);
}

/* After a valid reload: the events file and views may have changed. */
void vcnd_web_reload(struct vcnd *d)
{
	if (vcn_webevents_set(&d->webev, d->web_events_file, d->web_events_max) < 0)
		vcn_err("web events: out of memory; none written");
	views_run(d);
}

/* Each control tick: reap the views command; publish per VO its target
 * (desired count), running and ready VCNs and their mean launch-to-ready
 * time, as host "vcnd" (the web UI's VO scale report and VO views). */
void vcnd_web_tick(struct vcnd *d)
{
	static const char G[] = "vcn_vo";
	struct vcn_mvals l = { 0 };
	unsigned i;
	size_t k;
	int rc = 0;

	views_reap(d);
	ticks++;
	if (!d->gsend || !d->nvos)
		return;
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->nvos; i++) {
		double sum = 0;
		unsigned n = 0;

		for (k = 0; k < d->nvcns; k++)
			if (strcmp(d->vcns[k].vo, d->vos[i].name) == 0 && d->vcns[k].state == VCND_READY &&
			    d->vcns[k].ready_s >= 0) {
				sum += d->vcns[k].ready_s;
				n++;
			}
		rc |= vcn_mvals_add_float(&l, d->desired[i], "VCNs", G, "VO target VCNs", "vcn_vo_%s_target",
					  d->vos[i].name);
		rc |= vcn_mvals_add_float(&l, vcnd_vo_count(d, (int)i, false), "VCNs", G, "VO running VCNs",
					  "vcn_vo_%s_running", d->vos[i].name);
		rc |= vcn_mvals_add_float(&l, vcnd_vo_count(d, (int)i, true), "VCNs", G, "VO ready VCNs",
					  "vcn_vo_%s_ready", d->vos[i].name);
		rc |= vcn_mvals_add_float(&l, n ? sum / n : NAN, "s", G, "VO mean launch to ready",
					  "vcn_vo_%s_ready_s", d->vos[i].name);
	}
	pthread_mutex_unlock(&d->lock);
	if (rc == 0 && l.n)
		vcn_gsend_host(d->gsend, VCND_GHOST, &l, ticks % WEB_METADATA_EVERY == 1);
	free(l.v);
}

/* At exit: stop writing events (the views command is left to finish). */
void vcnd_web_stop(struct vcnd *d)
{
	d->audit.hook = NULL;
	vcn_webevents_free(&d->webev);
}
