/* The collector's parameters: defaults, and one strict setter per key, so
 * that gmond refuses a module whose conf.d snippet says something wrong
 * instead of running with a silently different value. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "collector_conf.h"
#include "log.h"
#include "parse.h"

static const char *const hostname_names[VCN_HOSTNAME_LAST] = {
	[VCN_HOSTNAME_NAME] = "name",
	[VCN_HOSTNAME_UUID] = "uuid",
	[VCN_HOSTNAME_METADATA] = "metadata",
};

static const char *const address_names[VCN_ADDRESS_LAST] = {
	[VCN_ADDRESS_UUID] = "uuid",
	[VCN_ADDRESS_METADATA] = "metadata",
};

/* "name", "uuid" or "metadata"; "?" when out of range. */
const char *vcn_hostname_mode_name(enum vcn_hostname_mode m)
{
	return (unsigned)m < VCN_HOSTNAME_LAST ? hostname_names[m] : "?";
}

/* "uuid" or "metadata"; "?" when out of range. */
const char *vcn_address_mode_name(enum vcn_address_mode m)
{
	return (unsigned)m < VCN_ADDRESS_LAST ? address_names[m] : "?";
}

static int copy_str(char *dst, size_t size, const char *key, const char *value)
{
	if (strlen(value) >= size) {
		vcn_err("param '%s': value longer than %zu characters", key, size - 1);
		return -ERANGE;
	}
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

/* Fill @c with the defaults documented in vcn-gmond-module(5). */
int vcn_collector_conf_init(struct vcn_collector_conf *c)
{
	memset(c, 0, sizeof(*c));
	copy_str(c->uri, sizeof(c->uri), "uri", "qemu:///system");
	c->interval_ms = 15000;
	c->libvirt_timeout_ms = 5000;
	c->dmax_s = 120;
	c->metadata_interval_ms = 60000;
	c->hostname = VCN_HOSTNAME_NAME;
	c->address = VCN_ADDRESS_UUID;
	c->per_device = true;
	copy_str(c->cgroup_root, sizeof(c->cgroup_root), "cgroup_root", "/sys/fs/cgroup");
	copy_str(c->proc_root, sizeof(c->proc_root), "proc_root", "/proc");
	copy_str(c->net_root, sizeof(c->net_root), "net_root", "/sys/class/net");
	if (gethostname(c->phys_host, sizeof(c->phys_host)) != 0)
		copy_str(c->phys_host, sizeof(c->phys_host), "phys_host", "unknown");
	c->phys_host[sizeof(c->phys_host) - 1] = '\0';
	return vcn_spoof_range_parse(VCN_SPOOF_RANGE_DEFAULT, &c->spoof_range);
}

/* Release the compiled regexes. */
void vcn_collector_conf_free(struct vcn_collector_conf *c)
{
	if (!c)
		return;
	if (c->have_include)
		regfree(&c->include);
	if (c->have_exclude)
		regfree(&c->exclude);
	c->have_include = c->have_exclude = false;
}

static int set_regex(regex_t *re, bool *have, const char *key, const char *value)
{
	regex_t fresh;
	char why[128];
	int rc = regcomp(&fresh, value, REG_EXTENDED | REG_NOSUB);

	if (rc != 0) {
		regerror(rc, &fresh, why, sizeof(why));
		vcn_err("param '%s': '%s' is not a regular expression: %s", key, value, why);
		return -EINVAL;
	}
	if (*have)
		regfree(re);
	*re = fresh;
	*have = true;
	return 0;
}

static int set_duration(uint64_t *out, const char *key, const char *value, uint64_t min_ms, uint64_t max_ms)
{
	uint64_t ms;
	int rc = vcn_parse_duration_ms(value, &ms);

	if (rc == 0 && (ms < min_ms || ms > max_ms))
		rc = -ERANGE;
	if (rc < 0) {
		vcn_err("param '%s': '%s': %s (a duration such as 15s or 500ms, %llu ms to %llu ms)",
			key, value, vcn_parse_strerror(rc), (unsigned long long)min_ms,
			(unsigned long long)max_ms);
		return rc;
	}
	*out = ms;
	return 0;
}

static int set_enum(unsigned *out, const char *const *names, unsigned n, const char *key, const char *value)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		if (strcmp(value, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	char list[128] = "";
	size_t used = 0;

	for (i = 0; i < n && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", names[i]);
	vcn_err("param '%s': '%s' is not one of: %s", key, value, list);
	return -EINVAL;
}

/* Set one parameter @key to @value. Returns 0, or -EINVAL/-ERANGE for an
 * unknown key or a bad value after logging "param 'KEY': why" once. */
int vcn_collector_conf_set(struct vcn_collector_conf *c, const char *key, const char *value)
{
	uint64_t dmax_ms;
	unsigned e;
	bool b;
	int rc;

	if (!key || !value) {
		vcn_err("param '%s': no value", key ? key : "");
		return -EINVAL;
	}
	if (strcmp(key, "uri") == 0)
		return copy_str(c->uri, sizeof(c->uri), key, value);
	if (strcmp(key, "interval") == 0)
		return set_duration(&c->interval_ms, key, value, 1000, 3600000);
	if (strcmp(key, "libvirt_timeout") == 0)
		return set_duration(&c->libvirt_timeout_ms, key, value, 100, 600000);
	if (strcmp(key, "metadata_interval") == 0)
		return set_duration(&c->metadata_interval_ms, key, value, 1000, 86400000);
	if (strcmp(key, "dmax") == 0) {
		rc = set_duration(&dmax_ms, key, value, 1000, 86400000ULL * 30);
		if (rc == 0)
			c->dmax_s = dmax_ms / 1000;
		return rc;
	}
	if (strcmp(key, "include") == 0)
		return set_regex(&c->include, &c->have_include, key, value);
	if (strcmp(key, "exclude") == 0)
		return set_regex(&c->exclude, &c->have_exclude, key, value);
	if (strcmp(key, "host_name") == 0) {
		rc = set_enum(&e, hostname_names, VCN_HOSTNAME_LAST, key, value);
		if (rc == 0)
			c->hostname = (enum vcn_hostname_mode)e;
		return rc;
	}
	if (strcmp(key, "spoof_address") == 0) {
		rc = set_enum(&e, address_names, VCN_ADDRESS_LAST, key, value);
		if (rc == 0)
			c->address = (enum vcn_address_mode)e;
		return rc;
	}
	if (strcmp(key, "spoof_range") == 0) {
		/* the parser names the value and the reason */
		return vcn_spoof_range_parse(value, &c->spoof_range);
	}
	if (strcmp(key, "per_device") == 0) {
		rc = vcn_parse_bool(value, &b);
		if (rc < 0) {
			vcn_err("param '%s': '%s' is not yes or no", key, value);
			return rc;
		}
		c->per_device = b;
		return 0;
	}
	if (strcmp(key, "cgroup_root") == 0)
		return copy_str(c->cgroup_root, sizeof(c->cgroup_root), key, value);
	if (strcmp(key, "proc_root") == 0)
		return copy_str(c->proc_root, sizeof(c->proc_root), key, value);
	if (strcmp(key, "net_root") == 0)
		return copy_str(c->net_root, sizeof(c->net_root), key, value);
	if (strcmp(key, "phys_host") == 0) {
		if (!*value) {
			vcn_err("param '%s': empty", key);
			return -EINVAL;
		}
		return copy_str(c->phys_host, sizeof(c->phys_host), key, value);
	}
	vcn_err("param '%s': unknown parameter", key);
	return -EINVAL;
}

/* Does the include/exclude filter let domain @name through? */
bool vcn_collector_conf_wants(const struct vcn_collector_conf *c, const char *name)
{
	if (c->have_include && regexec(&c->include, name, 0, NULL, 0) != 0)
		return false;
	if (c->have_exclude && regexec(&c->exclude, name, 0, NULL, 0) == 0)
		return false;
	return true;
}
