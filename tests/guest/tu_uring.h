/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tu_uring: a minimal io_uring through raw system calls (no liburing in
 * the static guest programs): one submission at a time, waited for.
 */
#ifndef TU_URING_H
#define TU_URING_H

#include <stdint.h>
#include <stddef.h>
#include <sys/uio.h>
#include <linux/io_uring.h>

struct tu_ring {
	int fd;
	struct io_uring_params p;
	void *sq, *cq;
	struct io_uring_sqe *sqes;
	size_t sq_len, cq_len, sqes_len;
};

/* 0, or -errno of io_uring_setup (-ENOSYS: no io_uring in this kernel) */
int tu_ring_setup(struct tu_ring *r);
void tu_ring_close(struct tu_ring *r);
/* IORING_REGISTER_BUFFERS / IORING_UNREGISTER_BUFFERS: 0 or -errno */
int tu_ring_register_buffers(struct tu_ring *r, const struct iovec *iov,
			     unsigned int n);
int tu_ring_unregister_buffers(struct tu_ring *r);
/*
 * Submit one read/write-like request (IORING_OP_READ, _WRITE, _READ_FIXED,
 * _WRITE_FIXED; buf_index for the fixed ones) and wait for it: the cqe's
 * result (bytes, or -errno).  A failing io_uring_enter fails the test.
 */
int tu_ring_rw(struct tu_ring *r, int opcode, int fd, void *addr,
	       unsigned int len, uint64_t off, unsigned int buf_index);

#endif /* TU_URING_H */
