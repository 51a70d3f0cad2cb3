/* VO partitions: a strict reader for the cgconfig.conf subset vcn uses, the
 * v1 -> v2 key mapping libcgroup 2.0.2 does not do, and the creation of the
 * groups (libcgroup in production, a directory tree in tests). */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libcgroup.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"
#include "partition.h"

static const char *const ctl_names[VCN_CG_CTL_LAST] = {
	[VCN_CG_CPU] = "cpu",
	[VCN_CG_BLKIO] = "blkio",
	[VCN_CG_MEMORY] = "memory",
};

/* v2's names for the same controllers */
static const char *const ctl_names_v2[VCN_CG_CTL_LAST] = {
	[VCN_CG_CPU] = "cpu",
	[VCN_CG_BLKIO] = "io",
	[VCN_CG_MEMORY] = "memory",
};

/* "cpu", "blkio", "memory"; "?" when out of range. */
const char *vcn_cg_ctl_name(enum vcn_cg_ctl c)
{
	return (unsigned)c < VCN_CG_CTL_LAST ? ctl_names[c] : "?";
}

/* "v1", "v2"; "?" when out of range. */
const char *vcn_cg_version_name(enum vcn_cg_version v)
{
	return v == VCN_CG_V1 ? "v1" : v == VCN_CG_V2 ? "v2" : "?";
}

/* ---- names ------------------------------------------------------------- */

/* A libvirt partition vcn may use: "/machine" or "/machine/A[/B...]" (up to
 * four levels below machine), each component a vcn name without dots (a dot
 * would change libvirt's directory naming). The leading '/' is optional
 * here, so group names from the partitions file pass too. */
bool vcn_partition_path_valid(const char *partition)
{
	const char *c, *end;
	char comp[64];
	unsigned depth = 0;
	size_t n;

	if (!partition)
		return false;
	c = partition[0] == '/' ? partition + 1 : partition;
	if (strlen(c) >= VCN_PARTITION_NAME_MAX || strncmp(c, "machine", 7) != 0)
		return false;
	c += 7;
	if (*c == '\0')
		return true;
	while (*c) {
		if (*c != '/' || ++depth > 4)
			return false;
		c++;
		end = strchr(c, '/');
		n = end ? (size_t)(end - c) : strlen(c);
		if (n == 0 || n >= sizeof(comp))
			return false;
		memcpy(comp, c, n);
		comp[n] = '\0';
		if (!vcn_name_valid(comp) || strchr(comp, '.'))
			return false;
		c += n;
	}
	return true;
}

/**
 * vcn_partition_cgroup_dir: the cgroup directory libvirt uses for a partition
 * on hosts without systemd: "/machine/vo-a/b" is "machine/vo-a.partition/b.partition".
 * @partition: valid per vcn_partition_path_valid() (leading '/' optional)
 * Returns 0, -EINVAL for an invalid partition, -ENAMETOOLONG.
 */
int vcn_partition_cgroup_dir(const char *partition, char *out, size_t size)
{
	const char *c;
	size_t len;
	int n;

	if (!vcn_partition_path_valid(partition))
		return -EINVAL;
	c = partition[0] == '/' ? partition + 1 : partition;
	n = snprintf(out, size, "machine");
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	len = (size_t)n;
	c += 7;
	while (*c == '/') {
		const char *end = strchr(c + 1, '/');
		size_t clen = end ? (size_t)(end - c - 1) : strlen(c + 1);

		n = snprintf(out + len, size - len, "/%.*s.partition", (int)clen, c + 1);
		if (n < 0 || (size_t)n >= size - len)
			return -ENAMETOOLONG;
		len += (size_t)n;
		c += clen + 1;
	}
	return 0;
}

/* cgroup v1 cpu.shares (2..262144) to v2 cpu.weight (1..10000), the formula
 * runc, crun and systemd use: 1024 shares become weight 39, not 100. */
