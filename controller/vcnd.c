/* vcnd: the VCN controller daemon. One thread runs the loop below (control
 * socket, reconcile tick, readiness polling); launches run in their own
 * threads; libvirt's event loop runs in one more, for keepalive. Only
 * main() exits; everything else returns errors. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "collector.h"
#include "log.h"
#include "vcnd.h"

static struct vcnd daemon_state;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		daemon_state.reload = 1;
	else
		daemon_state.stop = 1;
}

static void to_syslog(enum vcn_log_level level, const char *msg, void *opaque)
{
	static const int prio[VCN_LOG_LAST] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	(void)opaque;
	syslog((unsigned)level < VCN_LOG_LAST ? prio[level] : LOG_INFO, "%s", msg);
}

/* Where the daemon logs, and a per-thread capture of errors and warnings
 * (vcnctl check reports the loaders' file:line messages to its client
 * while they still go to the log; launch threads are not captured). */
static vcn_log_fn log_sink;
static __thread char *capture_buf;
static __thread size_t capture_size, capture_len;

static void daemon_log(enum vcn_log_level level, const char *msg, void *opaque)
{
	int n;

	if (capture_buf && level <= VCN_LOG_WARN && capture_len + 1 < capture_size) {
		n = snprintf(capture_buf + capture_len, capture_size - capture_len, "%s\n", msg);
		if (n > 0)
			capture_len += (size_t)n < capture_size - capture_len ? (size_t)n : capture_size - capture_len - 1;
	}
	log_sink(level, msg, opaque);
}

/* Copy this thread's errors and warnings into @buf (NUL-terminated) until
 * vcnd_log_capture(NULL, 0). */
void vcnd_log_capture(char *buf, size_t size)
{
	capture_buf = size ? buf : NULL;
	capture_size = size;
	capture_len = 0;
	if (capture_buf)
		capture_buf[0] = '\0';
}

static void quiet_libvirt(void *opaque, virErrorPtr err)
{
	(void)opaque;
	(void)err;
}

static void *event_loop(void *arg)
{
	(void)arg;
	for (;;)
		virEventRunDefaultImpl();
	return NULL;
}

static void usage(FILE *f)
{
	fputs("usage: vcnd [-n] [-f] [-d] [-c FILE]\n"
	      "  -c FILE  configuration (default " SYSCONFDIR "/vcn/vcnd.conf)\n"
	      "  -n       check the configuration and policies, then exit (0 valid, 1 not)\n"
	      "  -f       stay in the foreground, log to stderr\n"
	      "  -d       debug messages\n", f);
}

static int mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = path[i];
	}
	return 0;
}

static int prepare_dirs(struct vcnd *d)
{
	char sockdir[PATH_MAX], *slash;
	int rc;

	snprintf(sockdir, sizeof(sockdir), "%s", d->socket_path);
	slash = strrchr(sockdir, '/');
	if (slash && slash != sockdir)
		*slash = '\0';
	if ((rc = mkdirs(d->state_dir, 0750)) < 0 || (rc = mkdirs(d->scratch_dir, 0755)) < 0 ||
	    (rc = mkdirs(sockdir, 0755)) < 0) {
		vcn_err("cannot create vcnd's directories: %s", strerror(-rc));
		return rc;
	}
	/* qemu (libvirt-qemu) must reach overlays and consoles */
	chmod(d->scratch_dir, 0755);
	return 0;
}

static void reload(struct vcnd *d)
{
	int rc;

	d->reload = 0;
	rc = vcnd_settings_load(d, d->conf_path);
	if (rc < 0) {
		vcn_err("reload of '%s' refused; the running configuration stays", d->conf_path);
		vcn_audit_log(&d->audit, "reload-refused", NULL, NULL, "%s is not valid; kept the running one",
			      d->conf_path);
		return;
	}
	vcnd_desired_load(d);
	vcnd_partitions_create(d);
	vcnd_fair_reload(d);
	vcnd_web_reload(d);
	vcn_info("reloaded '%s'", d->conf_path);
	vcn_audit_log(&d->audit, "reload", NULL, NULL, "%s", d->conf_path);
}

