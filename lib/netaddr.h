/* vcn: addresses derived from names: locally administered MACs for VCNs. */
#ifndef VCN_NETADDR_H
#define VCN_NETADDR_H

#include <stddef.h>
#include <stdint.h>

#define VCN_MAC_STRLEN 18

uint64_t vcn_hash64(const void *data, size_t len);
void vcn_mac_derive(const char *seed, uint8_t mac[6]);
void vcn_mac_format(const uint8_t mac[6], char out[VCN_MAC_STRLEN]);

#endif
