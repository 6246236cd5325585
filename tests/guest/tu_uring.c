// SPDX-License-Identifier: GPL-2.0
/* tu_uring: see tu_uring.h */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "ut.h"
#include "tu_uring.h"

#define RING_ENTRIES	4

static void *ring_map(int fd, size_t len, off_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);

	if (p == MAP_FAILED)
		UT_FAIL("mapping the io_uring rings: %s", strerror(errno));
	return p;
}

int tu_ring_setup(struct tu_ring *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = syscall(__NR_io_uring_setup, RING_ENTRIES, &r->p);
	if (r->fd < 0)
		return -errno;
	r->sq_len = r->p.sq_off.array + r->p.sq_entries * sizeof(__u32);
	r->cq_len = r->p.cq_off.cqes +
		    r->p.cq_entries * sizeof(struct io_uring_cqe);
	r->sqes_len = r->p.sq_entries * sizeof(struct io_uring_sqe);
	r->sq = ring_map(r->fd, r->sq_len, IORING_OFF_SQ_RING);
	r->cq = ring_map(r->fd, r->cq_len, IORING_OFF_CQ_RING);
	r->sqes = ring_map(r->fd, r->sqes_len, IORING_OFF_SQES);
	return 0;
}

void tu_ring_close(struct tu_ring *r)
{
	munmap(r->sq, r->sq_len);
	munmap(r->cq, r->cq_len);
	munmap(r->sqes, r->sqes_len);
	close(r->fd);
	r->fd = -1;
}

int tu_ring_register_buffers(struct tu_ring *r, const struct iovec *iov,
			     unsigned int n)
{
	if (syscall(__NR_io_uring_register, r->fd, IORING_REGISTER_BUFFERS,
		    iov, n) < 0)
		return -errno;
	return 0;
}

int tu_ring_unregister_buffers(struct tu_ring *r)
{
	if (syscall(__NR_io_uring_register, r->fd, IORING_UNREGISTER_BUFFERS,
		    NULL, 0) < 0)
		return -errno;
	return 0;
}

static __u32 *ring_u32(void *base, __u32 off)
{
	return (__u32 *)((char *)base + off);
}

int tu_ring_rw(struct tu_ring *r, int opcode, int fd, void *addr,
	       unsigned int len, uint64_t off, unsigned int buf_index)
{
	__u32 *tail = ring_u32(r->sq, r->p.sq_off.tail);
	__u32 mask = *ring_u32(r->sq, r->p.sq_off.ring_mask);
	__u32 *array = ring_u32(r->sq, r->p.sq_off.array);
	__u32 *chead = ring_u32(r->cq, r->p.cq_off.head);
	__u32 *ctail = ring_u32(r->cq, r->p.cq_off.tail);
	__u32 cmask = *ring_u32(r->cq, r->p.cq_off.ring_mask);
	struct io_uring_cqe *cqes =
		(struct io_uring_cqe *)((char *)r->cq + r->p.cq_off.cqes);
	__u32 t = *tail, h;
	struct io_uring_sqe *sqe = &r->sqes[t & mask];
	int res;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = opcode;
	sqe->fd = fd;
	sqe->addr = (unsigned long)addr;
	sqe->len = len;
	sqe->off = off;
	sqe->buf_index = buf_index;
	array[t & mask] = t & mask;
	__atomic_store_n(tail, t + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0)
		UT_FAIL("io_uring_enter: %s", strerror(errno));
	h = *chead;
	if (__atomic_load_n(ctail, __ATOMIC_ACQUIRE) == h)
		UT_FAIL("io_uring_enter returned without a completion");
	res = cqes[h & cmask].res;
	__atomic_store_n(chead, h + 1, __ATOMIC_RELEASE);
	return res;
}
