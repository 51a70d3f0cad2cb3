/* vcnctl: talk to vcnd over its control socket. One request per call; the
 * daemon's answer (progress lines, then a result) is printed as it comes.
 * Exit status: 0 ok, 1 the daemon said error, 2 usage, 3 vcnd unreachable. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "parse.h"

static void usage(FILE *f)
{
	fputs("usage: vcnctl [-s SOCKET] [--json] COMMAND [ARGS]\n"
	      "commands:\n"
	      "  status               hosts and VOs (desired, running, ready)\n"
	      "  list                 every VCN: VO, host, state, launch-to-ready\n"
	      "  launch VO [N]        start N more VCNs of VO (default 1), with progress\n"
	      "  scale VO N           keep N VCNs of VO, with progress\n"
	      "  destroy VCN          destroy one VCN (its overlay goes too)\n"
	      "  pin [HOST]           vCPU and emulator pins per host, with each CPU's load\n"
	      "  check                validate vcnd.conf, partitions and rules on disk (no swap)\n"
	      "  reload               re-read vcnd.conf; a bad file keeps the running one\n"
	      "  audit [N]            the last N audit log entries (JSON lines)\n"
	      "  fairness             per host: Jain per resource, contenders; per VCN usage,\n"
	      "                       entitlement, limits in force, network mechanism\n"
	      "  rebalance [--dry-run] plan a rebalancing round (load deviation before and\n"
	      "                       expected after) and start its migrations\n"
	      "  drain HOST           move every VCN off HOST; new VCNs avoid it\n"
	      "  undrain HOST         HOST takes VCNs again\n"
	      "  hosts                per host: health, drain, capacity, VCNs, migrations\n", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *sock = "/run/vcn/vcnd.sock";
	char req[512], buf[4096], cur[4096], last[4096] = "";
	size_t used = 0, curlen = 0;
	bool json = false, dry_run = false;
	ssize_t n;
	int c, i, fd;

	while ((c = getopt_long(argc, argv, "js:hn", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 's': sock = optarg; break;
		case 'n': dry_run = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	used = (size_t)snprintf(req, sizeof(req), "%s", json ? "json" : "text");
	for (i = optind; i < argc; i++) {
		/* names only: no spaces, nothing the daemon could misread */
		if (!vcn_name_valid(argv[i])) {
			fprintf(stderr, "vcnctl: '%s' is not a valid word (letters, digits, '.', '_', '-')\n", argv[i]);
			return 2;
		}
		used += (size_t)snprintf(req + used, sizeof(req) - used, " %s", argv[i]);
		if (used >= sizeof(req) - 2) {
			fprintf(stderr, "vcnctl: request too long\n");
			return 2;
		}
	}
	if (dry_run)
		used += (size_t)snprintf(req + used, sizeof(req) - used, " dry-run");
	req[used++] = '\n';
	if (strlen(sock) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vcnctl: socket path too long\n");
		return 2;
	}
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "vcnctl: cannot reach vcnd at '%s': %s\n", sock, strerror(errno));
		return 3;
	}
	if (write(fd, req, used) != (ssize_t)used) {
		fprintf(stderr, "vcnctl: cannot send the request: %s\n", strerror(errno));
		return 3;
	}
	/* print as it arrives; remember the last line to decide the exit status */
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				cur[curlen] = '\0';
				memcpy(last, cur, curlen + 1);
				curlen = 0;
			} else if (curlen < sizeof(cur) - 1) {
				cur[curlen++] = buf[i];
			}
		}
	}
	close(fd);
	if (strncmp(last, "error:", 6) == 0 || strstr(last, "\"ok\":false"))
		return 1;
	return 0;
}
