/* vcnd's control socket: one request line per connection ("text|json VERB
 * ARGS..."), answered by progress lines and one result, then closed.
 * Mode 0660, root-owned; names are validated before anything is done. */
#include <config.h>

#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "collector.h"
#include "json.h"
#include "log.h"
#include "parse.h"
#include "vcnd.h"

#define CTL_WAIT_NS (900ull * 1000000000ull) /* a launch/scale waits at most 15 min */

/* Listen on @path (mode 0660). Refuses when another vcnd answers there.
 * Returns the socket or -errno. */
static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, probe;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		vcn_err("control socket path '%s' is too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(probe);
		vcn_err("another vcnd answers on '%s'", path);
		return -EADDRINUSE;
	}
	if (probe >= 0)
		close(probe);
	unlink(path); /* stale, from a vcnd that was killed */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0 ||
	    chmod(path, 0660) < 0) {
		int e = errno;

		vcn_err("cannot listen on '%s': %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	return fd;
}

/* The status socket's path as bound (a reload may change the setting; the
 * socket stays until restart). */
static char status_bound[PATH_MAX];

/* Listen on d->socket_path, and on d->status_socket (read verbs only, for
 * the web UI; group d->status_group) when set. Returns 0 or -errno. */
int vcnd_ctl_listen(struct vcnd *d)
{
	struct group *g;
	int fd;

	fd = listen_on(d->socket_path);
	if (fd < 0)
		return fd;
	d->listen_fd = fd;
	d->status_fd = -1;
	if (!d->status_socket[0])
		return 0;
	fd = listen_on(d->status_socket);
	if (fd < 0)
		return fd;
	d->status_fd = fd;
	snprintf(status_bound, sizeof(status_bound), "%s", d->status_socket);
	if (d->status_group[0]) {
		g = getgrnam(d->status_group);
		if (!g || chown(d->status_socket, (uid_t)-1, g->gr_gid) < 0) {
			vcn_err("status socket '%s': cannot give it to group '%s': %s", d->status_socket,
				d->status_group, g ? strerror(errno) : "no such group");
			return -EPERM;
		}
	}
	return 0;
}

static void say(struct vcnd_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct vcnd_client *c, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (send(c->fd, buf, (size_t)n, MSG_NOSIGNAL) < 0)
		vcn_debug("client went away: %s", strerror(errno));
}

static void say_json(struct vcnd_client *c, struct vcn_json *j)
{
	const char *s = vcn_json_result(j);

	if (s)
		say(c, "%s\n", s);
}

static void finish(struct vcnd_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void fail(struct vcnd_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct vcnd_client *c, const char *fmt, ...)
{
	char msg[512];
	struct vcn_json j;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->json) {
		vcn_json_init(&j);
		vcn_json_obj_begin(&j);
		vcn_json_kbool(&j, "ok", false);
		vcn_json_kstr(&j, "error", msg);
		vcn_json_obj_end(&j);
		say_json(c, &j);
		vcn_json_free(&j);
	} else {
		say(c, "error: %s\n", msg);
	}
	finish(c);
}

static void vcn_json_item(struct vcn_json *j, struct vcnd *d, const struct vcnd_vcn *v)
{
	char u[VCN_UUID_STRLEN];

	vcn_uuid_format(v->uuid, u);
	vcn_json_obj_begin(j);
	vcn_json_kstr(j, "name", v->name);
	vcn_json_kstr(j, "vo", v->vo);
	vcn_json_kstr(j, "host", d->hosts[v->host].name);
	vcn_json_kstr(j, "state", vcnd_state_name(v->state));
	vcn_json_kstr(j, "uuid", u);
	vcn_json_kint(j, "vcpus", v->vcpus);
	vcn_json_kint(j, "created", v->created);
	if (v->ready_s >= 0)
		vcn_json_kdouble(j, "ready_s", v->ready_s);
	else
		vcn_json_kstr(j, "ready_s", NULL);
	if (v->error[0])
		vcn_json_kstr(j, "error", v->error);
	vcn_json_obj_end(j);
}

static void cmd_list(struct vcnd *d, struct vcnd_client *c)
{
	struct vcn_json j;
	char ready[32];
	size_t i;

	pthread_mutex_lock(&d->lock);
	if (c->json) {
		vcn_json_init(&j);
		vcn_json_obj_begin(&j);
		vcn_json_kbool(&j, "ok", true);
		vcn_json_key(&j, "vcns");
		vcn_json_arr_begin(&j);
		for (i = 0; i < d->nvcns; i++)
			vcn_json_item(&j, d, &d->vcns[i]);
		vcn_json_arr_end(&j);
		vcn_json_obj_end(&j);
		say_json(c, &j);
		vcn_json_free(&j);
	} else {
		say(c, "%-20s %-12s %-12s %-10s %5s %9s\n", "VCN", "VO", "HOST", "STATE", "VCPUS", "READY_S");
		for (i = 0; i < d->nvcns; i++) {
			const struct vcnd_vcn *v = &d->vcns[i];

			if (v->ready_s >= 0)
				snprintf(ready, sizeof(ready), "%.2f", v->ready_s);
			else
				snprintf(ready, sizeof(ready), "-");
			say(c, "%-20s %-12s %-12s %-10s %5u %9s%s%s\n", v->name, v->vo, d->hosts[v->host].name,
			    vcnd_state_name(v->state), v->vcpus, ready, v->error[0] ? "  " : "", v->error);
		}
	}
	pthread_mutex_unlock(&d->lock);
	finish(c);
}

static void cmd_status(struct vcnd *d, struct vcnd_client *c)
{
	struct vcn_json j;
	unsigned i;

	pthread_mutex_lock(&d->lock);
	if (c->json) {
		vcn_json_init(&j);
		vcn_json_obj_begin(&j);
		vcn_json_kbool(&j, "ok", true);
		vcn_json_key(&j, "hosts");
		vcn_json_arr_begin(&j);
		for (i = 0; i < d->nhosts; i++) {
			vcn_json_obj_begin(&j);
			vcn_json_kstr(&j, "name", d->hosts[i].name);
			vcn_json_kstr(&j, "uri", d->hosts[i].uri);
			vcn_json_kbool(&j, "up", d->hosts[i].conn != NULL);
			vcn_json_kstr(&j, "virt", vcn_virt_type_name(d->hosts[i].virt));
			vcn_json_kint(&j, "pcpus", d->hosts[i].pcpus);
			vcn_json_obj_end(&j);
		}
		vcn_json_arr_end(&j);
		vcn_json_key(&j, "vos");
		vcn_json_arr_begin(&j);
		for (i = 0; i < d->nvos; i++) {
			vcn_json_obj_begin(&j);
			vcn_json_kstr(&j, "name", d->vos[i].name);
			vcn_json_kint(&j, "desired", d->desired[i]);
			vcn_json_kint(&j, "running", vcnd_vo_count(d, (int)i, false));
			vcn_json_kint(&j, "ready", vcnd_vo_count(d, (int)i, true));
			vcn_json_kint(&j, "min", d->vos[i].min);
			vcn_json_kint(&j, "max", d->vos[i].max);
			vcn_json_obj_end(&j);
		}
		vcn_json_arr_end(&j);
		vcn_json_obj_end(&j);
		say_json(c, &j);
		vcn_json_free(&j);
	} else {
		say(c, "%-12s %-32s %-5s %-5s %s\n", "HOST", "URI", "UP", "VIRT", "CPUS");
		for (i = 0; i < d->nhosts; i++)
			say(c, "%-12s %-32s %-5s %-5s %u\n", d->hosts[i].name, d->hosts[i].uri,
			    d->hosts[i].conn ? "yes" : "no", vcn_virt_type_name(d->hosts[i].virt), d->hosts[i].pcpus);
		say(c, "\n%-12s %7s %7s %5s %5s %5s\n", "VO", "DESIRED", "RUNNING", "READY", "MIN", "MAX");
		for (i = 0; i < d->nvos; i++)
			say(c, "%-12s %7u %7u %5u %5u %5u\n", d->vos[i].name, d->desired[i],
			    vcnd_vo_count(d, (int)i, false), vcnd_vo_count(d, (int)i, true), d->vos[i].min, d->vos[i].max);
	}
	pthread_mutex_unlock(&d->lock);
	finish(c);
}

/* Set VO's desired count and keep the client for progress. */
static void set_desired(struct vcnd *d, struct vcnd_client *c, int vo, unsigned n)
{
	if (n < d->vos[vo].min || n > d->vos[vo].max) {
		fail(c, "VO '%s' allows %u to %u VCNs, not %u", d->vos[vo].name, d->vos[vo].min, d->vos[vo].max, n);
		return;
	}
	d->desired[vo] = n;
	if (vcnd_desired_save(d) < 0) {
		fail(c, "cannot save the desired count (see vcnd's log)");
		return;
	}
	vcn_audit_log(&d->audit, "scale", NULL, NULL, "VO %s: desired %u", d->vos[vo].name, n);
	/* both live in *d: gcc -O2 cannot rule out overlap for snprintf (-Wrestrict) */
	memcpy(c->vo, d->vos[vo].name, sizeof(c->vo));
	c->vo[sizeof(c->vo) - 1] = '\0';
	c->deadline_ns = vcn_now_ns() + CTL_WAIT_NS;
	if (!c->json)
		say(c, "VO %s: %u VCNs wanted\n", d->vos[vo].name, n);
	vcnd_reconcile(d);
}

static void cmd_destroy(struct vcnd *d, struct vcnd_client *c, const char *name)
{
	char err[256], vo[VCND_NAME_MAX] = "";
	size_t i;
	int idx;

	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->nvcns; i++)
		if (strcmp(d->vcns[i].name, name) == 0)
			snprintf(vo, sizeof(vo), "%s", d->vcns[i].vo);
	pthread_mutex_unlock(&d->lock);
	idx = vcnd_vo_index(d, vo);
	/* one fewer wanted first, or reconcile would relaunch it */
	if (idx >= 0 && d->desired[idx] > d->vos[idx].min) {
		d->desired[idx]--;
		vcnd_desired_save(d);
	}
	if (vcnd_destroy(d, name, err, sizeof(err)) < 0) {
		fail(c, "%s", err);
		return;
	}
	if (c->json)
		say(c, "{\"ok\":true,\"destroyed\":\"%s\"}\n", name);
	else
		say(c, "ok: destroyed %s\n", name);
	finish(c);
}

