/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conn_state.h - Zeek conn.log `conn_state` from the TCP flags each side sent.
 *
 * The datapath keeps, per flow, the OR of the TCP flags each side sent and
 * which side sent the first RST. That is enough to tell Zeek's states apart
 * (https://docs.zeek.org/en/master/scripts/base/protocols/conn/main.zeek.html):
 *   S0 SYN seen, no reply        S1 established, not terminated
 *   SF established, FIN both ways REJ SYN answered by RST
 *   S2 established, only the originator sent FIN
 *   S3 established, only the responder sent FIN
 *   RSTO / RSTR  established, aborted by the originator / responder
 *   RSTOS0  originator sent SYN then RST, no SYN+ACK
 *   RSTRH   responder sent SYN+ACK then RST, originator's SYN not seen
 *   SH      originator sent SYN then FIN, no SYN+ACK
 *   SHR     responder sent SYN+ACK then FIN, originator's SYN not seen
 *   OTH     no SYN seen: midstream traffic
 */
#ifndef NT_CONN_STATE_H
#define NT_CONN_STATE_H

#include <stdint.h>

/*
 * orig/resp: OR of the flags the originator/responder sent.
 * rst_first: 0 no RST, 1 the originator sent the first RST, 2 the responder.
 * Returns a static string.
 */
const char *nt_conn_state(uint8_t orig, uint8_t resp, int rst_first);

#endif
