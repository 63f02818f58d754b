/* SPDX-License-Identifier: BSD-2-Clause */
/* netutil.h - address formatting and classification for records. */
#ifndef NT_NETUTIL_H
#define NT_NETUTIL_H

#include <stddef.h>
#include <stdint.h>

#define NT_ADDRSTRLEN 46

/* Formats a 16-byte address (IPv4-mapped when ip_version == 4). */
size_t nt_addr_fmt(char out[NT_ADDRSTRLEN], int ip_version, const uint8_t addr[16]);

/* 1 when the address is private to a site: RFC 1918, CGNAT 100.64/10,
 * loopback, link-local, RFC 4193 fc00::/7, fe80::/10, ::1. */
int nt_addr_is_private(int ip_version, const uint8_t addr[16]);

/* ECS network.direction from the source and destination addresses:
 * internal, outbound, inbound or external. Returns a static string. */
/* ECS network.direction from whether each end is inside (the cluster, or
 * the private ranges). */
const char *nt_direction_of(int src_inside, int dst_inside);
const char *nt_direction(int ip_version, const uint8_t src[16], const uint8_t dst[16]);

/* ECS network.transport name ("tcp", "ipv6-icmp"...) or NULL if unnamed. */
const char *nt_transport_name(uint8_t proto);

#endif
