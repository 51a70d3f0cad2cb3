/* vcn: strict parsers for configuration values and command-line arguments.
 * Each returns 0, or -EINVAL (garbage, trailing characters, empty) or -ERANGE
 * (out of the stated bounds); none logs: the caller knows file:line. */
#ifndef VCN_PARSE_H
#define VCN_PARSE_H

#include <stdbool.h>
#include <stdint.h>

int vcn_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int vcn_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out);
int vcn_parse_double(const char *s, double min, double max, double *out);
int vcn_parse_bool(const char *s, bool *out);
int vcn_parse_duration_ms(const char *s, uint64_t *out_ms);
int vcn_parse_size(const char *s, uint64_t *out_bytes);
int vcn_parse_mac(const char *s, uint8_t mac[6]);
int vcn_parse_ipv4(const char *s, uint32_t *addr);
int vcn_parse_ipv4_cidr(const char *s, uint32_t *addr, unsigned *prefix);
bool vcn_name_valid(const char *s);
const char *vcn_parse_strerror(int rc);

#endif
