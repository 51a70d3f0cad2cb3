/* Strict value parsers: "12x" is an error, not 12 (STYLE.md rule 6). */
#include <config.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* Parse a decimal unsigned integer in [min, max]. Leading '+', '-', spaces
 * and any trailing characters are rejected. */
int vcn_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* vcn_parse_u64 for unsigned int targets. */
int vcn_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;
	int rc = vcn_parse_u64(s, min, max, &v);

	if (rc == 0)
		*out = (unsigned)v;
	return rc;
}

/* Parse a finite decimal number in [min, max] ("0.95", "-1", "1e3"). */
int vcn_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || end == s || !isfinite(v))
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* yes/no, true/false, on/off, 1/0 (case-insensitive), as gmond.conf allows. */
int vcn_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Split "123unit" into a number and its unit suffix; the number must be
 * present and the suffix must be one of @units (matched exactly). */
static int parse_with_unit(const char *s, const char *const *units,
			   const uint64_t *mult, size_t n, uint64_t *out)
{
	char num[32];
	size_t len = 0, i;
	uint64_t v;
	int rc;

	if (!s)
		return -EINVAL;
	while (isdigit((unsigned char)s[len]))
		len++;
	if (len == 0 || len >= sizeof(num))
		return len ? -ERANGE : -EINVAL;
	memcpy(num, s, len);
	num[len] = '\0';
	rc = vcn_parse_u64(num, 0, UINT64_MAX, &v);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (strcmp(s + len, units[i]) == 0) {
			if (mult[i] && v > UINT64_MAX / mult[i])
				return -ERANGE;
			*out = v * mult[i];
			return 0;
		}
	}
	return -EINVAL;
}

/* Durations: "250ms", "15s", "2m", "1h"; a bare number means seconds. */
int vcn_parse_duration_ms(const char *s, uint64_t *out_ms)
{
	static const char *const units[] = { "", "ms", "s", "m", "h" };
	static const uint64_t mult[] = { 1000, 1, 1000, 60000, 3600000 };

	return parse_with_unit(s, units, mult, 5, out_ms);
}

/* Sizes in bytes with binary suffixes: "512", "64K", "128M", "2G", "1T"
 * (also "KiB", "MiB", ...). */
int vcn_parse_size(const char *s, uint64_t *out_bytes)
{
	static const char *const units[] = { "", "K", "M", "G", "T", "KiB", "MiB", "GiB", "TiB" };
	static const uint64_t mult[] = { 1, 1ULL << 10, 1ULL << 20, 1ULL << 30, 1ULL << 40,
					 1ULL << 10, 1ULL << 20, 1ULL << 30, 1ULL << 40 };

	return parse_with_unit(s, units, mult, 9, out_bytes);
}

/* "aa:bb:cc:dd:ee:ff" (hex, either case); multicast addresses are refused
 * because no NIC may have one. */
int vcn_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned i;

	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		char hex[3] = { p[0], p[1], '\0' };

		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
			return -EINVAL;
		if (i < 5 && p[2] != ':')
			return -EINVAL;
		mac[i] = (uint8_t)strtoul(hex, NULL, 16);
	}
	if (mac[0] & 0x01)
		return -ERANGE;
	return 0;
}

/* "10.1.2.3" into a host-order address (strict dotted quad, inet_pton). */
int vcn_parse_ipv4(const char *s, uint32_t *addr)
{
	struct in_addr in;

	if (!s || inet_pton(AF_INET, s, &in) != 1)
		return -EINVAL;
	*addr = ntohl(in.s_addr);
	return 0;
}

/* "10.1.2.3/24" into a host-order address and a prefix length 0..32. */
int vcn_parse_ipv4_cidr(const char *s, uint32_t *addr, unsigned *prefix)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash;
	struct in_addr in;
	size_t len;
	int rc;

	if (!s || !(slash = strchr(s, '/')))
		return -EINVAL;
	len = (size_t)(slash - s);
	if (len == 0 || len >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, len);
	ip[len] = '\0';
	if (inet_pton(AF_INET, ip, &in) != 1)
		return -EINVAL;
	rc = vcn_parse_uint(slash + 1, 0, 32, prefix);
	if (rc < 0)
		return rc;
	*addr = ntohl(in.s_addr);
	return 0;
}

/* VCN, VO and host names end up in domain names, file names, Ganglia host
 * names and log lines: 1-63 of [A-Za-z0-9._-], starting with a letter or digit. */
bool vcn_name_valid(const char *s)
{
	size_t i;

	if (!s || !isalnum((unsigned char)s[0]))
		return false;
	for (i = 0; s[i]; i++) {
		if (i >= 63)
			return false;
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	}
	return true;
}

/* A short phrase for a parser's return code, for "file:line: KEY: phrase". */
const char *vcn_parse_strerror(int rc)
{
	switch (rc) {
	case 0:
		return "ok";
	case -EINVAL:
		return "not a valid value";
	case -ERANGE:
		return "out of range";
	default:
		return "cannot parse";
	}
}
