/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * appproto.h - application protocol from the first payload bytes of a flow.
 *
 * Content only, never the port: each rule looks for a protocol's fixed
 * opening (a banner, a preface, a magic header) that other traffic is
 * unlikely to produce by chance. When no rule is sure, the answer is
 * NT_APP_NONE and the record leaves network.protocol out.
 *
 * Every function reads at most `len` bytes of `p` and keeps no state.
 */
#ifndef NT_APPPROTO_H
#define NT_APPPROTO_H

#include <stddef.h>
#include <stdint.h>

enum nt_app {
	NT_APP_NONE = 0,
	NT_APP_TLS,
	NT_APP_HTTP,  /* HTTP/1.x request or response */
	NT_APP_HTTP2, /* cleartext HTTP/2 preface */
	NT_APP_SSH,
	NT_APP_RDP,
	NT_APP_VNC,
	NT_APP_STRATUM, /* crypto-mining JSON-RPC */
	NT_APP_SMTP,
	NT_APP_FTP,
	NT_APP_POP3,
	NT_APP_IMAP,
	NT_APP_REDIS,
	NT_APP_MQTT,
	NT_APP_DNS,  /* set by the DNS path, not by this detector */
	NT_APP_QUIC, /* set by the QUIC path (quic.c), not by this detector */
	NT_APP_MAX,
};

/* What one direction's opening said, besides the protocol. */
struct nt_app_info {
	char software[64]; /* SSH: the version string after "SSH-2.0-" */
};

/* ECS network.protocol name ("tls", "http", ...); NULL for NT_APP_NONE. */
const char *nt_app_name(enum nt_app a);

/*
 * Classifies the first bytes of one direction of a stream (or of one
 * datagram). from_client: 1 for the initiator's side, 0 for the
 * responder's (some openings only make sense one way). Fills info when
 * the protocol carries something worth reporting.
 */
enum nt_app nt_app_detect(const uint8_t *p, size_t len, int from_client, struct nt_app_info *info);

#endif
