/* One JSON object per line, each written with a single write(2) on an
 * O_APPEND descriptor, so concurrent writers never interleave within a line
 * and a crash loses at most the line being written. Never rewritten. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "json.h"
#include "log.h"

/* Open (create, mode 0640) @path for appending, with no hook (set one
 * after). Returns 0 or -errno. */
int vcn_audit_open(struct vcn_audit *a, const char *path)
{
	a->hook = NULL;
	a->hook_opaque = NULL;
	a->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (a->fd < 0) {
		int e = errno;

		vcn_err("cannot open audit log '%s': %s", path, strerror(e));
		return -e;
	}
	return 0;
}

/* Append {"ts":..., "action":..., "vcn":..., "host":..., "detail":...};
 * @vcn and @host may be NULL. Then the hook, if any, sees the same record
 * (whether or not the write worked). Returns 0 or -errno (logged). */
int vcn_audit_log(struct vcn_audit *a, const char *action, const char *vcn, const char *host,
		  const char *fmt, ...)
{
	struct vcn_json j;
	struct timespec ts;
	char detail[1024], when[40];
	struct tm tm;
	const char *line;
	char *copy = NULL;
	va_list ap;
	ssize_t n;
	int rc = 0;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%03ldZ", ts.tv_nsec / 1000000);
	vcn_json_init(&j);
	vcn_json_obj_begin(&j);
	vcn_json_kstr(&j, "ts", when);
	vcn_json_kstr(&j, "action", action);
	if (vcn)
		vcn_json_kstr(&j, "vcn", vcn);
	if (host)
		vcn_json_kstr(&j, "host", host);
	vcn_json_kstr(&j, "detail", detail);
	vcn_json_obj_end(&j);
	line = vcn_json_result(&j);
	if (!line || a->fd < 0) {
		rc = -ENOMEM;
		goto cleanup;
	}
	copy = malloc(j.len + 1);
	if (!copy) {
		rc = -ENOMEM;
		goto cleanup;
	}
	memcpy(copy, line, j.len);
	copy[j.len] = '\n';
	n = write(a->fd, copy, j.len + 1); /* one write: the line is atomic in the file */
	if (n != (ssize_t)(j.len + 1)) {
		rc = n < 0 ? -errno : -EIO;
		vcn_err("cannot write audit log: %s", strerror(-rc));
	}
	if (a->hook)
		a->hook(a->hook_opaque, ts.tv_sec, action, vcn, host, detail);
cleanup:
	free(copy);
	vcn_json_free(&j);
	return rc;
}

/* Close; safe to call twice. */
void vcn_audit_close(struct vcn_audit *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
}

/* The last @n lines of the audit log at @path, malloc'd in *@out (caller
 * frees). Reads at most the last 1 MiB. Returns 0 or -errno. */
int vcn_audit_tail(const char *path, unsigned n, char **out)
{
	struct stat st;
	off_t start;
	size_t len, i;
	unsigned lines = 0;
	char *buf = NULL;
	int fd, rc = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto cleanup;
	}
	start = st.st_size > (1 << 20) ? st.st_size - (1 << 20) : 0;
	len = (size_t)(st.st_size - start);
	buf = malloc(len + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto cleanup;
	}
	if (pread(fd, buf, len, start) != (ssize_t)len) {
		rc = -EIO;
		goto cleanup;
	}
	buf[len] = '\0';
	i = len;
	if (i && buf[i - 1] == '\n')
		i--;
	while (i > 0) {
		if (buf[i - 1] == '\n' && ++lines == n)
			break;
		i--;
	}
	*out = strdup(buf + i);
	if (!*out)
		rc = -ENOMEM;
cleanup:
	free(buf);
	close(fd);
	return rc;
}
