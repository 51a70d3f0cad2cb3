/* ganglia-web's JSON events driver keeps every overlay event in one file, a
 * JSON array of objects {event_id, start_time, end_time, summary,
 * description, grid, cluster, host_regex}, read whole for every graph. vcnd
 * appends to it: the file is rewritten into a temporary file beside it and
 * renamed over it, so a reader never sees half a file; the oldest events are
 * dropped beyond a cap, so graphs stay cheap. No fsync: the hook runs in
 * vcnd's loop (sometimes under its lock) and the file is an overlay, not a
 * record (the audit log is). Events written by others (the
 * events API of ganglia-web) are kept as they are: elements are split, not
 * parsed. A file that is not a JSON array (or the empty object "{}" that
 * Debian ships) is left alone (-EINVAL). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "webevents.h"

#define MAX_FILE (16u << 20)

/* Audit actions that become events: what changes what runs where, and the
 * loss and return of hosts. */
static const char *const wanted[] = {
	"launch", "launch-failed", "destroy", "migrate", "migrate-failed", "drain", "undrain",
	"scale", "autoscale", "rebalance", "reload", "host-down", "host-up", "relaunch",
	"duplicate-resolved", NULL,
};

/* Is audit action @action one that becomes an overlay event? */
bool vcn_webevents_wanted(const char *action)
{
	size_t i;

	for (i = 0; action && wanted[i]; i++)
		if (strcmp(action, wanted[i]) == 0)
			return true;
	return false;
}

/* Write events to @path (NULL: disabled, every append is a no-op), keeping
 * at most @max_events (0: the default). Returns 0 or -ENOMEM. */
int vcn_webevents_init(struct vcn_webevents *w, const char *path, size_t max_events)
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	w->max_events = max_events ? max_events : VCN_WEBEVENTS_MAX_DEFAULT;
	if (path && *path) {
		w->path = strdup(path);
		if (!w->path)
			return -ENOMEM;
	}
	return 0;
}

/* Release what init took; NULL-safe. */
void vcn_webevents_free(struct vcn_webevents *w)
{
	if (!w)
		return;
	free(w->path);
	w->path = NULL;
	pthread_mutex_destroy(&w->lock);
}

/* Change the file and cap (after a reload), safe against concurrent
 * appends. @path NULL or "": disabled. Returns 0 or -ENOMEM (then disabled). */
int vcn_webevents_set(struct vcn_webevents *w, const char *path, size_t max_events)
{
	int rc = 0;

	pthread_mutex_lock(&w->lock);
	free(w->path);
	w->path = NULL;
	w->max_events = max_events ? max_events : VCN_WEBEVENTS_MAX_DEFAULT;
	if (path && *path) {
		w->path = strdup(path);
		if (!w->path)
			rc = -ENOMEM;
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

static size_t skip_ws(const char *s, size_t i, size_t len)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

static int push_span(size_t **starts, size_t **ends, size_t *n, size_t *cap, size_t a, size_t b)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		size_t *s = realloc(*starts, c * sizeof(**starts));

		if (!s)
			return -ENOMEM;
		*starts = s;
		s = realloc(*ends, c * sizeof(**ends));
		if (!s)
			return -ENOMEM;
		*ends = s;
		*cap = c;
	}
	(*starts)[*n] = a;
	(*ends)[*n] = b;
	(*n)++;
	return 0;
}

/* Split the JSON array @text (@len bytes; empty or blank counts as []) into
 * its top-level elements: [starts[i], ends[i]) spans, malloc'd (caller
 * frees both). Values are delimited, not validated. Returns 0, -EINVAL when
 * @text is not an array, or -ENOMEM. */
