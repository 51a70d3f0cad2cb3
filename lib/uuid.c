/* UUIDs as libvirt prints them: 8-4-4-4-12 hex digits.  libvirt itself also
 * accepts hex without dashes and with stray dashes; we take the canonical
 * form and the 32-digit form, since that is what virDomainGetUUIDString and
 * domain XML give us, and reject anything else rather than guess. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "uuid.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse @s ("6695eb01-f6a4-8304-79aa-97f2502e193f" or the same 32 hex digits
 * without dashes, either case) into @uuid.  Returns 0, or -EINVAL for NULL,
 * wrong length, misplaced dashes or non-hex characters; @uuid is untouched on
 * error.  Does not log: the caller knows where the string came from. */
int vcn_uuid_parse(const char *s, uint8_t uuid[VCN_UUID_LEN])
{
	uint8_t tmp[VCN_UUID_LEN];
	size_t len, i, n = 0;
	int dashed, hi, lo;

	if (!s)
		return -EINVAL;
	len = strlen(s);
	if (len == 36)
		dashed = 1;
	else if (len == 32)
		dashed = 0;
	else
		return -EINVAL;
	for (i = 0; i < len; ) {
		if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (s[i] != '-')
				return -EINVAL;
			i++;
			continue;
		}
		hi = hexval(s[i]);
		lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		tmp[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	if (n != VCN_UUID_LEN)
		return -EINVAL;
	memcpy(uuid, tmp, sizeof(tmp));
	return 0;
}

/* Canonical lower-case dashed form of @uuid into @out (NUL-terminated). */
void vcn_uuid_format(const uint8_t uuid[VCN_UUID_LEN], char out[VCN_UUID_STRLEN])
{
	const uint8_t *u = uuid;

	snprintf(out, VCN_UUID_STRLEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7],
		 u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}
