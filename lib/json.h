/* vcn: a small JSON writer for vcnctl --json, the audit log and the web
 * controller page. Output only; nesting up to 16 levels. */
#ifndef VCN_JSON_H
#define VCN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VCN_JSON_DEPTH 16

struct vcn_json {
	char *buf;
	size_t len, cap;
	int err;                        /* first error (-ENOMEM, -EOVERFLOW), sticky */
	unsigned depth;
	bool first[VCN_JSON_DEPTH + 1]; /* no comma needed yet at this level */
	bool after_key;
};

void vcn_json_init(struct vcn_json *j);
void vcn_json_free(struct vcn_json *j);
void vcn_json_reset(struct vcn_json *j);
void vcn_json_obj_begin(struct vcn_json *j);
void vcn_json_obj_end(struct vcn_json *j);
void vcn_json_arr_begin(struct vcn_json *j);
void vcn_json_arr_end(struct vcn_json *j);
void vcn_json_key(struct vcn_json *j, const char *key);
void vcn_json_str(struct vcn_json *j, const char *s);
void vcn_json_int(struct vcn_json *j, long long v);
void vcn_json_uint(struct vcn_json *j, unsigned long long v);
void vcn_json_double(struct vcn_json *j, double v);
void vcn_json_bool(struct vcn_json *j, bool v);
void vcn_json_null(struct vcn_json *j);
/* key + value in one call, inside an object */
void vcn_json_kstr(struct vcn_json *j, const char *key, const char *s);
void vcn_json_kint(struct vcn_json *j, const char *key, long long v);
void vcn_json_kdouble(struct vcn_json *j, const char *key, double v);
void vcn_json_kbool(struct vcn_json *j, const char *key, bool v);
const char *vcn_json_result(const struct vcn_json *j);

#endif
