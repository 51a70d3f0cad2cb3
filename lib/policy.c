/* The VCN rules file: parsed whole into an immutable list of rules, then
 * resolved per VCN (first matching line wins, key by key). */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parse.h"
#include "policy.h"

#define LINE_MAX_LEN 1024
#define PATTERN_MAX 128

static const char *const key_names[VCN_KEY_LAST] = {
	[VCN_KEY_PARTITION] = "partition",
	[VCN_KEY_WEIGHT] = "weight",
	[VCN_KEY_CPU_CAP] = "cpu_cap",
	[VCN_KEY_DISK_READ_BPS] = "disk_read_bps",
	[VCN_KEY_DISK_WRITE_BPS] = "disk_write_bps",
	[VCN_KEY_DISK_READ_IOPS] = "disk_read_iops",
	[VCN_KEY_DISK_WRITE_IOPS] = "disk_write_iops",
	[VCN_KEY_NET_AVERAGE] = "net_average",
	[VCN_KEY_NET_PEAK] = "net_peak",
	[VCN_KEY_PIN] = "pin",
};

static const char *const pin_names[VCN_PIN_LAST] = {
	[VCN_PIN_NONE] = "none",
	[VCN_PIN_SPREAD] = "spread",
	[VCN_PIN_PACK] = "pack",
	[VCN_PIN_DEDICATED] = "dedicated",
};

/* "partition", "weight", ...; "?" when out of range. */
const char *vcn_policy_key_name(enum vcn_policy_key k)
{
	return (unsigned)k < VCN_KEY_LAST ? key_names[k] : "?";
}

/* "none", "spread", "pack", "dedicated"; "?" when out of range. */
const char *vcn_pin_name(enum vcn_pin p)
{
	return (unsigned)p < VCN_PIN_LAST ? pin_names[p] : "?";
}

enum pattern_kind { PAT_ALL, PAT_VO, PAT_GLOB };

struct rule {
	unsigned line;
	enum pattern_kind kind;
	char pattern[PATTERN_MAX]; /* as written */
	unsigned set;              /* bit per vcn_policy_key */
	uint64_t v[VCN_KEY_LAST];  /* numbers; 0 = none; pin as its enum */
	int weight_auto;
	char partition[VCN_PARTITION_NAME_MAX + 1];
};

struct vcn_policy {
	char *path;
	struct rule *rules;
	size_t n;
};

struct loader {
	const char *path;
	unsigned line;
	int errors;
};

