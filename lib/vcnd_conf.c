/* vcnd.conf: libconfuse reads the syntax (gmond.conf's), we read the values.
 *
 * Every option is declared as a string, so libconfuse never guesses a number:
 * our strict parsers (parse.c) turn "12x" into an error, not 12. libconfuse
 * 3.3 keeps no line number per option, so each option carries a validation
 * callback that records the line the lexer is on when the value has just
 * been read; section lines come from a hidden empty sub-section that
 * libconfuse creates (with the parent's line) the moment a host/vo section
 * opens. Both are pinned by the unit tests' expected lines.
 *
 * libconfuse 3.3's lexer counts a line twice for every '#' or '//' comment
 * and once more after each C comment, so its line numbers drift below the
 * first comment. We blank the comments out (keeping every newline) before
 * libconfuse reads the text: comments carry nothing it needs. */
#include <config.h>

#include <confuse.h>
#include <ctype.h>
#include <grp.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"
#include "partition.h"
#include "vcnd_conf.h"

#define AT_SECTION "__vcn_at" /* hidden: records where its parent section opened */

static const char *const cpu_mode_names[VCN_VO_CPU_LAST] = {
	[VCN_VO_CPU_DEFAULT] = "default",
	[VCN_VO_CPU_HOST_PASSTHROUGH] = "host-passthrough",
	[VCN_VO_CPU_HOST_MODEL] = "host-model",
	[VCN_VO_CPU_CUSTOM] = "custom",
	[VCN_VO_CPU_MIGRATION_SAFE] = "migration-safe",
	[VCN_VO_CPU_MAXIMUM] = "maximum",
};

/* "default", "host-passthrough", ...; "?" when out of range. */
const char *vcn_vo_cpu_mode_name(enum vcn_vo_cpu_mode m)
{
	return (unsigned)m < VCN_VO_CPU_LAST ? cpu_mode_names[m] : "?";
}

