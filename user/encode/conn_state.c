// SPDX-License-Identifier: BSD-2-Clause
#include "conn_state.h"
#include "nettrail.h"

const char *nt_conn_state(uint8_t orig, uint8_t resp, int rst_first)
{
	/* flags are OR'd over the flow: a SYN from the originator is its
	 * opening SYN, a SYN from the responder is its SYN+ACK */
	int o_syn = (orig & NT_TCP_SYN) != 0;
	int r_synack = (resp & NT_TCP_SYN) != 0;
	int o_fin = orig & NT_TCP_FIN, r_fin = resp & NT_TCP_FIN;
	int o_rst = orig & NT_TCP_RST, r_rst = resp & NT_TCP_RST;

	if (o_syn && r_synack) {
		if (o_rst || r_rst) {
			if (o_rst && r_rst)
				return rst_first == 2 ? "RSTR" : "RSTO";
			return o_rst ? "RSTO" : "RSTR";
		}
		if (o_fin && r_fin)
			return "SF";
		if (o_fin)
			return "S2";
		if (r_fin)
			return "S3";
		return "S1";
	}
	if (o_syn) {
		if (r_rst)
			return "REJ";
		if (o_rst)
			return "RSTOS0";
		if (o_fin)
			return "SH";
		return "S0";
	}
	if (r_synack) {
		if (r_rst)
			return "RSTRH";
		if (r_fin)
			return "SHR";
	}
	return "OTH";
}
