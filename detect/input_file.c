// SPDX-License-Identifier: BSD-2-Clause
/* input_file.c - the file (and stdin) and in-memory implementations of dt_input. */
#include "input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct file_input {
	struct dt_input base;
	FILE *f;
	bool is_stdin;
	char *buf;
	size_t cap;
};

static int file_next(struct dt_input *in, const char **line, size_t *len)
{
	struct file_input *fi = (struct file_input *)in;
	ssize_t n = getline(&fi->buf, &fi->cap, fi->f);

	if (n < 0)
		return ferror(fi->f) ? -1 : 0;
	while (n > 0 && (fi->buf[n - 1] == '\n' || fi->buf[n - 1] == '\r'))
		fi->buf[--n] = 0;
	*line = fi->buf;
	*len = (size_t)n;
	return 1;
}

static void file_close(struct dt_input *in)
{
	struct file_input *fi = (struct file_input *)in;

	if (!fi->is_stdin)
		fclose(fi->f);
	free(fi->buf);
	free(fi);
}

struct dt_input *dt_input_file_open(const char *path, char *err, size_t errlen)
{
	struct file_input *fi = calloc(1, sizeof(*fi));

	if (!fi)
		return NULL;
	fi->is_stdin = !strcmp(path, "-");
	fi->f = fi->is_stdin ? stdin : fopen(path, "r");
	if (!fi->f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(fi);
		return NULL;
	}
	/* 1 MiB reads: a 4 KiB buffer was a read(2) every three records */
	setvbuf(fi->f, NULL, _IOFBF, 1 << 20);
	fi->base.next = file_next;
	fi->base.close = file_close;
	fi->base.name = "file";
	return &fi->base;
}

struct mem_input {
	struct dt_input base;
	char *text, *pos;
};

static int mem_next(struct dt_input *in, const char **line, size_t *len)
{
	struct mem_input *mi = (struct mem_input *)in;
	char *nl;

	if (!*mi->pos)
		return 0;
	nl = strchr(mi->pos, '\n');
	*line = mi->pos;
	if (nl) {
		*nl = 0;
		*len = (size_t)(nl - mi->pos);
		mi->pos = nl + 1;
	} else {
		*len = strlen(mi->pos);
		mi->pos += *len;
	}
	return 1;
}

static void mem_close(struct dt_input *in)
{
	struct mem_input *mi = (struct mem_input *)in;

	free(mi->text);
	free(mi);
}

struct dt_input *dt_input_mem_open(const char *text)
{
	struct mem_input *mi = calloc(1, sizeof(*mi));

	if (!mi)
		return NULL;
	mi->text = mi->pos = strdup(text);
	mi->base.next = mem_next;
	mi->base.close = mem_close;
	mi->base.name = "mem";
	return &mi->base;
}

struct dt_input *dt_input_open(const char *spec, char *err, size_t errlen)
{
	if (!strncmp(spec, "file:", 5))
		return dt_input_file_open(spec + 5, err, errlen);
	snprintf(err, errlen, "unknown input '%s' (this version reads file:PATH or file:-)", spec);
	return NULL;
}