uint64_t vcn_cg_shares_to_weight(uint64_t shares)
{
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* The inverse, for cpu.weight written in the file but applied on v1. */
static uint64_t weight_to_shares(uint64_t weight)
{
	return 2 + ((weight - 1) * 262142) / 9999;
}

/* v1 blkio.weight (10..1000, default 500) to v2 io.weight (1..10000,
 * default 100), scaled around the defaults as systemd does. */
uint64_t vcn_cg_blkio_to_io_weight(uint64_t w)
{
	uint64_t v = w * 100 / 500;

	return v < 1 ? 1 : v > 10000 ? 10000 : v;
}

/* ---- the reader -------------------------------------------------------- */

enum tok_kind { TOK_EOF, TOK_WORD, TOK_STRING, TOK_LBRACE, TOK_RBRACE, TOK_EQ, TOK_SEMI, TOK_BAD };

struct tok {
	enum tok_kind kind;
	char text[256];
	unsigned line;
};

struct reader {
	const char *path;
	const char *buf, *pos;
	unsigned line;
	struct tok t;          /* current token */
	unsigned prev_line;    /* line of the token before it */
	int errors;
	bool stop;             /* a syntax error: nothing after it can be trusted */
};

static void rd_err(struct reader *r, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void rd_err(struct reader *r, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vcn_err("%s:%u: %s", r->path, line, msg);
	r->errors++;
}

static bool word_char(char ch)
{
	return ch && (isalnum((unsigned char)ch) || strchr("_./:+-", ch));
}

/* Read the next token into r->t (libcgroup's lexical rules: '#' comments,
 * bare words, double-quoted strings without escapes on one line). */
static void next(struct reader *r)
{
	const char *p = r->pos;
	size_t n = 0;

	r->prev_line = r->t.line;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			if (*p == '\n')
				r->line++;
			p++;
		}
		if (*p != '#')
			break;
		while (*p && *p != '\n')
			p++;
	}
	r->t.line = r->line;
	r->t.text[0] = '\0';
	if (!*p) {
		r->t.kind = TOK_EOF; /* on the file's last line, not after it */
		if (p > r->buf && p[-1] == '\n' && r->t.line > 1)
			r->t.line--;
	} else if (strchr("{}=;", *p)) {
		r->t.kind = *p == '{' ? TOK_LBRACE : *p == '}' ? TOK_RBRACE : *p == '=' ? TOK_EQ : TOK_SEMI;
		r->t.text[0] = *p++;
		r->t.text[1] = '\0';
	} else if (*p == '"') {
		p++;
		while (*p && *p != '"' && *p != '\n' && n < sizeof(r->t.text) - 1)
			r->t.text[n++] = *p++;
		r->t.text[n] = '\0';
		if (*p != '"') {
			r->t.kind = TOK_BAD;
			snprintf(r->t.text, sizeof(r->t.text), "unterminated string");
		} else {
			p++;
			r->t.kind = TOK_STRING;
		}
	} else if (word_char(*p)) {
		while (word_char(*p) && n < sizeof(r->t.text) - 1)
			r->t.text[n++] = *p++;
		r->t.text[n] = '\0';
		r->t.kind = word_char(*p) ? TOK_BAD : TOK_WORD;
		if (r->t.kind == TOK_BAD)
			snprintf(r->t.text, sizeof(r->t.text), "word too long");
	} else {
		r->t.kind = TOK_BAD;
		snprintf(r->t.text, sizeof(r->t.text), "unexpected character '%c'", *p);
	}
	r->pos = p;
}

static const char *tok_desc(const struct tok *t)
{
	return t->kind == TOK_EOF ? "end of file" : t->text;
}

/* Syntax error: say what was expected where, and stop. */
static void expected(struct reader *r, const char *what, bool at_prev)
{
	if (r->t.kind == TOK_BAD)
		rd_err(r, r->t.line, "%s", r->t.text);
	else
		rd_err(r, at_prev ? r->prev_line : r->t.line, "expected %s, got '%s'", what, tok_desc(&r->t));
	r->stop = true;
}

enum key_id {
	K_CPU_SHARES, K_CPU_WEIGHT, K_CFS_QUOTA, K_CFS_PERIOD, K_BLKIO_WEIGHT, K_MEMORY_LIMIT, K_LAST
};

static const struct key_def {
	enum vcn_cg_ctl ctl;
	const char *name;
	const char *range; /* for messages */
} keys[K_LAST] = {
	[K_CPU_SHARES] = { VCN_CG_CPU, "cpu.shares", "an integer from 2 to 262144" },
	[K_CPU_WEIGHT] = { VCN_CG_CPU, "cpu.weight", "an integer from 1 to 10000" },
	[K_CFS_QUOTA] = { VCN_CG_CPU, "cpu.cfs_quota_us", "-1 or microseconds from 1000 to 1000000000000" },
	[K_CFS_PERIOD] = { VCN_CG_CPU, "cpu.cfs_period_us", "microseconds from 1000 to 1000000" },
	[K_BLKIO_WEIGHT] = { VCN_CG_BLKIO, "blkio.weight", "an integer from 10 to 1000" },
	[K_MEMORY_LIMIT] = { VCN_CG_MEMORY, "memory.limit_in_bytes", "-1 or a size from 4M, such as 2G" },
};