int vcn_webevents_split(const char *text, size_t len, size_t **starts, size_t **ends, size_t *n)
{
	size_t i, cap = 0, a;
	int depth, rc = 0;
	bool str, esc;

	*starts = *ends = NULL;
	*n = 0;
	i = skip_ws(text, 0, len);
	if (i == len)
		return 0;
	/* "{}": what Debian's ganglia-webfrontend ships; ganglia-web reads it as no events */
	if (text[i] == '{') {
		i = skip_ws(text, i + 1, len);
		return i < len && text[i] == '}' && skip_ws(text, i + 1, len) == len ? 0 : -EINVAL;
	}
	if (text[i++] != '[')
		return -EINVAL;
	i = skip_ws(text, i, len);
	if (i < len && text[i] == ']')
		goto tail;
	for (;;) {
		i = skip_ws(text, i, len);
		a = i;
		depth = 0;
		str = esc = false;
		for (; i < len; i++) {
			char ch = text[i];

			if (str) {
				if (esc)
					esc = false;
				else if (ch == '\\')
					esc = true;
				else if (ch == '"')
					str = false;
				continue;
			}
			if (ch == '"')
				str = true;
			else if (ch == '{' || ch == '[')
				depth++;
			else if (ch == '}' || ch == ']') {
				if (depth == 0)
					break;
				depth--;
			} else if (ch == ',' && depth == 0)
				break;
		}
		if (i == len || str || depth != 0) {
			rc = -EINVAL;
			goto cleanup;
		}
		{
			size_t b = i;

			while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\n' || text[b - 1] == '\t' ||
					 text[b - 1] == '\r'))
				b--;
			if (b == a) {
				rc = -EINVAL; /* "[,]" or "[1,]" */
				goto cleanup;
			}
			rc = push_span(starts, ends, n, &cap, a, b);
			if (rc < 0)
				goto cleanup;
		}
		if (text[i] == ']')
			break;
		i++; /* the comma */
	}
tail:
	i = skip_ws(text, i + 1, len);
	if (i != len)
		rc = -EINVAL;
cleanup:
	if (rc < 0) {
		free(*starts);
		free(*ends);
		*starts = *ends = NULL;
		*n = 0;
	}
	return rc;
}

/* @name as a PCRE fragment matching itself: everything but [A-Za-z0-9_-] is
 * backslash-escaped (ganglia-web wraps host_regex in "/.../"). */
static void regex_quote(char *out, size_t size, const char *name)
{
	size_t o = 0;

	for (; *name && o + 3 < size; name++) {
		char ch = *name;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
		      ch == '-'))
			out[o++] = '\\';
		out[o++] = ch;
	}
	out[o] = '\0';
}

/* Which graphs show the event: ganglia-web matches host_regex against the
 * whole rrdtool command, whose RRD paths hold ".../CLUSTER/HOST/METRIC.rrd":
 * "\/(VCN|HOST)\/" picks the graphs of that VCN and that hypervisor (and
 * the aggregate graphs that include them); an event about neither (a
 * reload, a scale) shows on every graph. */
static void host_regex(char *out, size_t size, const char *vcn, const char *host)
{
	char a[200] = "", b[200] = "";

	if (vcn)
		regex_quote(a, sizeof(a), vcn);
	if (host)
		regex_quote(b, sizeof(b), host);
	if (!a[0] && !b[0])
		snprintf(out, size, ".");
	else if (a[0] && b[0])
		snprintf(out, size, "\\/(%s|%s)\\/", a, b);
	else
		snprintf(out, size, "\\/%s\\/", a[0] ? a : b);
}

