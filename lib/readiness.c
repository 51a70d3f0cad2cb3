/* Reading a growing console file incrementally: only new bytes are read on
 * each call, so polling a booting guest every 100 ms costs next to nothing.
 * The match is literal and anchored at a line start: "VCN-READY NAME " (a
 * guest printing another VCN's name, or a prefix of ours, does not count). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "readiness.h"

/* Start a scan from the beginning of the console. */
void vcn_ready_scan_init(struct vcn_ready_scan *s)
{
	memset(s, 0, sizeof(*s));
}

static bool check_line(struct vcn_ready_scan *s, const char *line, size_t len, const char *name)
{
	char want[96];
	int n = snprintf(want, sizeof(want), "VCN-READY %s ", name);

	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	if (n < 0 || (size_t)n >= sizeof(want) || len < (size_t)n || memcmp(line, want, (size_t)n) != 0)
		return false;
	if (len >= sizeof(s->line))
		len = sizeof(s->line) - 1;
	memcpy(s->line, line, len);
	s->line[len] = '\0';
	s->ready = true;
	return true;
}

/* Look at what @console gained since the last call. Returns 1 once the
 * readiness line of @name has been seen (s->line holds it), 0 not yet,
 * -errno when the file cannot be read (-ENOENT: not created yet). */
int vcn_ready_scan(struct vcn_ready_scan *s, const char *console, const char *name)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if (s->ready)
		return 1;
	fd = open(console, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = pread(fd, buf, sizeof(buf), s->offset)) > 0) {
		size_t i, start = 0;

		s->offset += n;
		for (i = 0; i < (size_t)n; i++) {
			size_t tl = strlen(s->tail), seg = i + 1 - start;

			if (buf[i] != '\n')
				continue;
			if (s->skipping) {
				s->skipping = false;
			} else if (tl) {
				/* join the carried-over start of this line */
				char line[sizeof(s->tail) * 2];
				size_t take = seg < sizeof(line) - tl ? seg : sizeof(line) - tl - 1;

				memcpy(line, s->tail, tl);
				memcpy(line + tl, buf + start, take);
				s->tail[0] = '\0';
				if (check_line(s, line, tl + take, name))
					goto done;
			} else if (check_line(s, buf + start, seg, name)) {
				goto done;
			}
			start = i + 1;
		}
		if (start < (size_t)n && !s->skipping) {
			size_t tl = strlen(s->tail), rest = (size_t)n - start;

			if (tl + rest < sizeof(s->tail)) {
				memcpy(s->tail + tl, buf + start, rest);
				s->tail[tl + rest] = '\0';
			} else {
				s->tail[0] = '\0'; /* a line too long to be ours */
				s->skipping = true;
			}
		}
	}
done:
	close(fd);
	return s->ready ? 1 : 0;
}
