/* vcn-domxml: print the domain XML of a VCN, for the test harness and the
 * demo, which launch guests before (and beside) vcnd. A thin adapter over
 * lib/domxml.c: every check lives there. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domxml.h"
#include "log.h"
#include "parse.h"

static void usage(FILE *f)
{
	fputs("usage: vcn-domxml --name NAME --type kvm|qemu|test [--vcpus N] [--memory-mib M]\n"
	      "                  [--kernel P [--initrd P] [--cmdline S]] [--disk P] [--disk-cache MODE]\n"
	      "                  [--network NET] [--mac MAC] [--console P] [--uuid U]\n"
	      "                  [--partition /machine/X] [--vo VO] [--created EPOCH]\n"
	      "                  [--hostname H] [--address IPV4]\n", f);
}

/* Parse an unsigned option value or exit with "--opt: 'value': why". */
static unsigned opt_uint(const char *opt, const char *v, unsigned min, unsigned max)
{
	unsigned out;
	int rc = vcn_parse_uint(v, min, max, &out);

	if (rc < 0) {
		fprintf(stderr, "vcn-domxml: --%s: '%s': %s (%u-%u)\n", opt, v, vcn_parse_strerror(rc), min, max);
		exit(2);
	}
	return out;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "type", required_argument, NULL, 't' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "memory-mib", required_argument, NULL, 'm' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'a' },
		{ "disk", required_argument, NULL, 'd' },
		{ "disk-cache", required_argument, NULL, 'D' },
		{ "network", required_argument, NULL, 'N' },
		{ "mac", required_argument, NULL, 'M' },
		{ "console", required_argument, NULL, 'C' },
		{ "uuid", required_argument, NULL, 'u' },
		{ "partition", required_argument, NULL, 'p' },
		{ "vo", required_argument, NULL, 'v' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "address", required_argument, NULL, 'A' },
		{ "created", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vcn_domspec spec = { .type = VCN_VIRT_LAST, .vcpus = 1, .memory_mib = 128 };
	uint64_t created;
	char *xml = NULL;
	int c, rc;

	vcn_log_set(vcn_log_stderr, "vcn-domxml", VCN_LOG_WARN);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': spec.name = optarg; break;
		case 't':
			if (vcn_virt_type_parse(optarg, &spec.type) < 0) {
				fprintf(stderr, "vcn-domxml: --type: '%s': expected kvm, qemu or test\n", optarg);
				return 2;
			}
			break;
		case 'c': spec.vcpus = opt_uint("vcpus", optarg, 1, 4096); break;
		case 'm': spec.memory_mib = opt_uint("memory-mib", optarg, 16, 1U << 30); break;
		case 'k': spec.kernel = optarg; break;
		case 'i': spec.initrd = optarg; break;
		case 'a': spec.cmdline = optarg; break;
		case 'd': spec.disk = optarg; break;
		case 'D': spec.disk_cache = optarg; break;
		case 'N': spec.network = optarg; break;
		case 'M': spec.mac = optarg; break;
		case 'C': spec.console = optarg; break;
		case 'u': spec.uuid = optarg; break;
		case 'p': spec.partition = optarg; break;
		case 'v': spec.vo = optarg; break;
		case 'H': spec.hostname = optarg; break;
		case 'A': spec.address = optarg; break;
		case 'T':
			if (vcn_parse_u64(optarg, 0, INT64_MAX, &created) < 0) {
				fprintf(stderr, "vcn-domxml: --created: '%s': not a number of seconds\n", optarg);
				return 2;
			}
			spec.created = (time_t)created;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || !spec.name || spec.type == VCN_VIRT_LAST) {
		usage(stderr);
		return 2;
	}
	rc = vcn_domxml_build(&spec, &xml);
	if (rc < 0)
		return 1;
	fputs(xml, stdout);
	free(xml);
	return 0;
}
