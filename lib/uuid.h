/* vcn: domain UUIDs, raw (16 bytes) and in libvirt's string form. */
#ifndef VCN_UUID_H
#define VCN_UUID_H

#include <stdint.h>

#define VCN_UUID_LEN    16
#define VCN_UUID_STRLEN 37 /* 36 chars + NUL */

int vcn_uuid_parse(const char *s, uint8_t uuid[VCN_UUID_LEN]);
void vcn_uuid_format(const uint8_t uuid[VCN_UUID_LEN], char out[VCN_UUID_STRLEN]);

#endif