static void cmd_audit(struct vcnd *d, struct vcnd_client *c, unsigned n)
{
	char *tail = NULL;
	int rc = vcn_audit_tail(d->audit_path, n, &tail);

	if (rc < 0) {
		fail(c, "cannot read '%s': %s", d->audit_path, strerror(-rc));
		return;
	}
	say(c, "%s", tail); /* already JSON lines, for both modes */
	free(tail);
	finish(c);
}

/* The fairness report (fairness.c); may exceed say()'s buffer. */
static void cmd_fairness(struct vcnd *d, struct vcnd_client *c)
{
	char *s = vcnd_fair_format(d, c->json);
	size_t off = 0, len;
	ssize_t n;

	if (!s)
		return fail(c, "fairness: out of memory");
	len = strlen(s);
	while (off < len && (n = send(c->fd, s + off, len - off, MSG_NOSIGNAL)) > 0)
		off += (size_t)n;
	if (c->json && off == len && send(c->fd, "\n", 1, MSG_NOSIGNAL) < 0)
		vcn_debug("client went away: %s", strerror(errno));
	free(s);
	finish(c);
}

/* rebalance [dry-run], drain HOST, undrain HOST, hosts (rebalance.c). */
static void cmd_cluster(struct vcnd *d, struct vcnd_client *c, char **argv, unsigned argc)
{
	bool ok = true;
	char *s = vcnd_cluster_ctl(d, c->json, argv, argc, &ok);
	size_t off = 0, len;
	ssize_t n;

	if (!s)
		return fail(c, "%s: out of memory", argv[0]);
	len = strlen(s);
	while (off < len && (n = send(c->fd, s + off, len - off, MSG_NOSIGNAL)) > 0)
		off += (size_t)n;
	if (c->json && off == len && send(c->fd, "\n", 1, MSG_NOSIGNAL) < 0)
		vcn_debug("client went away: %s", strerror(errno));
	free(s);
	finish(c);
}