/* Parse @v for key @k into @p; 0 or -EINVAL/-ERANGE. */
static int set_key(struct vcn_partition *p, enum key_id k, const char *v)
{
	uint64_t u;
	int rc;

	switch (k) {
	case K_CPU_SHARES:
		return vcn_parse_u64(v, 2, 262144, &p->cpu_shares);
	case K_CPU_WEIGHT:
		return vcn_parse_u64(v, 1, 10000, &p->cpu_weight);
	case K_CFS_QUOTA:
		if (strcmp(v, "-1") == 0) {
			p->cfs_quota_us = -1;
			return 0;
		}
		rc = vcn_parse_u64(v, 1000, 1000000000000ULL, &u);
		if (rc == 0)
			p->cfs_quota_us = (int64_t)u;
		return rc;
	case K_CFS_PERIOD:
		return vcn_parse_u64(v, 1000, 1000000, &p->cfs_period_us);
	case K_BLKIO_WEIGHT:
		return vcn_parse_u64(v, 10, 1000, &p->blkio_weight);
	case K_MEMORY_LIMIT:
		if (strcmp(v, "-1") == 0) {
			p->memory_limit = UINT64_MAX;
			return 0;
		}
		rc = vcn_parse_size(v, &u);
		if (rc == 0 && u < (4ULL << 20))
			rc = -ERANGE;
		if (rc == 0)
			p->memory_limit = u;
		return rc;
	case K_LAST:
		break;
	}
	return -EINVAL;
}

/* ctl { key = value; ... } after the controller's name; r->t is '{'. */
static void parse_controller(struct reader *r, struct vcn_partition *p, enum vcn_cg_ctl ctl, unsigned seen[K_LAST])
{
	char key[256], list[256];
	unsigned line, i;
	size_t used;
	int rc;

	next(r);
	while (!r->stop && r->t.kind != TOK_RBRACE) {
		if (r->t.kind != TOK_WORD) {
			expected(r, "a key or '}'", false);
			return;
		}
		snprintf(key, sizeof(key), "%s", r->t.text);
		line = r->t.line;
		next(r);
		if (r->t.kind != TOK_EQ) {
			expected(r, "'=' after key", true);
			return;
		}
		next(r);
		if (r->t.kind != TOK_STRING && r->t.kind != TOK_WORD) {
			expected(r, "a value", true);
			return;
		}
		for (i = 0; i < K_LAST; i++)
			if (strcmp(key, keys[i].name) == 0)
				break;
		if (i == K_LAST || keys[i].ctl != ctl) {
			list[0] = '\0';
			for (i = 0, used = 0; i < K_LAST; i++)
				if (keys[i].ctl == ctl && used < sizeof(list))
					used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
								 used ? ", " : "", keys[i].name);
			rd_err(r, line, "%s: unknown key for controller %s (known: %s)", key, ctl_names[ctl], list);
		} else if (seen[i]) {
			rd_err(r, line, "%s: set twice (first at line %u)", key, seen[i]);
		} else {
			seen[i] = line;
			rc = set_key(p, (enum key_id)i, r->t.text);
			if (rc < 0)
				rd_err(r, line, "%s: '%s': %s (%s)", key, r->t.text, vcn_parse_strerror(rc),
				       keys[i].range);
		}
		next(r);
		if (r->t.kind != TOK_SEMI) {
			expected(r, "';' after the value", true);
			return;
		}
		next(r);
	}
	if (r->t.kind == TOK_RBRACE)
		next(r);
}

