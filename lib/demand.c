/* Demand sources. The command runs through posix_spawnp (vcnd has
 * threads: no fork of a threaded process), with stdin from /dev/null and
 * stderr discarded; a non-zero exit or a timeout is an error, never 0
 * demand, so a broken squeue does not scale a VO down. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "demand.h"
#include "log.h"
#include "parse.h"

extern char **environ;

const char *const vcn_demand_kind_names[VCN_DEMAND_LAST] = { "command", "file", "ganglia" };

int vcn_demand_kind_parse(const char *s, enum vcn_demand_kind *out)
{
	for (int k = 0; k < VCN_DEMAND_LAST; k++)
		if (strcmp(s, vcn_demand_kind_names[k]) == 0) {
			*out = (enum vcn_demand_kind)k;
			return 0;
		}
	return -EINVAL;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run @argv (argv[0] looked up in PATH, no shell) and count the non-empty
 * lines it prints, within @timeout_ms (then it is killed). Returns 0 with
 * the count in *@out; -ENOENT (cannot run), -EIO (non-zero exit or killed),
 * -ETIMEDOUT, -errno; logged. */
int vcn_demand_command(char *const argv[], unsigned timeout_ms, double *out)
{
	posix_spawn_file_actions_t fa;
	int pfd[2] = { -1, -1 }, rc, status = 0;
	int64_t deadline = mono_ms() + timeout_ms;
	unsigned long lines = 0;
	bool in_line = false, fa_init = false;
	pid_t pid = -1;

	if (!argv || !argv[0]) {
		vcn_err("demand command: empty argv");
		return -EINVAL;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		rc = -errno;
		vcn_err("demand command '%s': pipe: %s", argv[0], strerror(-rc));
		return rc;
	}
	rc = posix_spawn_file_actions_init(&fa);
	if (rc != 0) {
		rc = -rc;
		goto cleanup;
	}
	fa_init = true;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	if (rc != 0) {
		pid = -1;
		vcn_err("demand command '%s': cannot run: %s", argv[0], strerror(rc));
		rc = -rc;
		goto cleanup;
	}
	close(pfd[1]);
	pfd[1] = -1;
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int64_t left = deadline - mono_ms();
		char buf[4096];
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			vcn_err("demand command '%s': no answer within %u ms: killed", argv[0], timeout_ms);
			kill(pid, SIGKILL);
			rc = -ETIMEDOUT;
			goto cleanup;
		}
		n = read(pfd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				lines += in_line;
				in_line = false;
			} else if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r') {
				in_line = true;
			}
		}
	}
	lines += in_line;
	rc = 0;
cleanup:
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
				rc = -ENOENT;
			else
				rc = -EIO;
			vcn_err("demand command '%s': %s %d", argv[0], WIFEXITED(status) ? "exit status" : "signal",
				WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		}
	}
	if (fa_init)
		posix_spawn_file_actions_destroy(&fa);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (rc == 0)
		*out = (double)lines;
	return rc;
}

/* The number in @path (one number, blanks and a newline allowed).
 * Returns 0; -errno (cannot read), -EINVAL (not a number); logged. */
int vcn_demand_file(const char *path, double *out)
{
	char buf[128];
	ssize_t n;
	int fd, rc;
	size_t a = 0, b;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		vcn_err("demand file '%s': %s", path, strerror(-rc));
		return rc;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	rc = n < 0 ? -errno : 0;
	close(fd);
	if (rc < 0) {
		vcn_err("demand file '%s': %s", path, strerror(-rc));
		return rc;
	}
	buf[n] = '\0';
	while (buf[a] == ' ' || buf[a] == '\t' || buf[a] == '\n')
		a++;
	b = strlen(buf);
	while (b > a && (buf[b - 1] == ' ' || buf[b - 1] == '\t' || buf[b - 1] == '\n' || buf[b - 1] == '\r'))
		buf[--b] = '\0';
	rc = vcn_parse_double(buf + a, 0, 1e9, out);
	if (rc < 0)
		vcn_err("demand file '%s': '%s' is not a demand: %s", path, buf + a, vcn_parse_strerror(rc));
	return rc;
}

/* @metric of @host in @cluster of gmetad's view @g. Returns 0; -ENOENT,
 * -ESTALE (unknown: not 0), -EINVAL; logged. */
int vcn_demand_ganglia(const struct vcn_gmetad *g, const char *cluster, const char *host, const char *metric,
		       double *out)
{
	int rc = vcn_gmetad_value(g, cluster, host, metric, out);

	if (rc == -ESTALE)
		vcn_err("demand metric '%s' of '%s/%s': stale", metric, cluster ? cluster : "*", host);
	else if (rc < 0)
		vcn_err("demand metric '%s' of '%s/%s': %s", metric, cluster ? cluster : "*", host,
			rc == -ENOENT ? "not in gmetad's XML" : "not a number");
	else if (!(*out >= 0) || !isfinite(*out)) {
		vcn_err("demand metric '%s' of '%s/%s': %g is not a demand", metric, cluster ? cluster : "*", host,
			*out);
		rc = -EINVAL;
	}
	return rc;
}
