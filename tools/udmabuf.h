/* SPDX-License-Identifier: GPL-2.0 */
/*
 * udmabuf command: what its files share.
 */
#ifndef UDMABUF_TOOL_H
#define UDMABUF_TOOL_H

#include <stdint.h>
#include <stdio.h>
#include <udmabuf.h>

/* exit status (documented in udmabuf --help and udmabuf(1)) */
#define EX_OK		0	/* success */
#define EX_FAIL		1	/* the driver or the system refused */
#define EX_USAGE	2	/* bad command, option, size or value */
#define EX_NOMODULE	3	/* the u-dma-buf module is not loaded */
#define EX_NOBUF	4	/* no such buffer */
#define EX_PERM		5	/* permission denied */
#define EX_EXISTS	6	/* the name (or minor) is in use */

extern const char *prog;

void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "4096", "0x1000", "4K", "1M", "2GiB": 0, or -1 (bad syntax or overflow) */
int parse_size(const char *s, uint64_t *v);
/* a size as people write it: "1 MiB" when exact, else bytes */
const char *human_size(uint64_t v, char *buf, size_t len);

/* open a buffer; on failure explain and return the exit status (> 0) */
int open_buffer(const char *name, unsigned int flags,
		struct udmabuf_buffer **out);
/* open the manager; on failure explain, return the exit status */
int open_manager(struct udmabuf_manager **out);
/* the message and exit status for "the module is not loaded" */
int no_module(void);

/* JSON output */
void json_string(FILE *f, const char *s);

int cmd_bench(int argc, char **argv);

#endif /* UDMABUF_TOOL_H */
