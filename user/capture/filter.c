// SPDX-License-Identifier: BSD-2-Clause
/*
 * filter.c - a capture's --filter: pcap-filter syntax compiled by libpcap
 * (pcap_compile) for both link types a capture sees (Ethernet; raw IP on
 * L3 interfaces), run on each selected packet with pcap_offline_filter,
 * after the kernel's pre-selection.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture_int.h"

struct cap_filter {
	pcap_t *dead[2]; /* [l2]: raw IP, Ethernet */
	struct bpf_program prog[2];
	int compiled[2];
};

int cap_filter_compile(struct cap_sess *s, char *err, size_t errlen)
{
	static const int dlt[2] = { DLT_RAW, DLT_EN10MB };
	struct cap_filter *f;

	if (!s->req.filter[0])
		return 0;
	f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "out of memory compiling the filter");
		return -1;
	}
	s->filter = f;
	for (int l2 = 1; l2 >= 0; l2--) {
		f->dead[l2] = pcap_open_dead(dlt[l2], NT_CAP_DEF_SNAPLEN);
		if (!f->dead[l2])
			continue;
		if (pcap_compile(f->dead[l2], &f->prog[l2], s->req.filter, 1,
				 PCAP_NETMASK_UNKNOWN) == 0) {
			f->compiled[l2] = 1;
		} else if (l2) {
			/* an Ethernet-only filter ("ether host") fails for raw IP
			 * alone: those packets are then filtered out */
			snprintf(err, errlen, "bad filter '%.200s': %s", s->req.filter,
				 pcap_geterr(f->dead[l2]));
			return -1;
		}
	}
	return 0;
}

int cap_filter_match(const struct cap_sess *s, int l2, const uint8_t *pkt, uint32_t caplen,
		     uint32_t len)
{
	const struct cap_filter *f = s->filter;
	struct pcap_pkthdr ph = { .caplen = caplen, .len = len };

	if (!f)
		return 1;
	return f->compiled[l2] && pcap_offline_filter(&f->prog[l2], &ph, pkt) != 0;
}

void cap_filter_free(struct cap_sess *s)
{
	struct cap_filter *f = s->filter;

	if (!f)
		return;
	for (int l2 = 0; l2 < 2; l2++) {
		if (f->compiled[l2])
			pcap_freecode(&f->prog[l2]);
		if (f->dead[l2])
			pcap_close(f->dead[l2]);
	}
	free(f);
	s->filter = NULL;
}