/* The pin map of every connected host (or of host @only). */
static void cmd_pin(struct vcnd *d, struct vcnd_client *c, const char *only)
{
	char *map;
	unsigned i, shown = 0;
	int rc;

	if (c->json)
		say(c, "{\"ok\":true,\"hosts\":{");
	for (i = 0; i < d->nhosts; i++) {
		struct vcnd_host *h = &d->hosts[i];

		if (only && strcmp(h->name, only) != 0)
			continue;
		if (!h->conn) {
			if (!c->json)
				say(c, "host %s: down\n", h->name);
			continue;
		}
		map = NULL;
		pthread_mutex_lock(&d->lock);
		rc = vcnd_pin_map(d, (int)i, c->json, &map);
		pthread_mutex_unlock(&d->lock);
		if (rc < 0) {
			if (!c->json)
				say(c, "host %s: no pin map: %s\n", h->name, strerror(-rc));
			continue;
		}
		/* host names are vcn_name_valid(): nothing to escape */
		if (c->json)
			say(c, "%s\"%s\":%s", shown ? "," : "", h->name, map);
		else
			say(c, "host %s:\n%s\n", h->name, map);
		shown++;
		free(map);
	}
	if (c->json)
		say(c, "}}\n");
	else if (only && !shown)
		say(c, "error: no connected host '%s'\n", only);
	finish(c);
}