/* group NAME { ctl { ... } ... }; r->t is "group". */
static void parse_group(struct reader *r, struct vcn_partition *p)
{
	unsigned ctl_line[VCN_CG_CTL_LAST] = { 0 }, seen[K_LAST] = { 0 };
	unsigned i;

	p->line = r->t.line;
	next(r);
	if (r->t.kind != TOK_WORD) {
		expected(r, "a group name after 'group'", true);
		return;
	}
	if (!vcn_partition_path_valid(r->t.text) || strcmp(r->t.text, "machine") == 0 ||
	    r->t.text[0] == '/')
		rd_err(r, r->t.line,
		       "group '%s': not a partition below machine (machine/NAME[/NAME...], names of A-Z a-z 0-9 _ -)",
		       r->t.text);
	if (strlen(r->t.text) < sizeof(p->name)) {
		memcpy(p->name, r->t.text, strlen(r->t.text) + 1);
		memcpy(p->libvirt + 1, p->name, strlen(p->name) + 1);
		p->libvirt[0] = '/';
	}
	next(r);
	if (r->t.kind != TOK_LBRACE) {
		expected(r, "'{' after the group name", true);
		return;
	}
	next(r);
	while (!r->stop && r->t.kind != TOK_RBRACE) {
		if (r->t.kind != TOK_WORD) {
			expected(r, "a controller or '}'", false);
			return;
		}
		for (i = 0; i < VCN_CG_CTL_LAST; i++)
			if (strcmp(r->t.text, ctl_names[i]) == 0)
				break;
		if (strcmp(r->t.text, "perm") == 0)
			rd_err(r, r->t.line, "perm: not supported (the groups belong to root, as libvirt needs)");
		else if (i == VCN_CG_CTL_LAST)
			rd_err(r, r->t.line, "%s: unknown controller (known: cpu, blkio, memory)", r->t.text);
		else if (ctl_line[i])
			rd_err(r, r->t.line, "%s: controller twice in one group (first at line %u)", r->t.text,
			       ctl_line[i]);
		else
			ctl_line[i] = r->t.line;
		next(r);
		if (r->t.kind != TOK_LBRACE) {
			expected(r, "'{' after the controller", true);
			return;
		}
		/* an unknown controller is parsed as cpu's, for its syntax only */
		parse_controller(r, p, i < VCN_CG_CTL_LAST ? (enum vcn_cg_ctl)i : VCN_CG_CPU, seen);
	}
	if (r->stop)
		return;
	for (i = 0; i < VCN_CG_CTL_LAST; i++)
		p->ctl[i] = ctl_line[i] != 0;
	if (!ctl_line[VCN_CG_CPU] && !ctl_line[VCN_CG_BLKIO] && !ctl_line[VCN_CG_MEMORY])
		rd_err(r, p->line, "group '%s': no controller (cpu, blkio or memory)", p->name);
	if (seen[K_CPU_SHARES] && seen[K_CPU_WEIGHT])
		rd_err(r, seen[K_CPU_WEIGHT], "cpu.weight: cpu.shares is set too (line %u): use one",
		       seen[K_CPU_SHARES]);
	next(r);
}

static int read_file(const char *path, char **out)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, n;
	int e;

	if (!f) {
		e = errno;
		vcn_err("cannot open '%s': %s", path, strerror(e));
		return -e;
	}
	buf = malloc(1 << 20);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	while ((n = fread(buf + len, 1, (1 << 20) - 1 - len, f)) > 0)
		len += n;
	if (ferror(f) || len == (1 << 20) - 1 || memchr(buf, '\0', len)) {
		vcn_err("cannot read '%s': %s", path, ferror(f) ? strerror(errno) : "not a text file under 1 MiB");
		free(buf);
		fclose(f);
		return -EINVAL;
	}
	buf[len] = '\0';
	fclose(f);
	*out = buf;
	return 0;
}

/* Release @ps; NULL is a no-op. */
void vcn_partitions_free(struct vcn_partitions *ps)
{
	if (!ps)
		return;
	free(ps->path);
	free(ps->p);
	free(ps);
}

/**
 * vcn_partitions_load: read and check a partitions file (vcn-partitions.conf(5)).
 * @out: on success a new set, freed with vcn_partitions_free(); untouched on error
 * Returns 0; -EINVAL after logging each problem as "PATH:LINE: message"
 * (a syntax error ends the file's reading, value errors are all reported);
 * -errno when it cannot be read; -ENOMEM.
 */
