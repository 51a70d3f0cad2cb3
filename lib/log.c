/* Logging with an injected sink: gmond modules pass err_msg/debug_msg
 * wrappers, vcnd passes syslog or stderr, tests capture messages. */
#include <config.h>

#include <stdio.h>

#include "log.h"

static vcn_log_fn log_fn;
static void *log_opaque;
static enum vcn_log_level log_max = VCN_LOG_INFO;

static const char *const level_names[VCN_LOG_LAST] = {
	[VCN_LOG_ERR] = "error",
	[VCN_LOG_WARN] = "warning",
	[VCN_LOG_INFO] = "info",
	[VCN_LOG_DEBUG] = "debug",
};

/* Install @fn (NULL silences the library); messages above @max_level are
 * dropped before formatting. Not thread-safe: call before starting threads. */
void vcn_log_set(vcn_log_fn fn, void *opaque, enum vcn_log_level max_level)
{
	log_fn = fn;
	log_opaque = opaque;
	log_max = max_level;
}

/* Returns the lower-case name of @level, or "?" when out of range. */
const char *vcn_log_level_name(enum vcn_log_level level)
{
	if ((unsigned)level >= VCN_LOG_LAST)
		return "?";
	return level_names[level];
}

/* A ready-made sink for command-line tools: "vcn: error: msg" on stderr;
 * @opaque may name the program. */
void vcn_log_stderr(enum vcn_log_level level, const char *msg, void *opaque)
{
	fprintf(stderr, "%s: %s: %s\n", opaque ? (const char *)opaque : "vcn",
		vcn_log_level_name(level), msg);
}

void vcn_logv(enum vcn_log_level level, const char *fmt, va_list ap)
{
	char buf[1024];

	if (!log_fn || level > log_max)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	log_fn(level, buf, log_opaque);
}

void vcn_log(enum vcn_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcn_logv(level, fmt, ap);
	va_end(ap);
}