/* vcnd -n inside the daemon: the files on disk now, nothing swapped. */
static void cmd_check(struct vcnd *d, struct vcnd_client *c)
{
	char summary[PATH_MAX * 3 + 128], errors[3000];
	struct vcn_json j;
	int rc;

	vcnd_log_capture(errors, sizeof(errors));
	rc = vcnd_settings_check(d->conf_path, summary, sizeof(summary));
	vcnd_log_capture(NULL, 0);
	if (c->json) {
		vcn_json_init(&j);
		vcn_json_obj_begin(&j);
		vcn_json_kbool(&j, "ok", rc == 0);
		vcn_json_kstr(&j, "summary", summary);
		vcn_json_kstr(&j, "messages", errors);
		vcn_json_obj_end(&j);
		say_json(c, &j);
		vcn_json_free(&j);
	} else {
		say(c, "%s%s\n", errors, summary);
		if (rc < 0)
			say(c, "error: the running configuration stays; a reload now would be refused\n");
	}
	finish(c);
}

static void dispatch(struct vcnd *d, struct vcnd_client *c, char *line)
{
	char *tok[8], *save = NULL, *p;
	unsigned ntok = 0, n = 1;
	int vo;

	for (p = strtok_r(line, " \t\r\n", &save); p && ntok < 8; p = strtok_r(NULL, " \t\r\n", &save))
		tok[ntok++] = p;
	if (ntok < 2 || (strcmp(tok[0], "json") != 0 && strcmp(tok[0], "text") != 0)) {
		fail(c, "bad request (want: text|json VERB ARGS...)");
		return;
	}
	c->json = strcmp(tok[0], "json") == 0;
	if (c->readonly && strcmp(tok[1], "status") != 0 && strcmp(tok[1], "list") != 0 &&
	    strcmp(tok[1], "audit") != 0 && strcmp(tok[1], "pin") != 0 && strcmp(tok[1], "fairness") != 0)
		return fail(c, "'%s' is not allowed on the status socket (read-only: status, list, audit, pin, fairness)",
			    tok[1]);
	if (strcmp(tok[1], "status") == 0 && ntok == 2)
		return cmd_status(d, c);
	if (strcmp(tok[1], "list") == 0 && ntok == 2)
		return cmd_list(d, c);
	if (strcmp(tok[1], "audit") == 0 && ntok <= 3) {
		if (ntok == 3 && vcn_parse_uint(tok[2], 1, 100000, &n) < 0)
			return fail(c, "audit: '%s' is not a count of lines", tok[2]);
		return cmd_audit(d, c, ntok == 3 ? n : 20);
	}
	if (strcmp(tok[1], "pin") == 0 && ntok <= 3)
		return cmd_pin(d, c, ntok == 3 ? tok[2] : NULL);
	if (strcmp(tok[1], "check") == 0 && ntok == 2)
		return cmd_check(d, c);
	if (strcmp(tok[1], "reload") == 0 && ntok == 2) {
		d->reload = 1;
		say(c, c->json ? "{\"ok\":true,\"reload\":\"requested\"}\n" : "ok: reload requested (see the audit log)\n");
		return finish(c);
	}
	if ((strcmp(tok[1], "launch") == 0 && (ntok == 3 || ntok == 4)) ||
	    (strcmp(tok[1], "scale") == 0 && ntok == 4)) {
		if (!vcn_name_valid(tok[2]) || (vo = vcnd_vo_index(d, tok[2])) < 0)
			return fail(c, "no VO '%s'", tok[2]);
		if (ntok == 4 && vcn_parse_uint(tok[3], strcmp(tok[1], "launch") == 0 ? 1 : 0, 100000, &n) < 0)
			return fail(c, "%s: '%s' is not a count", tok[1], tok[3]);
		if (strcmp(tok[1], "launch") == 0) {
			pthread_mutex_lock(&d->lock);
			n += vcnd_vo_count(d, vo, false);
			pthread_mutex_unlock(&d->lock);
		}
		return set_desired(d, c, vo, n);
	}
	if (strcmp(tok[1], "fairness") == 0 && ntok == 2)
		return cmd_fairness(d, c);
	if (strcmp(tok[1], "rebalance") == 0 || strcmp(tok[1], "drain") == 0 || strcmp(tok[1], "undrain") == 0 ||
	    strcmp(tok[1], "hosts") == 0)
		return cmd_cluster(d, c, tok + 1, ntok - 1);
	if (strcmp(tok[1], "destroy") == 0 && ntok == 3) {
		if (!vcn_name_valid(tok[2]))
			return fail(c, "'%s' is not a VCN name", tok[2]);
		return cmd_destroy(d, c, tok[2]);
	}
	fail(c, "unknown request '%s' or wrong arguments (see vcnctl(8))", tok[1]);
}