int vcn_partitions_load(const char *path, struct vcn_partitions **out)
{
	struct reader r = { .path = path, .line = 1 };
	struct vcn_partitions *ps = NULL;
	char *buf = NULL;
	size_t cap = 0, i, j;
	int rc;

	rc = read_file(path, &buf);
	if (rc < 0)
		return rc;
	ps = calloc(1, sizeof(*ps));
	if (!ps || !(ps->path = strdup(path))) {
		rc = -ENOMEM;
		goto cleanup;
	}
	r.buf = r.pos = buf;
	next(&r);
	while (!r.stop && r.t.kind != TOK_EOF) {
		if (r.t.kind == TOK_WORD && (strcmp(r.t.text, "mount") == 0 || strcmp(r.t.text, "template") == 0 ||
					     strcmp(r.t.text, "default") == 0 || strcmp(r.t.text, "namespace") == 0)) {
			rd_err(&r, r.t.line, "%s: not supported here (this file only declares groups)", r.t.text);
			r.stop = true;
			break;
		}
		if (r.t.kind != TOK_WORD || strcmp(r.t.text, "group") != 0) {
			expected(&r, "'group'", false);
			break;
		}
		if (ps->n == cap) {
			struct vcn_partition *np;

			cap = cap ? 2 * cap : 8;
			np = realloc(ps->p, cap * sizeof(*np));
			if (!np) {
				rc = -ENOMEM;
				goto cleanup;
			}
			ps->p = np;
		}
		memset(&ps->p[ps->n], 0, sizeof(ps->p[0]));
		parse_group(&r, &ps->p[ps->n]);
		ps->n++;
	}
	for (i = 0; !r.stop && i < ps->n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(ps->p[i].name, ps->p[j].name) == 0)
				rd_err(&r, ps->p[i].line, "group '%s': declared twice (first at line %u)",
				       ps->p[i].name, ps->p[j].line);
	rc = r.errors ? -EINVAL : 0;

cleanup:
	if (rc == 0) {
		*out = ps;
		ps = NULL;
	}
	vcn_partitions_free(ps);
	free(buf);
	return rc;
}

/* The group for libvirt partition @partition ("/machine/x" or "machine/x"), or NULL. */
const struct vcn_partition *vcn_partitions_find(const struct vcn_partitions *ps, const char *partition)
{
	size_t i;

	if (!ps || !partition)
		return NULL;
	if (partition[0] == '/')
		partition++;
	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->p[i].name, partition) == 0)
			return &ps->p[i];
	return NULL;
}

/* ---- mapping ------------------------------------------------------------ */