static int run(struct vcnd *d)
{
	struct pollfd pfd[3];
	uint64_t next_tick = 0, now, buf;
	pthread_t ev;

	virEventRegisterDefaultImpl();
	virSetErrorFunc(NULL, quiet_libvirt);
	if (pthread_create(&ev, NULL, event_loop, NULL) == 0)
		pthread_detach(ev);
	if (prepare_dirs(d) < 0 || vcn_audit_open(&d->audit, d->audit_path) < 0)
		return 1;
	vcnd_web_start(d);
	d->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->wake_fd < 0 || vcnd_ctl_listen(d) < 0)
		return 1;
	vcnd_desired_load(d);
	vcn_audit_log(&d->audit, "start", NULL, NULL, "vcnd %s, %u hosts, %u VOs", PACKAGE_VERSION, d->nhosts, d->nvos);
	/* adopt before acting: what runs is what exists */
	vcnd_hosts_connect(d);
	vcnd_partitions_create(d);
	vcnd_adopt(d);
	vcnd_poll_ready(d);
	if (vcnd_fair_start(d) < 0)
		return 1;
	while (!d->stop) {
		now = vcn_now_ns();
		if (d->reload)
			reload(d);
		if (now >= next_tick) {
			vcnd_hosts_connect(d);
			vcnd_hostwatch_tick(d); /* before adoption: relaunches, duplicates */
			vcnd_partitions_create(d); /* no-op unless changed or a host came (back) */
			vcnd_adopt(d);
			vcnd_autoscale_tick(d);
			vcnd_reconcile(d);
			vcnd_fair_tick(d);
			vcnd_web_tick(d);
			vcnd_rebalance_tick(d);
			next_tick = now + d->interval_ms * 1000000u;
		}
		vcnd_poll_ready(d);
		vcnd_ctl_progress(d);
		pfd[0] = (struct pollfd){ .fd = d->listen_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = d->wake_fd, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = d->status_fd, .events = POLLIN }; /* -1: ignored */
		/* 100 ms: readiness lines are seen within a tenth of a second */
		if (poll(pfd, 3, 100) > 0) {
			if (pfd[1].revents & POLLIN) {
				if (read(d->wake_fd, &buf, sizeof(buf)) < 0)
					vcn_debug("wake read: %s", strerror(errno));
				vcnd_reconcile(d); /* a launch finished: maybe start the next */
			}
			if (pfd[0].revents & POLLIN)
				vcnd_ctl_accept(d);
			if (pfd[2].revents & POLLIN)
				vcnd_ctl_accept_status(d);
		}
	}
	vcn_audit_log(&d->audit, "stop", NULL, NULL, "signal");
	vcnd_ctl_close(d);
	vcnd_fair_stop(d);
	vcn_audit_close(&d->audit);
	vcnd_web_stop(d);
	vcnd_cluster_free(d);
	vcnd_settings_free(d);
	return 0;
}

int main(int argc, char **argv)
{
	struct vcnd *d = &daemon_state;
	const char *conf = SYSCONFDIR "/vcn/vcnd.conf";
	bool check = false, foreground = false, debug = false;
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned i;
	int c;

	while ((c = getopt(argc, argv, "c:nfdh")) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'n': check = true; break;
		case 'f': foreground = true; break;
		case 'd': debug = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (check || foreground) {
		log_sink = vcn_log_stderr;
		vcn_log_set(daemon_log, "vcnd", debug ? VCN_LOG_DEBUG : VCN_LOG_INFO);
	} else {
		openlog("vcnd", LOG_PID, LOG_DAEMON);
		log_sink = to_syslog;
		vcn_log_set(daemon_log, NULL, debug ? VCN_LOG_DEBUG : VCN_LOG_INFO);
	}
	memset(d, 0, sizeof(*d));
	d->listen_fd = d->wake_fd = d->status_fd = -1;
	d->audit.fd = -1;
	for (i = 0; i < VCND_MAX_CLIENTS; i++)
		d->clients[i].fd = -1;
	pthread_mutex_init(&d->lock, NULL);
	if (check) {
		char summary[PATH_MAX * 3 + 128];

		if (vcnd_settings_check(conf, summary, sizeof(summary)) < 0) {
			fprintf(stderr, "vcnd: %s: not valid (see above)\n", conf);
			return 1;
		}
		printf("%s\n", summary);
		return 0;
	}
	if (vcnd_settings_load(d, conf) < 0) {
		fprintf(stderr, "vcnd: %s: not valid (see above)\n", conf);
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!foreground && daemon(0, 0) < 0) {
		perror("vcnd: daemon");
		return 1;
	}
	return run(d);
}