static int read_all(const char *path, char **out, size_t *len, struct stat *st)
{
	char *buf = NULL;
	ssize_t r;
	size_t got = 0;
	int fd, rc = 0;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 1 : -errno;
	if (fstat(fd, st) < 0) {
		rc = -errno;
		goto cleanup;
	}
	if (st->st_size > (off_t)MAX_FILE) {
		rc = -EFBIG;
		goto cleanup;
	}
	buf = malloc((size_t)st->st_size + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto cleanup;
	}
	while ((r = read(fd, buf + got, (size_t)st->st_size - got)) > 0)
		got += (size_t)r;
	if (r < 0) {
		rc = -errno;
		goto cleanup;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
cleanup:
	free(buf);
	close(fd);
	return rc;
}

static int write_all(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Append the event "@action [@vcn] [on @host]" at @when (epoch seconds),
 * @detail as its description, to the events file, dropping the oldest
 * events beyond the cap. The file keeps its owner and mode (ganglia-web's
 * PHP user may write it too). No-op when disabled. Returns 0 or -errno
 * (logged; the file is then unchanged). */
int vcn_webevents_append(struct vcn_webevents *w, time_t when, const char *action, const char *vcn,
			 const char *host, const char *detail)
{
	struct vcn_json ev;
	struct stat st = { .st_mode = 0644, .st_uid = (uid_t)-1, .st_gid = (gid_t)-1 };
	char *text = NULL, *tmp = NULL, id[96], summary[256], re[512];
	size_t len = 0, n = 0, *starts = NULL, *ends = NULL, first, i;
	int fd = -1, rc;

	if (!w->path)
		return 0;
	pthread_mutex_lock(&w->lock);
	vcn_json_init(&ev);
	rc = read_all(w->path, &text, &len, &st);
	if (rc < 0) {
		vcn_err("events file '%s': cannot read: %s", w->path, strerror(-rc));
		goto cleanup;
	}
	rc = vcn_webevents_split(text ? text : "", len, &starts, &ends, &n);
	if (rc < 0) {
		vcn_err("events file '%s' is not a JSON array: event '%s' not added", w->path, action);
		goto cleanup;
	}
	snprintf(id, sizeof(id), "vcn-%lld-%ld-%lu", (long long)when, (long)getpid(), ++w->seq);
	snprintf(summary, sizeof(summary), "%s%s%s%s%s", action, vcn ? " " : "", vcn ? vcn : "",
		 host ? " on " : "", host ? host : "");
	host_regex(re, sizeof(re), vcn, host);
	vcn_json_obj_begin(&ev);
	vcn_json_kstr(&ev, "event_id", id);
	vcn_json_kint(&ev, "start_time", (long long)when);
	vcn_json_kstr(&ev, "summary", summary);
	vcn_json_kstr(&ev, "description", detail ? detail : "");
	vcn_json_kstr(&ev, "grid", "*");
	vcn_json_kstr(&ev, "cluster", "*");
	vcn_json_kstr(&ev, "host_regex", re);
	vcn_json_kstr(&ev, "source", "vcnd");
	vcn_json_obj_end(&ev);
	if (!vcn_json_result(&ev)) {
		rc = -ENOMEM;
		goto cleanup;
	}
	len = strlen(w->path) + 16;
	tmp = malloc(len);
	if (!tmp) {
		rc = -ENOMEM;
		goto cleanup;
	}
	snprintf(tmp, len, "%s.tmpXXXXXX", w->path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		vcn_err("events file '%s': cannot create '%s': %s", w->path, tmp, strerror(-rc));
		free(tmp);
		tmp = NULL;
		goto cleanup;
	}
	first = n + 1 > w->max_events ? n + 1 - w->max_events : 0;
	rc = write_all(fd, "[\n", 2);
	for (i = first; i < n && rc == 0; i++) {
		rc = write_all(fd, text + starts[i], ends[i] - starts[i]);
		if (rc == 0)
			rc = write_all(fd, ",\n", 2);
	}
	if (rc == 0)
		rc = write_all(fd, vcn_json_result(&ev), ev.len);
	if (rc == 0)
		rc = write_all(fd, "\n]\n", 3);
	if (rc == 0 && fchmod(fd, st.st_mode & 07777) < 0)
		rc = -errno;
	if (rc == 0 && st.st_uid != (uid_t)-1 && fchown(fd, st.st_uid, st.st_gid) < 0 && errno != EPERM)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	fd = -1;
	if (rc == 0 && rename(tmp, w->path) < 0)
		rc = -errno;
	if (rc < 0)
		vcn_err("events file '%s': cannot write: %s", w->path, strerror(-rc));
cleanup:
	if (fd >= 0)
		close(fd);
	if (tmp && rc < 0)
		unlink(tmp);
	free(tmp);
	free(text);
	free(starts);
	free(ends);
	vcn_json_free(&ev);
	pthread_mutex_unlock(&w->lock);
	return rc;
}