static void add(struct vcn_cg_setting *out, size_t *n, enum vcn_cg_ctl ctl, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void add(struct vcn_cg_setting *out, size_t *n, enum vcn_cg_ctl ctl, const char *file, const char *fmt, ...)
{
	va_list ap;

	if (*n >= VCN_CG_SETTINGS_MAX)
		return;
	out[*n].ctl = ctl;
	snprintf(out[*n].file, sizeof(out[*n].file), "%s", file);
	va_start(ap, fmt);
	vsnprintf(out[*n].value, sizeof(out[*n].value), fmt, ap);
	va_end(ap);
	(*n)++;
}

/**
 * vcn_partition_settings: @p's settings as interface files of cgroup @v.
 * v1 keeps the file's keys (cpu.weight becomes cpu.shares); v2 gets
 * cpu.shares -> cpu.weight (1 + (shares-2)*9999/262142), cfs quota+period ->
 * cpu.max "QUOTA PERIOD" ("max" for -1, period 100000 when unset),
 * blkio.weight -> io.weight (scaled 500 -> 100), memory.limit_in_bytes ->
 * memory.max. The period goes before the quota on v1 (the kernel checks the
 * pair). Returns 0 (at most VCN_CG_SETTINGS_MAX settings into @out, count in @n).
 */
int vcn_partition_settings(const struct vcn_partition *p, enum vcn_cg_version v,
			   struct vcn_cg_setting out[VCN_CG_SETTINGS_MAX], size_t *n)
{
	*n = 0;
	if (v == VCN_CG_V1) {
		if (p->cpu_shares)
			add(out, n, VCN_CG_CPU, "cpu.shares", "%" PRIu64, p->cpu_shares);
		if (p->cpu_weight)
			add(out, n, VCN_CG_CPU, "cpu.shares", "%" PRIu64, weight_to_shares(p->cpu_weight));
		if (p->cfs_period_us)
			add(out, n, VCN_CG_CPU, "cpu.cfs_period_us", "%" PRIu64, p->cfs_period_us);
		if (p->cfs_quota_us)
			add(out, n, VCN_CG_CPU, "cpu.cfs_quota_us", "%" PRId64, p->cfs_quota_us);
		if (p->blkio_weight)
			add(out, n, VCN_CG_BLKIO, "blkio.weight", "%" PRIu64, p->blkio_weight);
		if (p->memory_limit == UINT64_MAX)
			add(out, n, VCN_CG_MEMORY, "memory.limit_in_bytes", "-1");
		else if (p->memory_limit)
			add(out, n, VCN_CG_MEMORY, "memory.limit_in_bytes", "%" PRIu64, p->memory_limit);
		return 0;
	}
	if (p->cpu_shares)
		add(out, n, VCN_CG_CPU, "cpu.weight", "%" PRIu64, vcn_cg_shares_to_weight(p->cpu_shares));
	if (p->cpu_weight)
		add(out, n, VCN_CG_CPU, "cpu.weight", "%" PRIu64, p->cpu_weight);
	if (p->cfs_quota_us > 0)
		add(out, n, VCN_CG_CPU, "cpu.max", "%" PRId64 " %" PRIu64, p->cfs_quota_us,
		    p->cfs_period_us ? p->cfs_period_us : 100000);
	else if (p->cfs_quota_us < 0 || p->cfs_period_us)
		add(out, n, VCN_CG_CPU, "cpu.max", "max %" PRIu64, p->cfs_period_us ? p->cfs_period_us : 100000);
	if (p->blkio_weight)
		add(out, n, VCN_CG_BLKIO, "io.weight", "%" PRIu64, vcn_cg_blkio_to_io_weight(p->blkio_weight));
	if (p->memory_limit == UINT64_MAX)
		add(out, n, VCN_CG_MEMORY, "memory.max", "max");
	else if (p->memory_limit)
		add(out, n, VCN_CG_MEMORY, "memory.max", "%" PRIu64, p->memory_limit);
	return 0;
}

/**
 * vcn_partitions_format_plan: what vcn_partitions_apply() would do on @v,
 * one line per group and per file (for `vcnd -n`, vcnctl and golden tests).
 * Returns a malloc'd string, NULL when out of memory.
 */
char *vcn_partitions_format_plan(const struct vcn_partitions *ps, enum vcn_cg_version v)
{
	struct vcn_cg_setting s[VCN_CG_SETTINGS_MAX];
	char *buf = NULL, dir[VCN_PARTITION_NAME_MAX * 2];
	size_t len = 0, n, i, j, k;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (i = 0; ps && i < ps->n; i++) {
		const struct vcn_partition *p = &ps->p[i];

		if (vcn_partition_cgroup_dir(p->name, dir, sizeof(dir)) < 0)
			continue;
		fprintf(f, "group %s (partition %s) -> %s [", p->name, p->libvirt, dir);
		for (k = 0, j = 0; k < VCN_CG_CTL_LAST; k++)
			if (p->ctl[k])
				fprintf(f, "%s%s", j++ ? " " : "", v == VCN_CG_V2 ? ctl_names_v2[k] : ctl_names[k]);
		fprintf(f, "]\n");
		vcn_partition_settings(p, v, s, &n);
		for (j = 0; j < n; j++)
			fprintf(f, "  %s = %s\n", s[j].file, s[j].value);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/**
 * vcn_partitions_apply: create every group of @ps with writer @w.
 * Groups are created even when they exist (their values are rewritten).
 * Returns 0, or the first writer error after trying every group.
 */
int vcn_partitions_apply(const struct vcn_partitions *ps, enum vcn_cg_version v, const struct vcn_cg_writer *w)
{
	struct vcn_cg_setting s[VCN_CG_SETTINGS_MAX];
	char dir[VCN_PARTITION_NAME_MAX * 2];
	size_t i, n;
	int rc, first = 0;

	for (i = 0; ps && i < ps->n; i++) {
		rc = vcn_partition_cgroup_dir(ps->p[i].name, dir, sizeof(dir));
		if (rc == 0) {
			vcn_partition_settings(&ps->p[i], v, s, &n);
			rc = w->create(w->opaque, v, dir, ps->p[i].ctl, s, n);
		}
		if (rc < 0 && !first)
			first = rc;
	}
	return first;
}

/* Does ROOT/cgroup.controllers exist (a unified-only host)? A hybrid host
 * (v1 controllers, an empty unified mount at ROOT/unified) is v1. */
int vcn_cg_detect(const char *root, enum vcn_cg_version *out)
{
	char path[4096];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s", root) >= (int)sizeof(path) || stat(path, &st) != 0) {
		vcn_err("cgroup root '%s': %s", root, strerror(errno));
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
	*out = access(path, F_OK) == 0 ? VCN_CG_V2 : VCN_CG_V1;
	return 0;
}

/* ---- writers -------------------------------------------------------------- */

static int pathf(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* snprintf that fails (-ENAMETOOLONG) instead of truncating. */
static int pathf(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int mkdir_p(const char *path)
{
	char tmp[4096];
	size_t i, len = strlen(path);

	if (len >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -errno;
		tmp[i] = path[i];
	}
	return 0;
}

static int write_file(const char *path, const char *value, bool create)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
	size_t len = strlen(value);
	ssize_t w;
	int e;

	if (fd < 0)
		return -errno;
	w = write(fd, value, len);
	e = w < 0 ? errno : (size_t)w != len ? EIO : 0;
	if (close(fd) != 0 && !e)
		e = errno;
	return -e;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The blkio weight's file on a v1 kernel: blkio.weight (CFQ, kernels < 5.0),
 * else blkio.bfq.weight (BFQ, kernels >= 5.0), else none: inert. */
static const char *blkio_weight_file(const char *groupdir, char *buf, size_t size)
{
	snprintf(buf, size, "%s/blkio.weight", groupdir);
	if (exists(buf))
		return "blkio.weight";
	snprintf(buf, size, "%s/blkio.bfq.weight", groupdir);
	if (exists(buf))
		return "blkio.bfq.weight";
	return NULL;
}

struct dir_writer {
	char root[4096];
};

static __thread struct dir_writer dir_writer_state;

/* The directory writer: v1 ROOT/CTL/DIR/FILE, v2 ROOT/DIR/FILE with each
 * ancestor's cgroup.subtree_control enabling the group's controllers. Files
 * are created when absent, so a plain directory works as a fixture; on a
 * real cgroupfs only existing interface files can be written. */
static int dir_create(void *opaque, enum vcn_cg_version v, const char *dir, const bool ctls[VCN_CG_CTL_LAST],
		      const struct vcn_cg_setting *s, size_t n)
{
	const struct dir_writer *d = opaque;
	char path[4096], file[4096], enable[64] = "";
	const char *name;
	size_t i, used = 0;
	bool fixture;
	int rc;

	if (v == VCN_CG_V2) {
		for (i = 0; i < VCN_CG_CTL_LAST; i++)
			if (ctls[i])
				used += (size_t)snprintf(enable + used, sizeof(enable) - used, "%s+%s",
							 used ? " " : "", ctl_names_v2[i]);
		/* each ancestor (the root included) delegates the controllers down */
		rc = pathf(path, sizeof(path), "%s/%s", d->root, dir);
		if (rc == 0)
			rc = mkdir_p(path);
		if (rc < 0)
			goto fail_dir;
		for (i = strlen(d->root); used && path[i]; i++) {
			if (path[i] != '/')
				continue;
			snprintf(file, sizeof(file), "%.*s/cgroup.subtree_control", (int)i, path);
			rc = write_file(file, enable, true);
			if (rc < 0) {
				vcn_err("cannot write '%s' to '%s': %s", enable, file, strerror(-rc));
				return rc;
			}
		}
	} else {
		for (i = 0; i < VCN_CG_CTL_LAST; i++) {
			if (!ctls[i])
				continue;
			rc = pathf(path, sizeof(path), "%s/%s/%s", d->root, ctl_names[i], dir);
			if (rc == 0)
				rc = mkdir_p(path);
			if (rc < 0)
				goto fail_dir;
		}
	}
	for (i = 0; i < n; i++) {
		if (v == VCN_CG_V2)
			rc = pathf(path, sizeof(path), "%s/%s", d->root, dir);
		else
			rc = pathf(path, sizeof(path), "%s/%s/%s", d->root, ctl_names[s[i].ctl], dir);
		/* a real cgroupfs fills a new group with its interface files */
		if (rc == 0)
			rc = pathf(file, sizeof(file), "%s/cgroup.procs", path);
		if (rc < 0)
			goto fail_dir;
		fixture = !exists(file);
		name = s[i].file;
		if (v == VCN_CG_V1 && strcmp(name, "blkio.weight") == 0 && !fixture) {
			name = blkio_weight_file(path, file, sizeof(file));
			if (!name) {
				vcn_warn("%s: no blkio weight file on this kernel (needs CFQ or BFQ): blkio.weight %s is not set",
					 path, s[i].value);
				continue;
			}
		}
		rc = pathf(file, sizeof(file), "%s/%s", path, name);
		if (rc < 0)
			goto fail_dir;
		rc = write_file(file, s[i].value, fixture);
		if (rc < 0) {
			vcn_err("cannot write '%s' to '%s': %s", s[i].value, file, strerror(-rc));
			return rc;
		}
	}
	return 0;

fail_dir:
	vcn_err("cannot create '%s': %s", path, strerror(-rc));
	return rc;
}

/* A writer into a directory tree @root laid out like /sys/fs/cgroup (tests
 * pass a scratch copy of a fixture). The writer keeps a copy of @root; one
 * per thread at a time. */
void vcn_cg_writer_dir(struct vcn_cg_writer *w, const char *root)
{
	snprintf(dir_writer_state.root, sizeof(dir_writer_state.root), "%s", root);
	w->create = dir_create;
	w->opaque = &dir_writer_state;
}

/* libcgroup's messages into ours (it prints through this once a logger is set). */
static void cg_log(void *userdata, int level, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

static void cg_log(void *userdata, int level, const char *fmt, va_list ap)
{
	char msg[512];
	size_t len;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len && msg[len - 1] == '\n')
		msg[--len] = '\0';
	if (level <= CGROUP_LOG_WARNING)
		vcn_warn("libcgroup: %s", msg);
	else
		vcn_debug("libcgroup: %s", msg);
}

static int cg_rc(int ret)
{
	return ret == ECGOTHER ? -cgroup_get_last_errno() : ret ? -EIO : 0;
}

/* Create one group through libcgroup: cgroup_create_cgroup() makes the
 * directory in each controller's hierarchy (and on v2 enables the
 * controllers in the ancestors) and writes the values. */
static int cg_create(void *opaque, enum vcn_cg_version v, const char *dir, const bool ctls[VCN_CG_CTL_LAST],
		     const struct vcn_cg_setting *s, size_t n)
{
	struct cgroup_controller *cc[VCN_CG_CTL_LAST] = { NULL };
	const char *const *names = v == VCN_CG_V2 ? ctl_names_v2 : ctl_names;
	struct cgroup *cg = cgroup_new_cgroup(dir), *cg2 = NULL;
	const struct vcn_cg_setting *blkio = NULL;
	char *mnt = NULL, path[4096], buf[4096];
	const char *file;
	size_t i;
	int ret, rc = 0;

	if (!cg)
		return -ENOMEM;
	for (i = 0; i < VCN_CG_CTL_LAST; i++) {
		if (ctls[i] && !(cc[i] = cgroup_add_controller(cg, names[i]))) {
			vcn_err("cgroup '%s': libcgroup cannot add controller %s", dir, names[i]);
			rc = -EINVAL;
			goto cleanup;
		}
	}
	for (i = 0; i < n; i++) {
		if (v == VCN_CG_V1 && strcmp(s[i].file, "blkio.weight") == 0) {
			blkio = &s[i]; /* its file name depends on the kernel: after creation */
			continue;
		}
		if (!cc[s[i].ctl] || cgroup_add_value_string(cc[s[i].ctl], s[i].file, s[i].value) != 0) {
			vcn_err("cgroup '%s': libcgroup refuses %s = %s", dir, s[i].file, s[i].value);
			rc = -EINVAL;
			goto cleanup;
		}
	}
	ret = cgroup_create_cgroup(cg, 0);
	if (ret) {
		rc = cg_rc(ret);
		vcn_err("cannot create cgroup '%s': %s", dir, cgroup_strerror(ret));
		goto cleanup;
	}
	if (blkio) {
		if (cgroup_get_subsys_mount_point("blkio", &mnt) != 0) {
			vcn_err("cgroup '%s': blkio is not mounted", dir);
			rc = -ENOENT;
			goto cleanup;
		}
		snprintf(path, sizeof(path), "%s/%s", mnt, dir);
		file = blkio_weight_file(path, buf, sizeof(buf));
		if (!file) {
			vcn_warn("%s: no blkio weight file on this kernel (needs CFQ or BFQ): blkio.weight %s is not set",
				 path, blkio->value);
			goto cleanup;
		}
		cg2 = cgroup_new_cgroup(dir);
		if (!cg2 || !(cc[0] = cgroup_add_controller(cg2, "blkio")) ||
		    cgroup_add_value_string(cc[0], file, blkio->value) != 0) {
			rc = -ENOMEM;
			goto cleanup;
		}
		ret = cgroup_modify_cgroup(cg2);
		if (ret) {
			rc = cg_rc(ret);
			vcn_err("cannot set %s = %s in cgroup '%s': %s", file, blkio->value, dir, cgroup_strerror(ret));
		}
	}

cleanup:
	free(mnt);
	if (cg2)
		cgroup_free(&cg2);
	cgroup_free(&cg);
	return rc;
}

/* The production writer, through libcgroup (which reads the mount table:
 * controllers must be mounted). Returns 0 or -errno after saying why. */
int vcn_cg_writer_libcgroup(struct vcn_cg_writer *w)
{
	int ret;

	cgroup_set_logger(cg_log, CGROUP_LOG_INFO, NULL);
	ret = cgroup_init();
	if (ret) {
		vcn_err("libcgroup cannot start: %s", cgroup_strerror(ret));
		return cg_rc(ret);
	}
	w->create = cg_create;
	w->opaque = NULL;
	return 0;
}
