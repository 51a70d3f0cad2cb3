/* JSON output with correct string escaping (control characters, quotes,
 * backslashes; UTF-8 passed through, invalid bytes replaced) and non-finite
 * numbers written as null, so whatever a VM name or a libvirt message
 * contains, the result parses. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Start an empty document. */
void vcn_json_init(struct vcn_json *j)
{
	memset(j, 0, sizeof(*j));
	j->first[0] = true;
}

/* Free the buffer; NULL-safe. */
void vcn_json_free(struct vcn_json *j)
{
	if (!j)
		return;
	free(j->buf);
	vcn_json_init(j);
}

/* Empty the document, keeping the buffer. */
void vcn_json_reset(struct vcn_json *j)
{
	char *buf = j->buf;
	size_t cap = j->cap;

	vcn_json_init(j);
	j->buf = buf;
	j->cap = cap;
	if (buf)
		buf[0] = '\0';
}

static void put(struct vcn_json *j, const char *s, size_t n)
{
	if (j->err)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 256;
		char *p;

		while (cap < j->len + n + 1)
			cap *= 2;
		p = realloc(j->buf, cap);
		if (!p) {
			j->err = -ENOMEM;
			return;
		}
		j->buf = p;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void puts_(struct vcn_json *j, const char *s)
{
	put(j, s, strlen(s));
}

/* Comma before a value unless it is the first at its level or follows a key. */
static void sep(struct vcn_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		put(j, ",", 1);
	j->first[j->depth] = false;
}

static void open_(struct vcn_json *j, const char *c)
{
	sep(j);
	put(j, c, 1);
	if (j->depth >= VCN_JSON_DEPTH) {
		j->err = -EOVERFLOW;
		return;
	}
	j->first[++j->depth] = true;
}

static void close_(struct vcn_json *j, const char *c)
{
	if (j->depth == 0) {
		j->err = j->err ? j->err : -EINVAL;
		return;
	}
	j->depth--;
	put(j, c, 1);
}

void vcn_json_obj_begin(struct vcn_json *j) { open_(j, "{"); }
void vcn_json_obj_end(struct vcn_json *j) { close_(j, "}"); }
void vcn_json_arr_begin(struct vcn_json *j) { open_(j, "["); }
void vcn_json_arr_end(struct vcn_json *j) { close_(j, "]"); }

/* Length of a valid UTF-8 sequence at @s (1-4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static void string(struct vcn_json *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	char esc[8];
	size_t n;

	put(j, "\"", 1);
	while (*p) {
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(j, esc, 2);
			p++;
		} else if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			puts_(j, esc);
			p++;
		} else if ((n = utf8_len(p)) > 0) {
			put(j, (const char *)p, n);
			p += n;
		} else {
			puts_(j, "\\ufffd"); /* not UTF-8: replacement character */
			p++;
		}
	}
	put(j, "\"", 1);
}

/* An object key; the next call writes its value. */
void vcn_json_key(struct vcn_json *j, const char *key)
{
	sep(j);
	string(j, key);
	put(j, ":", 1);
	j->after_key = true;
}

void vcn_json_str(struct vcn_json *j, const char *s)
{
	sep(j);
	if (!s)
		puts_(j, "null");
	else
		string(j, s);
}

void vcn_json_int(struct vcn_json *j, long long v)
{
	char b[32];

	sep(j);
	snprintf(b, sizeof(b), "%lld", v);
	puts_(j, b);
}

void vcn_json_uint(struct vcn_json *j, unsigned long long v)
{
	char b[32];

	sep(j);
	snprintf(b, sizeof(b), "%llu", v);
	puts_(j, b);
}

/* Finite numbers with up to 6 significant decimals; NaN/inf as null. */
void vcn_json_double(struct vcn_json *j, double v)
{
	char b[48];

	sep(j);
	if (!isfinite(v)) {
		puts_(j, "null");
		return;
	}
	snprintf(b, sizeof(b), "%.6g", v);
	puts_(j, b);
}

void vcn_json_bool(struct vcn_json *j, bool v)
{
	sep(j);
	puts_(j, v ? "true" : "false");
}

void vcn_json_null(struct vcn_json *j)
{
	sep(j);
	puts_(j, "null");
}

void vcn_json_kstr(struct vcn_json *j, const char *key, const char *s) { vcn_json_key(j, key); vcn_json_str(j, s); }
void vcn_json_kint(struct vcn_json *j, const char *key, long long v) { vcn_json_key(j, key); vcn_json_int(j, v); }
void vcn_json_kdouble(struct vcn_json *j, const char *key, double v) { vcn_json_key(j, key); vcn_json_double(j, v); }
void vcn_json_kbool(struct vcn_json *j, const char *key, bool v) { vcn_json_key(j, key); vcn_json_bool(j, v); }

/* The document so far ("" when empty), or NULL after an error. */
const char *vcn_json_result(const struct vcn_json *j)
{
	if (j->err)
		return NULL;
	return j->buf ? j->buf : "";
}
