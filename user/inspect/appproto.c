// SPDX-License-Identifier: BSD-2-Clause
/* appproto.c - application protocol detection by content. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include "appproto.h"

#include <string.h>

static const char *const names[NT_APP_MAX] = {
	[NT_APP_TLS] = "tls",	      [NT_APP_HTTP] = "http", [NT_APP_HTTP2] = "http",
	[NT_APP_SSH] = "ssh",	      [NT_APP_RDP] = "rdp",   [NT_APP_VNC] = "vnc",
	[NT_APP_STRATUM] = "stratum", [NT_APP_SMTP] = "smtp", [NT_APP_FTP] = "ftp",
	[NT_APP_POP3] = "pop3",	      [NT_APP_IMAP] = "imap", [NT_APP_REDIS] = "redis",
	[NT_APP_MQTT] = "mqtt",	      [NT_APP_DNS] = "dns",   [NT_APP_QUIC] = "quic",
};

const char *nt_app_name(enum nt_app a)
{
	return a > NT_APP_NONE && a < NT_APP_MAX ? names[a] : NULL;
}

static int starts(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	return len >= n && !memcmp(p, s, n);
}

/* The first line, up to CRLF/LF, if it is complete within len. */
static size_t line_len(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len && i < 2048; i++)
		if (p[i] == '\n')
			return i;
	return 0;
}

/* "METHOD SP target SP HTTP/1.x" (RFC 9112 request line). */
static int http_request(const uint8_t *p, size_t len)
{
	static const char *const methods[] = {
		"GET ",	    "POST ",  "PUT ",	  "HEAD ",  "DELETE ",
		"OPTIONS ", "PATCH ", "CONNECT ", "TRACE ",
	};
	size_t n = line_len(p, len), m = 0;

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (starts(p, len, methods[i]))
			m = strlen(methods[i]);
	if (!m || n < m + 10)
		return 0;
	if (p[n - 1] == '\r')
		n--;
	return n > m + 9 && !memcmp(p + n - 9, " HTTP/1.", 8) &&
	       (p[n - 1] == '0' || p[n - 1] == '1');
}

/* "HTTP/1.x ddd " status line. */
static int http_response(const uint8_t *p, size_t len)
{
	return len >= 13 && starts(p, len, "HTTP/1.") && (p[7] == '0' || p[7] == '1') &&
	       p[8] == ' ' && p[9] >= '1' && p[9] <= '5' && p[10] >= '0' && p[10] <= '9' &&
	       p[11] >= '0' && p[11] <= '9' && (p[12] == ' ' || p[12] == '\r');
}

/* "SSH-2.0-softwareversion SP comments CR LF" (RFC 4253 4.2). */
static int ssh_banner(const uint8_t *p, size_t len, struct nt_app_info *info)
{
	size_t off, i;

	if (starts(p, len, "SSH-2.0-"))
		off = 8;
	else if (starts(p, len, "SSH-1.99-"))
		off = 9;
	else
		return 0;
	for (i = off; i < len && i - off < sizeof(info->software) - 1; i++) {
		uint8_t c = p[i];

		if (c == ' ' || c == '\r' || c == '\n')
			break;
		if (c < 0x21 || c > 0x7e)
			return 0; /* the spec allows printable US-ASCII only */
	}
	if (i == off)
		return 0;
	if (info) {
		memcpy(info->software, p + off, i - off);
		info->software[i - off] = 0;
	}
	return 1;
}

/* TPKT (version 3) carrying an X.224 Connection Request / Confirm. */
static int rdp(const uint8_t *p, size_t len, int from_client)
{
	uint16_t tlen;

	if (len < 11 || p[0] != 3 || p[1] != 0)
		return 0;
	tlen = (uint16_t)(p[2] << 8 | p[3]);
	if (tlen < 11 || p[4] != tlen - 5)
		return 0; /* X.224 length indicator covers the rest */
	return (p[5] & 0xf0) == (from_client ? 0xe0 : 0xd0);
}

/* "RFB 003.008\n": the server speaks first, the client echoes a version. */
static int vnc(const uint8_t *p, size_t len)
{
	return len >= 12 && starts(p, len, "RFB ") && p[4] >= '0' && p[4] <= '9' && p[7] == '.' &&
	       p[11] == '\n';
}

