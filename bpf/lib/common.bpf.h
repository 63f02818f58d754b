/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * common.bpf.h - what every nettrail BPF program includes first: the
 * kernel's types (vmlinux.h), libbpf's helpers, errno values, and the few
 * constants vmlinux.h cannot carry (uapi macros are not in BTF).
 */
#ifndef NT_BPF_LIB_COMMON_H
#define NT_BPF_LIB_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
/* plain #defines (EEXIST, ENOENT...), nothing that clashes with vmlinux.h */
#include <asm-generic/errno-base.h>

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/*
 * Protocol numbers: vmlinux.h has the IPPROTO_* enum of <linux/in.h>
 * (IPPROTO_TCP, _UDP, _ICMP, _SCTP, _AH...); <linux/in6.h> adds its own as
 * macros. The IPv6 extension headers are NEXTHDR_* in ipv6.bpf.h.
 */
#define IPPROTO_ICMPV6 58

#endif /* NT_BPF_LIB_COMMON_H */
