// SPDX-License-Identifier: GPL-2.0
/*
 * pkg-lib: the package test's program against the installed library
 * packages (scripts/check-package.sh, when libudmabuf-dev and
 * libudmabuf0 were built): compiled in build/pkgroot with
 * `gcc pkg-lib.c -ludmabuf` (header and link from libudmabuf-dev), run in
 * the guest (the shared library from libudmabuf0).
 *
 *   pkg-lib <name> <expected size in bytes>
 *
 * Opens the buffer through the library and checks its size and that its
 * DMA address is not 0.  Prints "ok ..." or "error: ...".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <udmabuf.h>

int main(int argc, char **argv)
{
	struct udmabuf_buffer *buf;
	uint64_t size, addr, want;

	if (argc != 3) {
		fprintf(stderr, "usage: %s <name> <size>\n", argv[0]);
		return 2;
	}
	want = strtoull(argv[2], NULL, 0);
	buf = udmabuf_buffer_open(argv[1], 0);
	if (!buf) {
		printf("error: udmabuf_buffer_open(%s): %s\n", argv[1], strerror(errno));
		return 1;
	}
	size = udmabuf_buffer_get_size(buf);
	addr = udmabuf_buffer_get_dma_addr(buf);
	udmabuf_buffer_close(buf);
	if (size != want || addr == 0) {
		printf("error: %s: size %" PRIu64 " (expected %" PRIu64 "), DMA address 0x%" PRIx64 "\n",
		       argv[1], size, want, addr);
		return 1;
	}
	printf("ok libudmabuf %s: %s is %" PRIu64 " bytes at 0x%" PRIx64 "\n",
	       udmabuf_api_version(), argv[1], size, addr);
	return 0;
}