/* Mining JSON-RPC: a JSON object naming a stratum method. */
static int stratum(const uint8_t *p, size_t len)
{
	static const char *const methods[] = {
		"\"mining.subscribe\"", "\"mining.authorize\"",	     "\"mining.notify\"",
		"\"mining.submit\"",	"\"mining.set_difficulty\"", "\"login\"",
		"\"eth_submitLogin\"",
	};
	size_t n = len < 1024 ? len : 1024;

	if (!n || p[0] != '{' || !memmem(p, n, "\"method\"", 8))
		return 0;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (memmem(p, n, methods[i], strlen(methods[i])))
			return 1;
	return 0;
}

/* "220 host ESMTP..." (server) or EHLO/HELO (client). */
static enum nt_app text_banner(const uint8_t *p, size_t len, int from_client)
{
	size_t n = line_len(p, len);

	if (!n)
		return NT_APP_NONE;
	if (from_client)
		return starts(p, len, "EHLO ") || starts(p, len, "HELO ") ? NT_APP_SMTP :
									    NT_APP_NONE;
	if (starts(p, len, "220 ") || starts(p, len, "220-")) {
		if (memmem(p, n, "SMTP", 4))
			return NT_APP_SMTP;
		if (memmem(p, n, "FTP", 3))
			return NT_APP_FTP;
		return NT_APP_NONE;
	}
	if (starts(p, len, "+OK") && memmem(p, n, "POP3", 4))
		return NT_APP_POP3;
	if (starts(p, len, "* OK") && memmem(p, n, "IMAP", 4))
		return NT_APP_IMAP;
	return NT_APP_NONE;
}

/* RESP array of bulk strings: "*<n>\r\n$<len>\r\n" (client). */
static int redis(const uint8_t *p, size_t len)
{
	size_t i = 1;

	if (len < 8 || p[0] != '*' || p[1] < '1' || p[1] > '9')
		return 0;
	while (i < len && i < 6 && p[i] >= '0' && p[i] <= '9')
		i++;
	return i + 3 < len && p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '$' &&
	       p[i + 3] >= '0' && p[i + 3] <= '9';
}

/* MQTT CONNECT: fixed header 0x10, then protocol name "MQTT" or "MQIsdp". */
static int mqtt(const uint8_t *p, size_t len)
{
	size_t i = 1;

	if (len < 10 || p[0] != 0x10)
		return 0;
	while (i < 5 && i < len && (p[i] & 0x80))
		i++; /* remaining length, variable byte integer */
	i++;
	return i + 6 <= len && p[i] == 0 &&
	       ((p[i + 1] == 4 && !memcmp(p + i + 2, "MQTT", 4)) ||
		(p[i + 1] == 6 && i + 8 <= len && !memcmp(p + i + 2, "MQIsdp", 6)));
}

enum nt_app nt_app_detect(const uint8_t *p, size_t len, int from_client, struct nt_app_info *info)
{
	enum nt_app a;

	if (!p || len < 3)
		return NT_APP_NONE;
	/* TLS record: handshake (22), version 3.0-3.4, ClientHello (1) from
	 * the client or ServerHello (2) from the server */
	if (p[0] == 0x16 && p[1] == 3 && p[2] <= 4 && len >= 6 && p[5] == (from_client ? 1 : 2))
		return NT_APP_TLS;
	if (starts(p, len, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"))
		return NT_APP_HTTP2;
	if (from_client ? http_request(p, len) : http_response(p, len))
		return NT_APP_HTTP;
	if (ssh_banner(p, len, info))
		return NT_APP_SSH;
	if (rdp(p, len, from_client))
		return NT_APP_RDP;
	if (vnc(p, len))
		return NT_APP_VNC;
	if (stratum(p, len))
		return NT_APP_STRATUM;
	a = text_banner(p, len, from_client);
	if (a != NT_APP_NONE)
		return a;
	if (from_client && redis(p, len))
		return NT_APP_REDIS;
	if (from_client && mqtt(p, len))
		return NT_APP_MQTT;
	return NT_APP_NONE;
}
