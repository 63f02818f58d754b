// SPDX-License-Identifier: BSD-2-Clause
/* Application protocol detection: each opening recognized, near misses not. */
#include <criterion/criterion.h>
#include <string.h>
#include "appproto.h"

static enum nt_app det(const char *s, size_t n, int client)
{
	struct nt_app_info info = { { 0 } };

	return nt_app_detect((const uint8_t *)s, n, client, &info);
}

#define DET(lit, client) det(lit, sizeof(lit) - 1, client)

Test(appproto, tls)
{
	/* record header + handshake header of a ClientHello / ServerHello */
	cr_expect_eq(DET("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 1), NT_APP_TLS);
	cr_expect_eq(DET("\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03", 0), NT_APP_TLS);
	/* a ServerHello from the client side, or an alert, is not an opening */
	cr_expect_eq(DET("\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03", 1), NT_APP_NONE);
	cr_expect_eq(DET("\x15\x03\x03\x00\x02\x02\x28", 1), NT_APP_NONE);
	cr_expect_eq(DET("\x16\x03\x09\x00\x7a\x01\x00", 1), NT_APP_NONE);
	cr_expect_str_eq(nt_app_name(NT_APP_TLS), "tls");
}

Test(appproto, http)
{
	cr_expect_eq(DET("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n", 1), NT_APP_HTTP);
	cr_expect_eq(DET("POST /api/v1/items HTTP/1.0\r\n", 1), NT_APP_HTTP);
	cr_expect_eq(DET("CONNECT example.com:443 HTTP/1.1\r\n", 1), NT_APP_HTTP);
	cr_expect_eq(DET("HTTP/1.1 200 OK\r\nServer: x\r\n", 0), NT_APP_HTTP);
	cr_expect_eq(DET("HTTP/1.0 404 Not Found\r\n", 0), NT_APP_HTTP);
	cr_expect_eq(DET("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04", 1), NT_APP_HTTP2);
	cr_expect_str_eq(nt_app_name(NT_APP_HTTP2), "http");
	/* near misses */
	cr_expect_eq(DET("GET /index.html HTTP/2.5\r\n", 1), NT_APP_NONE);
	cr_expect_eq(DET("GET /no-version\r\n", 1), NT_APP_NONE);
	cr_expect_eq(DET("GET /incomplete-line HTTP/1.1", 1), NT_APP_NONE);
	cr_expect_eq(DET("get / HTTP/1.1\r\n", 1), NT_APP_NONE);
	cr_expect_eq(DET("HTTP/1.1 999 What\r\n", 0), NT_APP_NONE);
	cr_expect_eq(DET("HTTP/1.1 200 OK\r\n", 1), NT_APP_NONE);
}

Test(appproto, ssh_with_software)
{
	struct nt_app_info info = { { 0 } };
	const char *b = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";

	cr_expect_eq(nt_app_detect((const uint8_t *)b, strlen(b), 1, &info), NT_APP_SSH);
	cr_expect_str_eq(info.software, "OpenSSH_9.2p1");
	b = "SSH-1.99-Cisco-1.25\r\n";
	cr_expect_eq(nt_app_detect((const uint8_t *)b, strlen(b), 0, &info), NT_APP_SSH);
	cr_expect_str_eq(info.software, "Cisco-1.25");
	cr_expect_eq(DET("SSH-2.0-\r\n", 1), NT_APP_NONE);
	cr_expect_eq(DET("SSH-2.0-bad\x01name\r\n", 1), NT_APP_NONE);
	cr_expect_eq(DET("SSH-3.0-x\r\n", 1), NT_APP_NONE);
}

Test(appproto, rdp)
{
	/* TPKT len 19, X.224 LI 14, CR (0xE0), then an RDP negotiation request */
	static const char cr[] = "\x03\x00\x00\x13\x0e\xe0\x00\x00\x00\x00\x00"
				 "\x01\x00\x08\x00\x03\x00\x00\x00";
	static const char cc[] = "\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00"
				 "\x02\x00\x08\x00\x02\x00\x00\x00";

	cr_expect_eq(det(cr, sizeof(cr) - 1, 1), NT_APP_RDP);
	cr_expect_eq(det(cc, sizeof(cc) - 1, 0), NT_APP_RDP);
	cr_expect_eq(det(cr, sizeof(cr) - 1, 0), NT_APP_NONE);
	cr_expect_eq(DET("\x03\x00\x00\x13\x0d\xe0\x00\x00\x00\x00\x00", 1), NT_APP_NONE);
}

Test(appproto, vnc_stratum)
{
	cr_expect_eq(DET("RFB 003.008\n", 0), NT_APP_VNC);
	cr_expect_eq(DET("RFB 003.008\n", 1), NT_APP_VNC);
	cr_expect_eq(DET("RFB 3.8\n", 0), NT_APP_NONE);
	cr_expect_eq(
		DET("{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"cgminer/4.10\"]}\n",
		    1),
		NT_APP_STRATUM);
	cr_expect_eq(
		DET("{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"4A..\"}}\n",
		    1),
		NT_APP_STRATUM);
	cr_expect_eq(DET("{\"id\":1,\"method\":\"getblock\"}", 1), NT_APP_NONE);
	cr_expect_eq(DET("{\"login\":\"x\"}", 1), NT_APP_NONE); /* no method */
}

Test(appproto, text_banners)
{
	cr_expect_eq(DET("220 mail.example.com ESMTP Postfix\r\n", 0), NT_APP_SMTP);
	cr_expect_eq(DET("EHLO client.example.com\r\n", 1), NT_APP_SMTP);
	cr_expect_eq(DET("220 (vsFTPd 3.0.3) FTP ready\r\n", 0), NT_APP_FTP);
	cr_expect_eq(DET("220 welcome\r\n", 0), NT_APP_NONE);
	cr_expect_eq(DET("+OK POP3 server ready\r\n", 0), NT_APP_POP3);
	cr_expect_eq(DET("* OK [CAPABILITY IMAP4rev1] ready\r\n", 0), NT_APP_IMAP);
	cr_expect_eq(DET("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", 1), NT_APP_REDIS);
	cr_expect_eq(DET("*x\r\n", 1), NT_APP_NONE);
}

Test(appproto, mqtt)
{
	static const char c311[] = "\x10\x10\x00\x04MQTT\x04\x02\x00\x3c\x00\x04test";

	cr_expect_eq(det(c311, sizeof(c311) - 1, 1), NT_APP_MQTT);
	cr_expect_eq(DET("\x10\x10\x00\x04MQTX\x04\x02", 1), NT_APP_NONE);
}

Test(appproto, unsure_is_none)
{
	unsigned char junk[256];

	for (int i = 0; i < 256; i++)
		junk[i] = (unsigned char)(i * 37 + 11);
	cr_expect_eq(nt_app_detect(junk, sizeof(junk), 1, NULL), NT_APP_NONE);
	cr_expect_eq(nt_app_detect(NULL, 0, 1, NULL), NT_APP_NONE);
	cr_expect_eq(DET("hi", 1), NT_APP_NONE);
	cr_expect_null(nt_app_name(NT_APP_NONE));
	/* every prefix of a real opening is safe to look at */
	const char *b = "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n";
	for (size_t n = 0; n < strlen(b); n++)
		(void)nt_app_detect((const uint8_t *)b, n, 1, NULL);
}