/* Parse a cpu_mode name; 0 or -EINVAL. */
int vcn_vo_cpu_mode_parse(const char *s, enum vcn_vo_cpu_mode *out)
{
	unsigned i;

	for (i = 0; s && i < VCN_VO_CPU_LAST; i++) {
		if (strcmp(s, cpu_mode_names[i]) == 0) {
			*out = (enum vcn_vo_cpu_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

struct optline {
	const cfg_t *sec;
	const char *name; /* libconfuse's copy of the option name, lives as long as sec */
	unsigned line;
};

struct loadctx {
	const char *path;
	char dir[4096];   /* relative file names are relative to the conf's directory */
	struct optline *lines;
	size_t n, cap;
	int errors;
	bool oom;
};

/* libconfuse's callbacks have no user pointer: the load in progress on this
 * thread is here, and only while vcn_vcnd_conf_load runs. */
static __thread struct loadctx *cur;

static void conf_err(struct loadctx *c, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void conf_err(struct loadctx *c, unsigned line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		vcn_err("%s:%u: %s", c->path, line, msg);
	else
		vcn_err("%s: %s", c->path, msg);
	c->errors++;
}

static void confuse_err(cfg_t *cfg, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* libconfuse's syntax errors ("no such option", "unexpected token"), at
 * the line its lexer is on. */
static void confuse_err(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cur)
		conf_err(cur, cfg && cfg->line > 0 ? (unsigned)cfg->line : 0, "%s", msg);
}

static struct optline *find_line(struct loadctx *c, const cfg_t *sec, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->lines[i].sec == sec && strcmp(c->lines[i].name, name) == 0)
			return &c->lines[i];
	return NULL;
}

/* Validation callback on every option: remember its line; a scalar set twice
 * in one section is an error (libconfuse would silently keep the last). */
static int record_line(cfg_t *cfg, cfg_opt_t *opt)
{
	struct loadctx *c = cur;
	struct optline *l;

	if (!c)
		return 0;
	l = find_line(c, cfg, opt->name);
	if (l) {
		if (!(opt->flags & CFGF_LIST))
			conf_err(c, (unsigned)cfg->line, "%s: set twice (first at line %u)", opt->name, l->line);
		return 0;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 32;
		struct optline *nl = realloc(c->lines, cap * sizeof(*nl));

		if (!nl) {
			c->oom = true;
			return -1;
		}
		c->lines = nl;
		c->cap = cap;
	}
	c->lines[c->n++] = (struct optline){ cfg, opt->name, (unsigned)cfg->line };
	return 0;
}

/* The line of option @name in section @sec, or of the section when unset. */
static unsigned line_of(struct loadctx *c, cfg_t *sec, const char *name)
{
	struct optline *l = name ? find_line(c, sec, name) : NULL;
	cfg_t *at;

	if (l)
		return l->line;
	at = cfg_size(sec, AT_SECTION) ? cfg_getsec(sec, AT_SECTION) : NULL;
	return at && at->line > 0 ? (unsigned)at->line : 0;
}

static bool is_set(cfg_t *sec, const char *name)
{
	return cfg_size(sec, name) > 0 && cfg_getstr(sec, name) != NULL;
}

static char *dup_or_oom(struct loadctx *c, const char *s)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		c->oom = true;
	return d;
}

/* A string option: its value (or @def) copied; empty values are refused. */
static char *get_str(struct loadctx *c, cfg_t *sec, const char *name, const char *def)
{
	const char *v = is_set(sec, name) ? cfg_getstr(sec, name) : def;

	if (v && !*v) {
		conf_err(c, line_of(c, sec, name), "%s: empty value", name);
		return NULL;
	}
	return dup_or_oom(c, v);
}

static void get_uint(struct loadctx *c, cfg_t *sec, const char *name, unsigned min, unsigned max,
		     unsigned def, unsigned *out)
{
	const char *v = cfg_getstr(sec, name);
	int rc;

	*out = def;
	if (!is_set(sec, name))
		return;
	rc = vcn_parse_uint(v, min, max, out);
	if (rc < 0) {
		*out = def;
		conf_err(c, line_of(c, sec, name), "%s: '%s': %s (an integer from %u to %u)", name, v,
			 vcn_parse_strerror(rc), min, max);
	}
}

/* A path that must be absolute (the daemon does not depend on its cwd). */
static char *get_abs_path(struct loadctx *c, cfg_t *sec, const char *name, const char *def)
{
	char *p = get_str(c, sec, name, def);

	if (p && p[0] != '/') {
		conf_err(c, line_of(c, sec, name), "%s: '%s': must be an absolute path", name, p);
		free(p);
		return NULL;
	}
	return p;
}

/* A file to read: relative names are relative to the conf's directory; it
 * must be readable now (unless @optional_default and the default is absent). */
static char *get_file(struct loadctx *c, cfg_t *sec, const char *name, const char *def,
		      bool must_exist)
{
	const char *v = is_set(sec, name) ? cfg_getstr(sec, name) : def;
	char *full;
	size_t len;
	int e;

	if (!v)
		return NULL;
	if (!*v) {
		conf_err(c, line_of(c, sec, name), "%s: empty value", name);
		return NULL;
	}
	len = strlen(c->dir) + strlen(v) + 2;
	full = malloc(len);
	if (!full) {
		c->oom = true;
		return NULL;
	}
	if (v[0] == '/')
		snprintf(full, len, "%s", v);
	else
		snprintf(full, len, "%s/%s", c->dir, v);
	if (access(full, R_OK) != 0) {
		e = errno;
		if (!must_exist && !is_set(sec, name)) {
			free(full); /* an absent default file means "none" */
			return NULL;
		}
		conf_err(c, line_of(c, sec, name), "%s: '%s': cannot read: %s", name, full, strerror(e));
		free(full);
		return NULL;
	}
	return full;
}

/* libvirt connection URIs: "scheme://...", scheme [a-z][a-z0-9+.-]*. */
static bool uri_valid(const char *s)
{
	size_t i = 0;

	if (!islower((unsigned char)s[0]))
		return false;
	while (s[i] && (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || strchr("+.-", s[i])))
		i++;
	return s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/';
}

/* "+name" or "-name", name [a-z0-9_.-] as libvirt's feature names are. */
static bool feature_valid(const char *s)
{
	size_t i;

	if ((s[0] != '+' && s[0] != '-') || !s[1] || strlen(s) > 64)
		return false;
	for (i = 1; s[i]; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

/* Blank out comments as libconfuse's lexer finds them: '#' anywhere outside
 * quotes, and '//' or a C comment where a token starts; newlines stay.
 * Returns the line of the outermost '{' left open at the end (libconfuse
 * takes the end of the file as the end of the section), or 0. */
static unsigned blank_comments(char *s, size_t len)
{
	unsigned line = 1, open_line[64], depth = 0;
	bool token_start = true;
	size_t i = 0;
	char q;

	while (i < len) {
		char ch = s[i];

		if (ch == '"' || ch == '\'') {
			for (q = ch, i++; i < len && s[i] != q; i++) {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				if (s[i] == '\n')
					line++;
			}
			i++;
			token_start = true;
		} else if (ch == '#' || (token_start && ch == '/' && i + 1 < len && s[i + 1] == '/')) {
			while (i < len && s[i] != '\n')
				s[i++] = ' ';
		} else if (token_start && ch == '/' && i + 1 < len && s[i + 1] == '*') {
			s[i++] = ' ';
			s[i++] = ' ';
			while (i < len && !(s[i] == '*' && i + 1 < len && s[i + 1] == '/')) {
				if (s[i] != '\n')
					s[i] = ' ';
				else
					line++;
				i++;
			}
			if (i < len) {
				s[i++] = ' ';
				s[i++] = ' ';
			}
		} else {
			if (ch == '\n')
				line++;
			else if (ch == '{' && depth < 64)
				open_line[depth++] = line;
			else if (ch == '}' && depth > 0)
				depth--;
			token_start = strchr(" \t\r\n={}()+,", ch) != NULL;
			i++;
		}
	}
	return depth ? open_line[0] : 0;
}

/* The whole file, comments blanked, as a stream libconfuse can read. */
static FILE *open_blanked(const char *path, char **text, unsigned *unclosed)
{
	FILE *f = fopen(path, "re"), *m = NULL;
	size_t len = 0, n;
	char *buf;
	int e;

	*text = NULL;
	if (!f)
		return NULL;
	buf = malloc(1 << 20);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	while ((n = fread(buf + len, 1, (1 << 20) - len, f)) > 0)
		len += n;
	e = ferror(f) ? errno : len == (1 << 20) ? EFBIG : 0;
	fclose(f);
	if (!e) {
		*unclosed = blank_comments(buf, len);
		m = len ? fmemopen(buf, len, "r") : fopen("/dev/null", "re");
		e = m ? 0 : errno;
	}
	if (e) {
		free(buf);
		errno = e;
		return NULL;
	}
	*text = buf;
	return m;
}

/* globals for the web UI: the read-only status socket and its group (which
 * must exist), the events file and its cap, the views command. */
static void load_web(struct loadctx *c, cfg_t *g, struct vcn_vcnd_conf *conf)
{
	conf->status_socket = get_abs_path(c, g, "status_socket", NULL);
	conf->status_socket_group = get_str(c, g, "status_socket_group", NULL);
	if (conf->status_socket_group && !conf->status_socket)
		conf_err(c, line_of(c, g, "status_socket_group"), "status_socket_group: set without status_socket");
	else if (conf->status_socket_group && !getgrnam(conf->status_socket_group))
		conf_err(c, line_of(c, g, "status_socket_group"), "status_socket_group: '%s': no such group",
			 conf->status_socket_group);
	conf->web_events_file = get_abs_path(c, g, "web_events_file", NULL);
	get_uint(c, g, "web_events_max", 1, 100000, 500, &conf->web_events_max);
	conf->web_views_command = get_str(c, g, "web_views_command", NULL);
	if (conf->web_views_command && conf->web_views_command[0] != '/')
		conf_err(c, line_of(c, g, "web_views_command"),
			 "web_views_command: '%s': must start with an absolute path (it is run without a shell)",
			 conf->web_views_command);
}

static void load_globals(struct loadctx *c, cfg_t *g, struct vcn_vcnd_conf *conf)
{
	const char *v;
	uint64_t ms;
	int rc;

	conf->state_dir = get_abs_path(c, g, "state_dir", "/var/lib/vcn");
	conf->scratch_dir = get_abs_path(c, g, "scratch_dir", "/var/lib/vcn/scratch");
	conf->control_socket = get_abs_path(c, g, "control_socket", "/run/vcn/vcnd.sock");
	conf->audit_log = get_abs_path(c, g, "audit_log", "/var/log/vcn/audit.jsonl");
	conf->gmond_conf = get_file(c, g, "gmond_conf", "/etc/ganglia/gmond.conf", false);
	conf->partitions_file = get_file(c, g, "partitions_file", "partitions.conf", false);
	conf->line_partitions_file = is_set(g, "partitions_file") ? line_of(c, g, "partitions_file") : 0;
	conf->rules_file = get_file(c, g, "rules_file", "vcn-rules.conf", false);
	conf->line_rules_file = is_set(g, "rules_file") ? line_of(c, g, "rules_file") : 0;

	conf->interval_ms = 10000;
	if (is_set(g, "interval")) {
		v = cfg_getstr(g, "interval");
		rc = vcn_parse_duration_ms(v, &ms);
		if (rc == 0 && (ms < 1000 || ms > 3600000))
			rc = -ERANGE;
		if (rc < 0)
			conf_err(c, line_of(c, g, "interval"), "interval: '%s': %s (a duration from 1s to 1h, such as 10s)",
				 v, vcn_parse_strerror(rc));
		else
			conf->interval_ms = ms;
	}
	conf->fairness_target = 0.95;
	if (is_set(g, "fairness_target")) {
		v = cfg_getstr(g, "fairness_target");
		rc = vcn_parse_double(v, 0.0, 1.0, &conf->fairness_target);
		if (rc < 0)
			conf_err(c, line_of(c, g, "fairness_target"), "fairness_target: '%s': %s (a number from 0 to 1)",
				 v, vcn_parse_strerror(rc));
	}
	load_web(c, g, conf);
}

static void load_host(struct loadctx *c, cfg_t *h, struct vcn_conf_host *host)
{
	const char *title = cfg_title(h);

	host->line = line_of(c, h, NULL);
	host->name = dup_or_oom(c, title);
	if (!vcn_name_valid(title))
		conf_err(c, host->line, "host '%s': not a valid name (1-63 of A-Z a-z 0-9 . _ -)", title ? title : "");
	if (!is_set(h, "uri")) {
		conf_err(c, host->line, "host '%s': no uri", title ? title : "");
		return;
	}
	host->uri = get_str(c, h, "uri", NULL);
	if (host->uri && !uri_valid(host->uri))
		conf_err(c, line_of(c, h, "uri"), "uri: '%s': not a libvirt URI (such as qemu:///system)", host->uri);
}

static void load_autoscale(struct loadctx *c, cfg_t *s, struct vcn_conf_vo *vo);
static unsigned first_line_in(struct loadctx *c, const cfg_t *sec);

static void load_vo(struct loadctx *c, cfg_t *s, struct vcn_conf_vo *vo)
{
	const char *title = cfg_title(s), *v;
	unsigned i, n;
	int rc;

	vo->line = line_of(c, s, NULL);
	vo->name = dup_or_oom(c, title);
	if (!vcn_name_valid(title))
		conf_err(c, vo->line, "vo '%s': not a valid name (1-63 of A-Z a-z 0-9 . _ -)", title ? title : "");

	vo->image = get_file(c, s, "image", NULL, true);
	vo->kernel = get_file(c, s, "kernel", NULL, true);
	vo->initrd = get_file(c, s, "initrd", NULL, true);
	vo->cmdline = get_str(c, s, "cmdline", NULL);
	if (!is_set(s, "image") && !is_set(s, "kernel"))
		conf_err(c, vo->line, "vo '%s': neither image nor kernel: nothing to boot", vo->name);
	if (is_set(s, "initrd") && !is_set(s, "kernel"))
		conf_err(c, line_of(c, s, "initrd"), "initrd: only with kernel");
	if (is_set(s, "cmdline") && !is_set(s, "kernel"))
		conf_err(c, line_of(c, s, "cmdline"), "cmdline: only with kernel");

	get_uint(c, s, "vcpus", 1, 256, 1, &vo->vcpus);
	vo->memory = 128ULL << 20;
	if (is_set(s, "memory")) {
		uint64_t bytes;

		v = cfg_getstr(s, "memory");
		rc = vcn_parse_size(v, &bytes);
		if (rc == 0 && (bytes < (16ULL << 20) || bytes > (1ULL << 40)))
			rc = -ERANGE;
		if (rc < 0)
			conf_err(c, line_of(c, s, "memory"), "memory: '%s': %s (a size from 16M to 1T, such as 128M)", v,
				 vcn_parse_strerror(rc));
		else
			vo->memory = bytes;
	}

	vo->cpu_mode = VCN_VO_CPU_DEFAULT;
	if (is_set(s, "cpu_mode")) {
		v = cfg_getstr(s, "cpu_mode");
		if (vcn_vo_cpu_mode_parse(v, &vo->cpu_mode) < 0)
			conf_err(c, line_of(c, s, "cpu_mode"),
				 "cpu_mode: '%s': not one of default, host-passthrough, host-model, custom, migration-safe, maximum", v);
	}
	vo->cpu_model = get_str(c, s, "cpu_model", NULL);
	if (vo->cpu_mode == VCN_VO_CPU_CUSTOM && !vo->cpu_model)
		conf_err(c, vo->line, "vo '%s': cpu_mode custom needs cpu_model", vo->name);
	if (vo->cpu_model && vo->cpu_mode != VCN_VO_CPU_CUSTOM)
		conf_err(c, line_of(c, s, "cpu_model"), "cpu_model: only with cpu_mode custom");
	if (vo->cpu_model && !vcn_name_valid(vo->cpu_model))
		conf_err(c, line_of(c, s, "cpu_model"), "cpu_model: '%s': not a CPU model name", vo->cpu_model);
	n = cfg_size(s, "cpu_features");
	if (n && vo->cpu_mode != VCN_VO_CPU_CUSTOM && vo->cpu_mode != VCN_VO_CPU_HOST_MODEL)
		conf_err(c, line_of(c, s, "cpu_features"), "cpu_features: only with cpu_mode custom or host-model");
	if (n) {
		vo->cpu_features = calloc(n, sizeof(char *));
		if (!vo->cpu_features) {
			c->oom = true;
			return;
		}
	}
	for (i = 0; i < n; i++) {
		v = cfg_getnstr(s, "cpu_features", i);
		if (!v || !feature_valid(v))
			conf_err(c, line_of(c, s, "cpu_features"),
				 "cpu_features: '%s': not +name (require) or -name (disable)", v ? v : "");
		vo->cpu_features[vo->n_cpu_features++] = dup_or_oom(c, v);
	}

	vo->network = get_str(c, s, "network", "default");
	if (vo->network && !vcn_name_valid(vo->network))
		conf_err(c, line_of(c, s, "network"), "network: '%s': not a libvirt network name", vo->network);
	get_uint(c, s, "min", 0, 4096, 0, &vo->min);
	get_uint(c, s, "max", 0, 4096, 16, &vo->max);
	if (vo->min > vo->max)
		conf_err(c, line_of(c, s, is_set(s, "max") ? "max" : "min"), "vo '%s': min %u is above max %u",
			 vo->name, vo->min, vo->max);
	vo->partition = get_str(c, s, "partition", NULL);
	if (vo->partition && !vcn_partition_path_valid(vo->partition))
		conf_err(c, line_of(c, s, "partition"),
			 "partition: '%s': not a libvirt partition under /machine (such as /machine/vo-physics)",
			 vo->partition);
	/* libconfuse makes a default autoscale section for every vo (with the
	 * vo's line): one that was written has options recorded in it */
	if (cfg_size(s, "autoscale") && first_line_in(c, cfg_getsec(s, "autoscale")) > 0)
		load_autoscale(c, cfg_getsec(s, "autoscale"), vo);
}

/* --- cluster { } and vo { autoscale { } } (issue 5) ----------------------- */

static const char *const rebalance_mode_names[VCN_REBALANCE_LAST] = { "off", "advise", "auto" };
static const char *const load_source_names[VCN_LOAD_LAST] = { "libvirt", "ganglia", "vcpus" };

/* "off", "advise", "auto"; "?" when out of range. */
const char *vcn_rebalance_mode_name(enum vcn_rebalance_mode m)
{
	return (unsigned)m < VCN_REBALANCE_LAST ? rebalance_mode_names[m] : "?";
}

/* "libvirt", "ganglia", "vcpus"; "?" when out of range. */
const char *vcn_load_source_name(enum vcn_load_source s)
{
	return (unsigned)s < VCN_LOAD_LAST ? load_source_names[s] : "?";
}

static int name_index(const char *const *names, int n, const char *v)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], v) == 0)
			return i;
	return -1;
}

static void get_duration(struct loadctx *c, cfg_t *sec, const char *name, uint64_t min_ms, uint64_t max_ms,
			 uint64_t def, uint64_t *out)
{
	const char *v = cfg_getstr(sec, name);
	uint64_t ms;
	int rc;

	*out = def;
	if (!is_set(sec, name))
		return;
	rc = vcn_parse_duration_ms(v, &ms);
	if (rc == 0 && (ms < min_ms || ms > max_ms))
		rc = -ERANGE;
	if (rc < 0)
		conf_err(c, line_of(c, sec, name), "%s: '%s': %s (a duration from %llu ms to %llu s, such as 30s)",
			 name, v, vcn_parse_strerror(rc), (unsigned long long)min_ms,
			 (unsigned long long)(max_ms / 1000));
	else
		*out = ms;
}

static void get_double(struct loadctx *c, cfg_t *sec, const char *name, double min, double max, double def,
		       double *out)
{
	const char *v = cfg_getstr(sec, name);
	int rc;

	*out = def;
	if (!is_set(sec, name))
		return;
	rc = vcn_parse_double(v, min, max, out);
	if (rc < 0) {
		*out = def;
		conf_err(c, line_of(c, sec, name), "%s: '%s': %s (a number from %g to %g)", name, v,
			 vcn_parse_strerror(rc), min, max);
	}
}

static void get_bool(struct loadctx *c, cfg_t *sec, const char *name, bool def, bool *out)
{
	const char *v = cfg_getstr(sec, name);

	*out = def;
	if (is_set(sec, name) && vcn_parse_bool(v, out) < 0) {
		*out = def;
		conf_err(c, line_of(c, sec, name), "%s: '%s': not yes or no", name, v);
	}
}

/* A string list option (argv): every element non-empty. */
static char **get_argv(struct loadctx *c, cfg_t *sec, const char *name, size_t *n)
{
	unsigned k = cfg_size(sec, name);
	char **argv;

	*n = 0;
	if (k == 0)
		return NULL;
	argv = calloc(k + 1, sizeof(*argv));
	if (!argv) {
		c->oom = true;
		return NULL;
	}
	for (unsigned i = 0; i < k; i++) {
		const char *v = cfg_getnstr(sec, name, i);

		if (!v || !*v)
			conf_err(c, line_of(c, sec, name), "%s: element %u is empty", name, i + 1);
		argv[(*n)++] = dup_or_oom(c, v ? v : "");
	}
	return argv;
}

static void free_argv(char **argv, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
}

static void load_cluster(struct loadctx *c, cfg_t *s, struct vcn_vcnd_conf *conf)
{
	struct vcn_conf_cluster *cl = &conf->cluster;
	const char *v;
	int k;

	cl->line = first_line_in(c, s);
	cl->rebalance = VCN_REBALANCE_OFF;
	if (is_set(s, "rebalance")) {
		v = cfg_getstr(s, "rebalance");
		k = name_index(rebalance_mode_names, VCN_REBALANCE_LAST, v);
		if (k < 0)
			conf_err(c, line_of(c, s, "rebalance"), "rebalance: '%s': not off, advise or auto", v);
		else
			cl->rebalance = (enum vcn_rebalance_mode)k;
	}
	cl->load = VCN_LOAD_LIBVIRT;
	if (is_set(s, "load")) {
		v = cfg_getstr(s, "load");
		k = name_index(load_source_names, VCN_LOAD_LAST, v);
		if (k < 0)
			conf_err(c, line_of(c, s, "load"), "load: '%s': not libvirt, ganglia or vcpus", v);
		else
			cl->load = (enum vcn_load_source)k;
	}
	get_double(c, s, "threshold", 0.0, 10.0, 0.15, &cl->threshold);
	get_uint(c, s, "migrations_per_round", 1, 64, 2, &cl->migrations_per_round);
	get_duration(c, s, "rebalance_interval", 1000, 86400000, 30000, &cl->rebalance_interval_ms);
	get_duration(c, s, "hold", 0, 86400000, 300000, &cl->hold_ms);
	get_duration(c, s, "retry_after", 0, 86400000, 600000, &cl->retry_after_ms);
	get_double(c, s, "max_load", 0.0, 100.0, 1.0, &cl->max_load);
	get_bool(c, s, "anti_affinity", true, &cl->anti_affinity);
	get_double(c, s, "cost_mem", 0.0, 1000.0, 0.001, &cl->cost_mem);
	get_double(c, s, "cost_dirty", 0.0, 1000.0, 0.00002, &cl->cost_dirty);
	get_double(c, s, "cost_load", 0.0, 1000.0, 0.0002, &cl->cost_load);
	get_double(c, s, "min_gain", 0.0, 1000.0, 0.0002, &cl->min_gain);
	get_bool(c, s, "shared_storage", false, &cl->shared_storage);
	get_duration(c, s, "suspect_after", 1000, 3600000, 10000, &cl->suspect_after_ms);
	get_duration(c, s, "down_after", 1000, 86400000, 30000, &cl->down_after_ms);
	cl->fence = get_argv(c, s, "fence", &cl->n_fence);
	cl->gmetad = get_str(c, s, "gmetad", NULL);
	if (cl->gmetad) {
		const char *colon = strrchr(cl->gmetad, ':');
		unsigned port;

		if (!colon || colon == cl->gmetad || vcn_parse_uint(colon + 1, 1, 65535, &port) < 0)
			conf_err(c, line_of(c, s, "gmetad"), "gmetad: '%s': not ADDR:PORT (gmetad's xml_port)",
				 cl->gmetad);
	}
	cl->ganglia_cluster = get_str(c, s, "ganglia_cluster", NULL);
	cl->rrd_rootdir = get_abs_path(c, s, "rrd_rootdir", "/var/lib/ganglia/rrds");
	get_duration(c, s, "rrd_window", 15000, 86400000, 300000, &cl->rrd_window_ms);
	if (cl->load == VCN_LOAD_GANGLIA && !cl->ganglia_cluster)
		conf_err(c, line_of(c, s, "load"), "load ganglia needs ganglia_cluster (where the VCNs report)");
	if (cl->down_after_ms < cl->suspect_after_ms)
		conf_err(c, line_of(c, s, "down_after"), "down_after: shorter than suspect_after");
}

/* The first line an option of section @sec was read on, 0 if none was. */
static unsigned first_line_in(struct loadctx *c, const cfg_t *sec)
{
	unsigned best = 0;

	for (size_t i = 0; i < c->n; i++)
		if (c->lines[i].sec == sec && (best == 0 || c->lines[i].line < best))
			best = c->lines[i].line;
	return best;
}

static void load_autoscale(struct loadctx *c, cfg_t *s, struct vcn_conf_vo *vo)
{
	static const char *const sources[] = { "command", "file", "ganglia" }; /* enum vcn_demand_kind */
	struct vcn_conf_autoscale *a = &vo->autoscale;
	const char *v;
	int k;

	a->enabled = true;
	a->line = first_line_in(c, s);
	if (!is_set(s, "source")) {
		conf_err(c, a->line, "vo '%s': autoscale without source (command, file or ganglia)", vo->name);
		return;
	}
	v = cfg_getstr(s, "source");
	k = name_index(sources, 3, v);
	if (k < 0) {
		conf_err(c, line_of(c, s, "source"), "source: '%s': not command, file or ganglia", v);
		return;
	}
	a->source = k;
	a->command = get_argv(c, s, "command", &a->n_command);
	a->file = get_abs_path(c, s, "file", NULL);
	a->metric = get_str(c, s, "metric", NULL);
	a->metric_host = get_str(c, s, "metric_host", "vcnd");
	a->metric_cluster = get_str(c, s, "metric_cluster", NULL);
	if (k == 0 && a->n_command == 0)
		conf_err(c, line_of(c, s, "source"), "source command needs command = {\"prog\", \"arg\", ...}");
	if (k == 1 && !is_set(s, "file"))
		conf_err(c, line_of(c, s, "source"), "source file needs file = \"/path\"");
	if (k == 2 && !a->metric)
		conf_err(c, line_of(c, s, "source"), "source ganglia needs metric (and cluster.gmetad)");
	get_double(c, s, "jobs_per_vcn", 0.001, 1e6, 1.0, &a->jobs_per_vcn);
	get_uint(c, s, "step_up", 1, 4096, 2, &a->step_up);
	get_uint(c, s, "step_down", 1, 4096, 1, &a->step_down);
	get_duration(c, s, "cooldown", 0, 86400000, 30000, &a->cooldown_ms);
	get_double(c, s, "idle_threshold", 0.0, 1.0, 0.1, &a->idle_threshold);
	get_duration(c, s, "idle_period", 0, 86400000, 60000, &a->idle_period_ms);
	get_duration(c, s, "shutdown_timeout", 0, 3600000, 30000, &a->shutdown_timeout_ms);
	get_duration(c, s, "timeout", 100, 600000, 10000, &a->timeout_ms);
}

static void free_autoscale(struct vcn_conf_autoscale *a)
{
	free_argv(a->command, a->n_command);
	free(a->file);
	free(a->metric);
	free(a->metric_host);
	free(a->metric_cluster);
}

static void free_vo(struct vcn_conf_vo *vo)
{
	size_t i;

	free(vo->name);
	free(vo->image);
	free(vo->kernel);
	free(vo->initrd);
	free(vo->cmdline);
	free(vo->cpu_model);
	for (i = 0; i < vo->n_cpu_features; i++)
		free(vo->cpu_features[i]);
	free(vo->cpu_features);
	free(vo->network);
	free(vo->partition);
	free_autoscale(&vo->autoscale);
}

/* Release @c and everything it owns; NULL is a no-op. */
void vcn_vcnd_conf_free(struct vcn_vcnd_conf *c)
{
	size_t i;

	if (!c)
		return;
	free(c->path);
	free(c->state_dir);
	free(c->scratch_dir);
	free(c->control_socket);
	free(c->audit_log);
	free(c->partitions_file);
	free(c->rules_file);
	free(c->gmond_conf);
	free(c->status_socket);
	free(c->status_socket_group);
	free(c->web_events_file);
	free(c->web_views_command);
	for (i = 0; i < c->n_hosts; i++) {
		free(c->hosts[i].name);
		free(c->hosts[i].uri);
	}
	free(c->hosts);
	for (i = 0; i < c->n_vos; i++)
		free_vo(&c->vos[i]);
	free(c->vos);
	free_argv(c->cluster.fence, c->cluster.n_fence);
	free(c->cluster.gmetad);
	free(c->cluster.ganglia_cluster);
	free(c->cluster.rrd_rootdir);
	free(c);
}

static void set_validcb(cfg_opt_t *opts)
{
	for (; opts->name; opts++)
		if (opts->type != CFGT_SEC)
			opts->validcb = record_line;
}

/* The parsed tree into @conf, checking what libconfuse cannot. */
static void load_all(struct loadctx *c, cfg_t *cfg, struct vcn_vcnd_conf *conf)
{
	size_t i, j;

	load_globals(c, cfg_getsec(cfg, "globals"), conf);
	load_cluster(c, cfg_getsec(cfg, "cluster"), conf);

	conf->n_hosts = 0;
	i = cfg_size(cfg, "host");
	if (i == 0)
		conf_err(c, 0, "no host section (at least one host \"NAME\" { uri = \"qemu:///system\" })");
	conf->hosts = i ? calloc(i, sizeof(*conf->hosts)) : NULL;
	if (i && !conf->hosts) {
		c->oom = true;
		return;
	}
	for (; conf->n_hosts < i; conf->n_hosts++)
		load_host(c, cfg_getnsec(cfg, "host", (unsigned)conf->n_hosts), &conf->hosts[conf->n_hosts]);
	for (i = 0; i < conf->n_hosts; i++)
		for (j = 0; j < i; j++)
			if (conf->hosts[i].uri && conf->hosts[j].uri &&
			    strcmp(conf->hosts[i].uri, conf->hosts[j].uri) == 0)
				conf_err(c, conf->hosts[i].line, "host '%s': uri '%s' is also host '%s' (line %u)",
					 conf->hosts[i].name, conf->hosts[i].uri, conf->hosts[j].name,
					 conf->hosts[j].line);

	i = cfg_size(cfg, "vo");
	conf->vos = i ? calloc(i, sizeof(*conf->vos)) : NULL;
	if (i && !conf->vos) {
		c->oom = true;
		return;
	}
	for (; conf->n_vos < i; conf->n_vos++)
		load_vo(c, cfg_getnsec(cfg, "vo", (unsigned)conf->n_vos), &conf->vos[conf->n_vos]);
}

/**
 * vcn_vcnd_conf_load: read and check vcnd.conf.
 * @path: the file (relative file names inside it are relative to its directory)
 * @out: on success, a new configuration the caller frees with
 *     vcn_vcnd_conf_free(); untouched on failure
 *
 * Returns 0; -EINVAL after logging every problem as "PATH:LINE: message"
 * (syntax errors stop at the first, value errors are all reported); -errno
 * when the file cannot be opened; -ENOMEM.
 */
int vcn_vcnd_conf_load(const char *path, struct vcn_vcnd_conf **out)
{
	cfg_opt_t at_opts[] = { CFG_END() };
	cfg_opt_t globals_opts[] = {
		CFG_STR("state_dir", NULL, CFGF_NODEFAULT),
		CFG_STR("scratch_dir", NULL, CFGF_NODEFAULT),
		CFG_STR("control_socket", NULL, CFGF_NODEFAULT),
		CFG_STR("audit_log", NULL, CFGF_NODEFAULT),
		CFG_STR("interval", NULL, CFGF_NODEFAULT),
		CFG_STR("partitions_file", NULL, CFGF_NODEFAULT),
		CFG_STR("rules_file", NULL, CFGF_NODEFAULT),
		CFG_STR("gmond_conf", NULL, CFGF_NODEFAULT),
		CFG_STR("fairness_target", NULL, CFGF_NODEFAULT),
		CFG_STR("status_socket", NULL, CFGF_NODEFAULT),
		CFG_STR("status_socket_group", NULL, CFGF_NODEFAULT),
		CFG_STR("web_events_file", NULL, CFGF_NODEFAULT),
		CFG_STR("web_events_max", NULL, CFGF_NODEFAULT),
		CFG_STR("web_views_command", NULL, CFGF_NODEFAULT),
		CFG_END()
	};
	cfg_opt_t cluster_opts[] = {
		CFG_STR("rebalance", NULL, CFGF_NODEFAULT),
		CFG_STR("load", NULL, CFGF_NODEFAULT),
		CFG_STR("threshold", NULL, CFGF_NODEFAULT),
		CFG_STR("migrations_per_round", NULL, CFGF_NODEFAULT),
		CFG_STR("rebalance_interval", NULL, CFGF_NODEFAULT),
		CFG_STR("hold", NULL, CFGF_NODEFAULT),
		CFG_STR("retry_after", NULL, CFGF_NODEFAULT),
		CFG_STR("max_load", NULL, CFGF_NODEFAULT),
		CFG_STR("anti_affinity", NULL, CFGF_NODEFAULT),
		CFG_STR("cost_mem", NULL, CFGF_NODEFAULT),
		CFG_STR("cost_dirty", NULL, CFGF_NODEFAULT),
		CFG_STR("cost_load", NULL, CFGF_NODEFAULT),
		CFG_STR("min_gain", NULL, CFGF_NODEFAULT),
		CFG_STR("shared_storage", NULL, CFGF_NODEFAULT),
		CFG_STR("suspect_after", NULL, CFGF_NODEFAULT),
		CFG_STR("down_after", NULL, CFGF_NODEFAULT),
		CFG_STR_LIST("fence", NULL, CFGF_NODEFAULT),
		CFG_STR("gmetad", NULL, CFGF_NODEFAULT),
		CFG_STR("ganglia_cluster", NULL, CFGF_NODEFAULT),
		CFG_STR("rrd_rootdir", NULL, CFGF_NODEFAULT),
		CFG_STR("rrd_window", NULL, CFGF_NODEFAULT),
		CFG_SEC(AT_SECTION, at_opts, CFGF_NONE),
		CFG_END()
	};
	cfg_opt_t autoscale_opts[] = {
		CFG_STR("source", NULL, CFGF_NODEFAULT),
		CFG_STR_LIST("command", NULL, CFGF_NODEFAULT),
		CFG_STR("file", NULL, CFGF_NODEFAULT),
		CFG_STR("metric", NULL, CFGF_NODEFAULT),
		CFG_STR("metric_host", NULL, CFGF_NODEFAULT),
		CFG_STR("metric_cluster", NULL, CFGF_NODEFAULT),
		CFG_STR("jobs_per_vcn", NULL, CFGF_NODEFAULT),
		CFG_STR("step_up", NULL, CFGF_NODEFAULT),
		CFG_STR("step_down", NULL, CFGF_NODEFAULT),
		CFG_STR("cooldown", NULL, CFGF_NODEFAULT),
		CFG_STR("idle_threshold", NULL, CFGF_NODEFAULT),
		CFG_STR("idle_period", NULL, CFGF_NODEFAULT),
		CFG_STR("shutdown_timeout", NULL, CFGF_NODEFAULT),
		CFG_STR("timeout", NULL, CFGF_NODEFAULT),
		CFG_SEC(AT_SECTION, at_opts, CFGF_NONE),
		CFG_END()
	};
	cfg_opt_t host_opts[] = {
		CFG_STR("uri", NULL, CFGF_NODEFAULT),
		CFG_SEC(AT_SECTION, at_opts, CFGF_NONE),
		CFG_END()
	};
	cfg_opt_t vo_opts[] = {
		CFG_STR("image", NULL, CFGF_NODEFAULT),
		CFG_STR("kernel", NULL, CFGF_NODEFAULT),
		CFG_STR("initrd", NULL, CFGF_NODEFAULT),
		CFG_STR("cmdline", NULL, CFGF_NODEFAULT),
		CFG_STR("vcpus", NULL, CFGF_NODEFAULT),
		CFG_STR("memory", NULL, CFGF_NODEFAULT),
		CFG_STR("cpu_mode", NULL, CFGF_NODEFAULT),
		CFG_STR("cpu_model", NULL, CFGF_NODEFAULT),
		CFG_STR_LIST("cpu_features", NULL, CFGF_NODEFAULT),
		CFG_STR("network", NULL, CFGF_NODEFAULT),
		CFG_STR("min", NULL, CFGF_NODEFAULT),
		CFG_STR("max", NULL, CFGF_NODEFAULT),
		CFG_STR("partition", NULL, CFGF_NODEFAULT),
		CFG_SEC("autoscale", autoscale_opts, CFGF_NONE),
		CFG_SEC(AT_SECTION, at_opts, CFGF_NONE),
		CFG_END()
	};
	cfg_opt_t opts[] = {
		CFG_SEC("globals", globals_opts, CFGF_NONE),
		CFG_SEC("cluster", cluster_opts, CFGF_NONE),
		CFG_SEC("host", host_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_SEC("vo", vo_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_END()
	};
	struct loadctx ctx = { .path = path };
	struct vcn_vcnd_conf *conf = NULL;
	const char *slash;
	cfg_t *cfg = NULL;
	char *text = NULL;
	unsigned unclosed = 0;
	FILE *f = NULL;
	int rc, e;

	if (!path || !out)
		return -EINVAL;
	slash = strrchr(path, '/');
	if (!slash)
		snprintf(ctx.dir, sizeof(ctx.dir), ".");
	else if (slash == path)
		snprintf(ctx.dir, sizeof(ctx.dir), "/");
	else if ((size_t)(slash - path) >= sizeof(ctx.dir))
		return -ENAMETOOLONG;
	else
		snprintf(ctx.dir, sizeof(ctx.dir), "%.*s", (int)(slash - path), path);

	f = open_blanked(path, &text, &unclosed);
	if (!f) {
		e = errno;
		vcn_err("cannot open '%s': %s", path, strerror(e));
		return -e;
	}
	set_validcb(globals_opts);
	set_validcb(host_opts);
	set_validcb(vo_opts);
	set_validcb(cluster_opts);
	set_validcb(autoscale_opts);
	cur = &ctx;
	cfg = cfg_init(opts, CFGF_NONE);
	if (!cfg) {
		rc = -ENOMEM;
		goto cleanup;
	}
	cfg_set_error_function(cfg, confuse_err);
	rc = cfg_parse_fp(cfg, f);
	if (ctx.oom) {
		rc = -ENOMEM;
		goto cleanup;
	}
	if (rc == CFG_SUCCESS && unclosed) {
		conf_err(&ctx, unclosed, "'{' is never closed");
		rc = CFG_PARSE_ERROR;
	}
	if (rc != CFG_SUCCESS) {
		if (ctx.errors == 0)
			conf_err(&ctx, 0, "cannot parse");
		rc = -EINVAL;
		goto cleanup;
	}
	conf = calloc(1, sizeof(*conf));
	if (!conf || !(conf->path = strdup(path))) {
		rc = -ENOMEM;
		goto cleanup;
	}
	load_all(&ctx, cfg, conf);
	if (ctx.oom)
		rc = -ENOMEM;
	else if (ctx.errors)
		rc = -EINVAL;
	else
		rc = 0;

cleanup:
	cur = NULL;
	if (rc == 0) {
		*out = conf;
		conf = NULL;
	}
	vcn_vcnd_conf_free(conf);
	if (cfg)
		cfg_free(cfg);
	free(ctx.lines);
	fclose(f);
	free(text);
	return rc;
}

/* The VO named @name, or NULL. */
const struct vcn_conf_vo *vcn_vcnd_conf_vo(const struct vcn_vcnd_conf *c, const char *name)
{
	size_t i;

	for (i = 0; c && name && i < c->n_vos; i++)
		if (strcmp(c->vos[i].name, name) == 0)
			return &c->vos[i];
	return NULL;
}

/* The host named @name, or NULL. */
const struct vcn_conf_host *vcn_vcnd_conf_host(const struct vcn_vcnd_conf *c, const char *name)
{
	size_t i;

	for (i = 0; c && name && i < c->n_hosts; i++)
		if (strcmp(c->hosts[i].name, name) == 0)
			return &c->hosts[i];
	return NULL;
}