static void accept_on(struct vcnd *d, int lfd, bool readonly);

/* Accept one waiting client and handle its request. */
void vcnd_ctl_accept(struct vcnd *d)
{
	accept_on(d, d->listen_fd, false);
}

/* Accept one waiting client of the status socket (read verbs only). */
void vcnd_ctl_accept_status(struct vcnd *d)
{
	accept_on(d, d->status_fd, true);
}

static void accept_on(struct vcnd *d, int lfd, bool readonly)
{
	struct timeval tv = { .tv_sec = 2 };
	struct vcnd_client *c = NULL;
	char line[512];
	ssize_t n;
	size_t got = 0;
	unsigned i;
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (i = 0; i < VCND_MAX_CLIENTS; i++)
		if (d->clients[i].fd < 0) {
			c = &d->clients[i];
			break;
		}
	if (!c) {
		close(fd);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->readonly = readonly;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (got < sizeof(line) - 1 && (n = recv(fd, line + got, sizeof(line) - 1 - got, 0)) > 0) {
		got += (size_t)n;
		if (memchr(line, '\n', got))
			break;
	}
	line[got] = '\0';
	if (!memchr(line, '\n', got)) {
		fail(c, "request not terminated by a newline within 2 s");
		return;
	}
	dispatch(d, c, line);
}

static bool seen(struct vcnd_client *c, const char *key)
{
	unsigned i;

	for (i = 0; i < c->nseen; i++)
		if (strcmp(c->seen[i], key) == 0)
			return true;
	if (c->nseen < sizeof(c->seen) / sizeof(c->seen[0]))
		snprintf(c->seen[c->nseen++], sizeof(c->seen[0]), "%.50s", key);
	return false;
}

/* Tell waiting clients what changed; finish those whose VO converged. */
void vcnd_ctl_progress(struct vcnd *d)
{
	char key[VCND_NAME_MAX + 16];
	struct vcn_json j;
	unsigned i, ready, all, failed;
	size_t k;
	bool busy;
	int vo;

	for (i = 0; i < VCND_MAX_CLIENTS; i++) {
		struct vcnd_client *c = &d->clients[i];

		if (c->fd < 0 || !c->vo[0])
			continue;
		vo = vcnd_vo_index(d, c->vo);
		pthread_mutex_lock(&d->lock);
		busy = false;
		for (k = 0; k < d->nvcns; k++) {
			const struct vcnd_vcn *v = &d->vcns[k];

			if (strcmp(v->vo, c->vo) != 0)
				continue;
			busy |= v->state == VCND_LAUNCHING || v->state == VCND_BOOTING;
			snprintf(key, sizeof(key), "%.50s/%d", v->name, (int)v->state);
			if ((v->start_ns == 0 && v->state == VCND_READY) || seen(c, key))
				continue;
			if (c->json) {
				vcn_json_init(&j);
				vcn_json_item(&j, d, v);
				say_json(c, &j);
				vcn_json_free(&j);
			} else if (v->state == VCND_READY) {
				say(c, "%-16s ready on %s in %.2f s\n", v->name, d->hosts[v->host].name, v->ready_s);
			} else if (v->state == VCND_FAILED) {
				say(c, "%-16s failed: %s\n", v->name, v->error);
			} else {
				say(c, "%-16s %s on %s\n", v->name, vcnd_state_name(v->state), d->hosts[v->host].name);
			}
		}
		ready = vo >= 0 ? vcnd_vo_count(d, vo, true) : 0;
		all = vo >= 0 ? vcnd_vo_count(d, vo, false) : 0;
		failed = 0;
		for (k = 0; k < d->nvcns; k++)
			if (strcmp(d->vcns[k].vo, c->vo) == 0 && d->vcns[k].state == VCND_FAILED)
				failed++;
		pthread_mutex_unlock(&d->lock);
		if (!busy && failed) {
			/* nothing more will happen for this request for a while: say so now */
			fail(c, "VO %s: %u launch(es) failed (vcnd retries after 60 s); %u of %u ready", c->vo,
			     failed, ready, vo >= 0 ? d->desired[vo] : 0);
		} else if (vo >= 0 && !busy && ready == d->desired[vo] && all == ready) {
			if (c->json)
				say(c, "{\"ok\":true,\"vo\":\"%s\",\"ready\":%u,\"desired\":%u}\n", c->vo, ready,
				    d->desired[vo]);
			else
				say(c, "ok: VO %s has %u of %u VCNs ready\n", c->vo, ready, d->desired[vo]);
			finish(c);
		} else if (vcn_now_ns() > c->deadline_ns) {
			fail(c, "VO %s: %u of %u ready after 15 min; still converging", c->vo, ready,
			     vo >= 0 ? d->desired[vo] : 0);
		}
	}
}

/* Close the socket and every client. */
void vcnd_ctl_close(struct vcnd *d)
{
	unsigned i;

	for (i = 0; i < VCND_MAX_CLIENTS; i++)
		if (d->clients[i].fd >= 0)
			finish(&d->clients[i]);
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		unlink(d->socket_path);
	}
	d->listen_fd = -1;
	if (d->status_fd >= 0) {
		close(d->status_fd);
		unlink(status_bound);
	}
	d->status_fd = -1;
}