static void perr(struct loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void perr(struct loader *l, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vcn_err("%s:%u: %s", l->path, l->line, msg);
	l->errors++;
}

/* A glob of VCN-name characters and * ? [set] [!set] [a-z]; every '['
 * closed, no '/' (fnmatch reports no errors, so we check first). */
static bool glob_valid(const char *g)
{
	size_t i;

	for (i = 0; g[i]; i++) {
		if (g[i] == '[') {
			i++;
			if (g[i] == '!' || g[i] == '^')
				i++;
			if (g[i] == ']')
				i++;
			while (g[i] && g[i] != ']') {
				if (!isalnum((unsigned char)g[i]) && !strchr("._-", g[i]))
					return false;
				i++;
			}
			if (!g[i])
				return false;
		} else if (!isalnum((unsigned char)g[i]) && !strchr("._-*?", g[i])) {
			return false;
		}
	}
	return i > 0;
}

static bool parse_pattern(struct loader *l, const char *s, struct rule *r)
{
	if (strlen(s) >= sizeof(r->pattern)) {
		perr(l, "pattern longer than %zu characters", sizeof(r->pattern) - 1);
		return false;
	}
	snprintf(r->pattern, sizeof(r->pattern), "%s", s);
	if (strcmp(s, "*") == 0) {
		r->kind = PAT_ALL;
		return true;
	}
	if (strncmp(s, "vo:", 3) == 0) {
		r->kind = PAT_VO;
		if (!vcn_name_valid(s + 3)) {
			perr(l, "pattern '%s': '%s' is not a VO name", s, s + 3);
			return false;
		}
		return true;
	}
	if (strchr(s, ':')) {
		perr(l, "pattern '%s': unknown kind (vo:NAME, a glob on the VCN name, or *)", s);
		return false;
	}
	r->kind = PAT_GLOB;
	if (!glob_valid(s)) {
		perr(l, "pattern '%s': not a glob on VCN names (A-Z a-z 0-9 . _ - with * ? [...])", s);
		return false;
	}
	return true;
}

/* "none" (0), or a number/size through @parse-like rules per key. */
static int parse_value(enum vcn_policy_key k, const char *v, struct rule *r, const char **why)
{
	uint64_t u;
	unsigned i;
	int rc;

	if (k == VCN_KEY_PARTITION) {
		*why = "a libvirt partition such as /machine/vo-physics";
		if (v[0] != '/' || !vcn_partition_path_valid(v))
			return -EINVAL;
		snprintf(r->partition, sizeof(r->partition), "%s", v);
		return 0;
	}
	if (k == VCN_KEY_WEIGHT) {
		*why = "auto or an integer from 2 to 262144";
		if (strcmp(v, "auto") == 0) {
			r->weight_auto = 1;
			return 0;
		}
		return vcn_parse_u64(v, 2, 262144, &r->v[k]);
	}
	if (k == VCN_KEY_PIN) {
		*why = "none, spread, pack or dedicated";
		for (i = 0; i < VCN_PIN_LAST; i++) {
			if (strcmp(v, pin_names[i]) == 0) {
				r->v[k] = i;
				return 0;
			}
		}
		return -EINVAL;
	}
	switch (k) {
	case VCN_KEY_CPU_CAP:
		*why = "none or a percentage of one CPU from 1 to 100000";
		break;
	case VCN_KEY_DISK_READ_BPS:
	case VCN_KEY_DISK_WRITE_BPS:
		*why = "none or bytes per second from 1, such as 64M";
		break;
	case VCN_KEY_DISK_READ_IOPS:
	case VCN_KEY_DISK_WRITE_IOPS:
		*why = "none or requests per second from 1 to 1000000000";
		break;
	default:
		*why = "none or KiB/s from 1 to 4294967295";
		break;
	}
	if (strcmp(v, "none") == 0) {
		r->v[k] = 0;
		return 0;
	}
	switch (k) {
	case VCN_KEY_CPU_CAP:
		return vcn_parse_u64(v, 1, 100000, &r->v[k]);
	case VCN_KEY_DISK_READ_BPS:
	case VCN_KEY_DISK_WRITE_BPS:
		rc = vcn_parse_size(v, &u);
		if (rc == 0 && u == 0)
			rc = -ERANGE;
		if (rc == 0)
			r->v[k] = u;
		return rc;
	case VCN_KEY_DISK_READ_IOPS:
	case VCN_KEY_DISK_WRITE_IOPS:
		return vcn_parse_u64(v, 1, 1000000000, &r->v[k]);
	default:
		return vcn_parse_u64(v, 1, UINT32_MAX, &r->v[k]);
	}
}

static void parse_setting(struct loader *l, char *tok, struct rule *r)
{
	char *eq = strchr(tok, '=');
	const char *why = "";
	unsigned k;
	int rc;

	if (!eq || eq == tok) {
		perr(l, "'%s': not key=value", tok);
		return;
	}
	*eq = '\0';
	for (k = 0; k < VCN_KEY_LAST; k++)
		if (strcmp(tok, key_names[k]) == 0)
			break;
	if (k == VCN_KEY_LAST) {
		perr(l, "%s: unknown key (partition, weight, cpu_cap, disk_read_bps, disk_write_bps, "
			"disk_read_iops, disk_write_iops, net_average, net_peak, pin)", tok);
		return;
	}
	if (r->set & (1u << k)) {
		perr(l, "%s: set twice on one line", tok);
		return;
	}
	if (!eq[1]) {
		perr(l, "%s: empty value", tok);
		return;
	}
	rc = parse_value((enum vcn_policy_key)k, eq + 1, r, &why);
	if (rc < 0) {
		perr(l, "%s: '%s': %s (%s)", tok, eq + 1, vcn_parse_strerror(rc), why);
		return;
	}
	r->set |= 1u << k;
}

/* One line (comment stripped) into @r; false when it holds no rule. */
static bool parse_line(struct loader *l, char *s, struct rule *r)
{
	char *tok, *save = NULL;
	int before = l->errors;

	memset(r, 0, sizeof(*r));
	r->line = l->line;
	tok = strtok_r(s, " \t\r", &save);
	if (!tok)
		return false;
	parse_pattern(l, tok, r);
	while ((tok = strtok_r(NULL, " \t\r", &save)) != NULL)
		parse_setting(l, tok, r);
	if (l->errors == before && r->set == 0)
		perr(l, "pattern '%s': no settings", r->pattern);
	if ((r->set & (1u << VCN_KEY_NET_AVERAGE)) && (r->set & (1u << VCN_KEY_NET_PEAK)) &&
	    r->v[VCN_KEY_NET_PEAK] && r->v[VCN_KEY_NET_PEAK] < r->v[VCN_KEY_NET_AVERAGE])
		perr(l, "net_peak %" PRIu64 " is below net_average %" PRIu64, r->v[VCN_KEY_NET_PEAK],
		     r->v[VCN_KEY_NET_AVERAGE]);
	return true;
}

/* Release @p; NULL is a no-op. */
void vcn_policy_free(struct vcn_policy *p)
{
	if (!p)
		return;
	free(p->path);
	free(p->rules);
	free(p);
}

/**
 * vcn_policy_load: read and check a rules file (vcn-rules.conf(5)).
 * @out: on success a new immutable policy (vcn_policy_free()); untouched on
 *     any error, so a running daemon keeps its policy
 * Returns 0; -EINVAL after logging every bad line as "PATH:LINE: message";
 * -errno when the file cannot be read; -ENOMEM.
 */
int vcn_policy_load(const char *path, struct vcn_policy **out)
{
	struct loader l = { .path = path };
	struct vcn_policy *p = NULL;
	char buf[LINE_MAX_LEN + 2], *hash;
	size_t cap = 0, i, len;
	bool skipping = false;
	FILE *f;
	int rc = 0, e;

	f = fopen(path, "re");
	if (!f) {
		e = errno;
		vcn_err("cannot open '%s': %s", path, strerror(e));
		return -e;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->path = strdup(path))) {
		rc = -ENOMEM;
		goto cleanup;
	}
	while (fgets(buf, sizeof(buf), f)) {
		len = strlen(buf);
		if (skipping) { /* the rest of an overlong line */
			skipping = len > 0 && buf[len - 1] != '\n';
			continue;
		}
		l.line++;
		if (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		else if (len > LINE_MAX_LEN) {
			perr(&l, "line longer than %d characters", LINE_MAX_LEN);
			skipping = true;
			continue;
		}
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		if (p->n == cap) {
			struct rule *nr;

			cap = cap ? 2 * cap : 16;
			nr = realloc(p->rules, cap * sizeof(*nr));
			if (!nr) {
				rc = -ENOMEM;
				goto cleanup;
			}
			p->rules = nr;
		}
		if (!parse_line(&l, buf, &p->rules[p->n]))
			continue;
		for (i = 0; i < p->n; i++) {
			if (strcmp(p->rules[i].pattern, p->rules[p->n].pattern) == 0) {
				perr(&l, "pattern '%s': already used at line %u (one line per pattern)",
				     p->rules[p->n].pattern, p->rules[i].line);
				break;
			}
		}
		p->n++;
	}
	if (ferror(f)) {
		e = errno;
		vcn_err("cannot read '%s': %s", path, strerror(e));
		rc = -e;
		goto cleanup;
	}
	rc = l.errors ? -EINVAL : 0;

cleanup:
	fclose(f);
	if (rc == 0) {
		*out = p;
		p = NULL;
	}
	vcn_policy_free(p);
	return rc;
}

/* Number of rules (lines with a pattern). */
size_t vcn_policy_rules(const struct vcn_policy *p)
{
	return p ? p->n : 0;
}

/* The file @p was loaded from. */
const char *vcn_policy_path(const struct vcn_policy *p)
{
	return p ? p->path : NULL;
}

static bool matches(const struct rule *r, const char *vcn, const char *vo)
{
	switch (r->kind) {
	case PAT_ALL:
		return true;
	case PAT_VO:
		return vo && strcmp(r->pattern + 3, vo) == 0;
	case PAT_GLOB:
		return fnmatch(r->pattern, vcn, 0) == 0;
	}
	return false;
}

/**
 * vcn_policy_resolve: the limits for VCN @vcn of VO @vo with @vcpus vCPUs.
 * @p: may be NULL (no rules file): defaults only
 * @vo: may be NULL (vo: rules then never match)
 * Each key comes from the first matching rule that sets it, else its
 * default; weight=auto gives 1024 cpu_shares per vCPU (capped at 262144).
 * Returns 0, or -EINVAL for an invalid name or zero vCPUs (logged).
 */
int vcn_policy_resolve(const struct vcn_policy *p, const char *vcn, const char *vo, unsigned vcpus,
		       struct vcn_policy_limits *out)
{
	unsigned done = 0, k;
	size_t i;

	if (!vcn_name_valid(vcn) || (vo && !vcn_name_valid(vo)) || vcpus == 0) {
		vcn_err("policy: cannot resolve VCN '%s' (VO '%s', %u vCPUs): invalid", vcn ? vcn : "",
			vo ? vo : "", vcpus);
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->weight_auto = 1;
	out->pin = VCN_PIN_NONE;
	for (i = 0; p && i < p->n; i++) {
		const struct rule *r = &p->rules[i];

		if (!matches(r, vcn, vo))
			continue;
		for (k = 0; k < VCN_KEY_LAST; k++) {
			if (!(r->set & (1u << k)) || (done & (1u << k)))
				continue;
			done |= 1u << k;
			out->line[k] = r->line;
			switch ((enum vcn_policy_key)k) {
			case VCN_KEY_PARTITION:
				snprintf(out->partition, sizeof(out->partition), "%s", r->partition);
				break;
			case VCN_KEY_WEIGHT:
				out->weight_auto = r->weight_auto;
				out->cpu_shares = r->v[k];
				break;
			case VCN_KEY_CPU_CAP:
				out->cpu_cap_pct = r->v[k];
				break;
			case VCN_KEY_DISK_READ_BPS:
				out->disk_read_bps = r->v[k];
				break;
			case VCN_KEY_DISK_WRITE_BPS:
				out->disk_write_bps = r->v[k];
				break;
			case VCN_KEY_DISK_READ_IOPS:
				out->disk_read_iops = r->v[k];
				break;
			case VCN_KEY_DISK_WRITE_IOPS:
				out->disk_write_iops = r->v[k];
				break;
			case VCN_KEY_NET_AVERAGE:
				out->net_average_kbps = r->v[k];
				break;
			case VCN_KEY_NET_PEAK:
				out->net_peak_kbps = r->v[k];
				break;
			case VCN_KEY_PIN:
				out->pin = (enum vcn_pin)r->v[k];
				break;
			case VCN_KEY_LAST:
				break;
			}
		}
	}
	if (out->weight_auto)
		out->cpu_shares = vcpus >= 256 ? 262144 : 1024ULL * vcpus;
	return 0;
}

/**
 * vcn_policy_check_partitions: every partition= in @p must be a group of
 * @ps (or /machine itself). Logs "RULES:LINE: ..." for each that is not.
 * Returns 0 or -EINVAL.
 */
int vcn_policy_check_partitions(const struct vcn_policy *p, const struct vcn_partitions *ps)
{
	int bad = 0;
	size_t i;

	for (i = 0; p && i < p->n; i++) {
		const struct rule *r = &p->rules[i];

		if (!(r->set & (1u << VCN_KEY_PARTITION)) || strcmp(r->partition, "/machine") == 0 ||
		    vcn_partitions_find(ps, r->partition))
			continue;
		vcn_err("%s:%u: partition '%s' is not a group in %s", p->path, r->line, r->partition,
			ps && ps->path ? ps->path : "the partitions file (none loaded)");
		bad++;
	}
	return bad ? -EINVAL : 0;
}

/**
 * vcn_policy_limits_format: @l as "key=value (origin)" lines, for vcnctl, the
 * audit log and golden tests. Returns a malloc'd string, NULL when out of memory.
 */
char *vcn_policy_limits_format(const struct vcn_policy_limits *l)
{
	char *buf = NULL;
	size_t len = 0;
	unsigned k;
	FILE *f = open_memstream(&buf, &len);
	const uint64_t nums[VCN_KEY_LAST] = {
		[VCN_KEY_CPU_CAP] = l->cpu_cap_pct,
		[VCN_KEY_DISK_READ_BPS] = l->disk_read_bps,
		[VCN_KEY_DISK_WRITE_BPS] = l->disk_write_bps,
		[VCN_KEY_DISK_READ_IOPS] = l->disk_read_iops,
		[VCN_KEY_DISK_WRITE_IOPS] = l->disk_write_iops,
		[VCN_KEY_NET_AVERAGE] = l->net_average_kbps,
		[VCN_KEY_NET_PEAK] = l->net_peak_kbps,
	};

	if (!f)
		return NULL;
	for (k = 0; k < VCN_KEY_LAST; k++) {
		fprintf(f, "%s=", key_names[k]);
		switch ((enum vcn_policy_key)k) {
		case VCN_KEY_PARTITION:
			fprintf(f, "%s", l->partition[0] ? l->partition : "(the VO's)");
			break;
		case VCN_KEY_WEIGHT:
			fprintf(f, "%" PRIu64 "%s", l->cpu_shares, l->weight_auto ? " (auto)" : "");
			break;
		case VCN_KEY_PIN:
			fprintf(f, "%s", vcn_pin_name(l->pin));
			break;
		default:
			if (nums[k])
				fprintf(f, "%" PRIu64, nums[k]);
			else
				fprintf(f, "none");
			break;
		}
		if (l->line[k])
			fprintf(f, " (line %u)\n", l->line[k]);
		else
			fprintf(f, " (default)\n");
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
