/* vcn: the library's only voice. Silent unless the caller installs a logger. */
#ifndef VCN_LOG_H
#define VCN_LOG_H

#include <stdarg.h>

enum vcn_log_level {
	VCN_LOG_ERR,
	VCN_LOG_WARN,
	VCN_LOG_INFO,
	VCN_LOG_DEBUG,
	VCN_LOG_LAST
};

typedef void (*vcn_log_fn)(enum vcn_log_level level, const char *msg, void *opaque);

void vcn_log_set(vcn_log_fn fn, void *opaque, enum vcn_log_level max_level);
const char *vcn_log_level_name(enum vcn_log_level level);
void vcn_log_stderr(enum vcn_log_level level, const char *msg, void *opaque);

void vcn_logv(enum vcn_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void vcn_log(enum vcn_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define vcn_err(...)   vcn_log(VCN_LOG_ERR, __VA_ARGS__)
#define vcn_warn(...)  vcn_log(VCN_LOG_WARN, __VA_ARGS__)
#define vcn_info(...)  vcn_log(VCN_LOG_INFO, __VA_ARGS__)
#define vcn_debug(...) vcn_log(VCN_LOG_DEBUG, __VA_ARGS__)

#endif
