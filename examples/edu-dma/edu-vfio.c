// SPDX-License-Identifier: GPL-2.0
/*
 * edu-vfio: a user-space driver for QEMU's "edu" PCI device through VFIO,
 * moving data between a u-dma-buf buffer and the device's memory.
 *
 * With VFIO the device works in an I/O address space of its own (an IOMMU
 * domain owned by the VFIO container): it can reach exactly what the
 * program maps there with VFIO_IOMMU_MAP_DMA, at I/O virtual addresses
 * (IOVAs) the program chooses.  So the u-dma-buf buffer is NOT bound to the
 * device (a bound buffer is mapped into the DMA domain of the device's
 * kernel driver, which vfio-pci replaces); the program maps the buffer into
 * its own address space with mmap(2) and hands that mapping to VFIO, which
 * pins its pages (a long-term pin) and enters them into the IOMMU.  The
 * buffer's phys_addr is not used here: the device is programmed with the
 * IOVA.  The mapping must be page-backed: a buffer from the buddy
 * allocator or an ordinary zone (every parameter or manager buffer that is
 * not CMA; see "Allocation" in docs/design.md).  Mappings of CMA buffers
 * are refused by VFIO (EFAULT), and with quirk_mmap_mode=4 would hang
 * the pin: do not use CMA buffers with VFIO.
 *
 * VFIO only allows DMA that is cache coherent, so no u-dma-buf sync is
 * needed: open the buffer without O_SYNC (a cached mapping).
 *
 * Steps (each printed):
 *  1. find edu (PCI 1234:11e8) and bind it to vfio-pci (driver_override);
 *  2. open its IOMMU group and a type1 container, get the device fd;
 *  3. map BAR0 through the device fd, enable bus mastering through the
 *     config space region;
 *  4. map the buffer (/dev/NAME) and enter it into the container at the
 *     IOVA (VFIO_IOMMU_MAP_DMA);
 *  5. route the device's interrupt (INTx) to an eventfd (not with --poll);
 *  6. per round: fill the first half of the buffer with a pattern, DMA it
 *     into the device (RAM -> edu), DMA it back into the second half
 *     (edu -> RAM), wait for each transfer's interrupt (or poll the command
 *     register) and compare, through the mapping and through read(2);
 *  7. undo it all: interrupts off, bus mastering off, VFIO_IOMMU_UNMAP_DMA
 *     (the pages are unpinned: delete the buffer only after that).
 *
 * Exit status 0 only if every round's data matched; 1 on a mismatch, 2 on
 * any other error.  Needs: root, an IOMMU (intel_iommu=on, SMMUv3, ...)
 * with interrupt remapping (or vfio_iommu_type1 allow_unsafe_interrupts=1),
 * the modules vfio-pci and u-dma-buf, and a buffer:
 *
 *	modprobe vfio-pci
 *	insmod u-dma-buf.ko udmabuf0=65536
 *	edu-vfio -d udmabuf0 -n 4095 -r 3
 *
 * Afterwards edu stays bound to vfio-pci; to give it back:
 *	echo > /sys/bus/pci/devices/<BDF>/driver_override
 *	echo <BDF> > /sys/bus/pci/drivers/vfio-pci/unbind
 *
 * Build: gcc -O2 -Wall -o edu-vfio edu-vfio.c
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

/* ---- the edu device (QEMU docs/specs/edu.rst) ---- */
#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_REG_ID		0x00	/* 32-bit: 0xRRrr00ed */
#define EDU_REG_IRQ_STATUS	0x24	/* 32-bit: raised interrupt bits */
#define EDU_REG_IRQ_ACK		0x64	/* 32-bit: write bits to clear them */
#define EDU_REG_DMA_SRC		0x80	/* 64-bit DMA registers */
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_DMA_START		0x1	/* cmd: start; reads 1 while running */
#define EDU_DMA_TO_RAM		0x2	/* cmd: device -> RAM (else RAM -> device) */
#define EDU_DMA_IRQ		0x4	/* cmd: raise EDU_IRQ_DMA when done */
#define EDU_IRQ_DMA		0x100	/* interrupt status bit of a DMA */
#define EDU_BUF_ADDR		0x40000	/* the device's 4 KiB buffer, device side */
/* QEMU 7.2 aborts on a 4096-byte transfer (off by one): 4095 at most */
#define EDU_DMA_MAX		4095
#define EDU_TIMEOUT_MS		5000	/* one transfer takes ~100 ms */

/*
 * Default IOVA: inside edu's default 28-bit DMA reach, clear of the MSI
 * window that arm64 reserves at 0x8000000 and of x86's at 0xfee00000.
 */
#define DEFAULT_IOVA		0x1000000ULL

struct edu {
	char bdf[64];		/* 0000:00:04.0 */
	int container;		/* /dev/vfio/vfio */
	int group;		/* /dev/vfio/<group> */
	int device;		/* VFIO device fd */
	volatile uint8_t *bar0;
	size_t bar0_size;
	off_t config;		/* offset of the config space in the device fd */
	int irq;		/* eventfd of INTx, or -1 (polling) */
};

struct buffer {
	const char *name;	/* u-dma-buf device name */
	int fd;
	uint8_t *map;
	size_t size;
	uint64_t iova;		/* where VFIO maps it for the device */
	int dma_mapped;
};

static const char *prog = "edu-vfio";

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", prog);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* an error with errno's text; returns -1 for "return fail(...)" */
static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
	return -1;
}

/* ---- sysfs ---- */
static int read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int write_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -1;
	n = write(fd, text, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static int read_u64(const char *path, uint64_t *val)
{
	char text[64], *end;

	if (read_text(path, text, sizeof(text)))
		return -1;
	errno = 0;
	*val = strtoull(text, &end, 0);
	if (errno || end == text) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* the last component of a symlink's target ("" if there is no link) */
static void link_name(const char *path, char *name, size_t len)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	const char *base;

	name[0] = '\0';
	if (n < 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) < len)
		memcpy(name, base, strlen(base) + 1);
}

/* ---- step 1: find edu and give it to vfio-pci ---- */
static int find_edu(char *bdf, size_t len)
{
	char path[PATH_MAX];
	uint64_t vendor, device;
	struct dirent *d;
	DIR *dir = opendir("/sys/bus/pci/devices");

	if (!dir)
		return fail("/sys/bus/pci/devices");
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			 d->d_name);
		if (read_u64(path, &vendor) || vendor != EDU_VENDOR)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 d->d_name);
		if (read_u64(path, &device) || device != EDU_DEVICE)
			continue;
		if (strlen(d->d_name) >= len)
			continue;
		memcpy(bdf, d->d_name, strlen(d->d_name) + 1);
		closedir(dir);
		return 0;
	}
	closedir(dir);
	errno = ENODEV;
	return fail("no PCI device %04x:%04x (QEMU: -device edu)",
		    EDU_VENDOR, EDU_DEVICE);
}

static int bind_vfio_pci(const char *bdf)
{
	char path[PATH_MAX], drv[64];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	link_name(path, drv, sizeof(drv));
	if (strcmp(drv, "vfio-pci") == 0) {
		say("%s is bound to vfio-pci already", bdf);
		return 0;
	}
	if (access("/sys/bus/pci/drivers/vfio-pci", F_OK)) {
		errno = ENOENT;
		return fail("no driver vfio-pci (modprobe vfio-pci)");
	}
	/* driver_override: only vfio-pci may take it from now on */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 bdf);
	if (write_text(path, "vfio-pci"))
		return fail("%s", path);
	if (drv[0]) {
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/driver/unbind", bdf);
		if (write_text(path, bdf))
			return fail("unbind %s from %s", bdf, drv);
		say("%s unbound from %s", bdf, drv);
	}
	if (write_text("/sys/bus/pci/drivers_probe", bdf))
		return fail("/sys/bus/pci/drivers_probe %s", bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	link_name(path, drv, sizeof(drv));
	if (strcmp(drv, "vfio-pci") != 0) {
		errno = ENODEV;
		return fail("%s: vfio-pci did not take it (IOMMU off?)", bdf);
	}
	say("%s bound to vfio-pci", bdf);
	return 0;
}

/* ---- step 2: group, container, device ---- */
static int open_vfio(struct edu *edu)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[PATH_MAX], group[32];
	int type;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 edu->bdf);
	link_name(path, group, sizeof(group));
	if (!group[0]) {
		errno = ENODEV;
		return fail("%s has no IOMMU group (IOMMU off?)", edu->bdf);
	}
	edu->container = open("/dev/vfio/vfio", O_RDWR);
	if (edu->container < 0)
		return fail("/dev/vfio/vfio");
	if (ioctl(edu->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		errno = EPROTO;
		return fail("VFIO API version");
	}
	if (ioctl(edu->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0)
		type = VFIO_TYPE1v2_IOMMU;
	else if (ioctl(edu->container, VFIO_CHECK_EXTENSION,
		       VFIO_TYPE1_IOMMU) > 0)
		type = VFIO_TYPE1_IOMMU;
	else {
		errno = ENODEV;
		return fail("no type1 IOMMU (modprobe vfio_iommu_type1)");
	}

	snprintf(path, sizeof(path), "/dev/vfio/%s", group);
	edu->group = open(path, O_RDWR);
	if (edu->group < 0)
		return fail("%s", path);
	if (ioctl(edu->group, VFIO_GROUP_GET_STATUS, &status))
		return fail("VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		return fail("IOMMU group %s: another device of it has a driver",
			    group);
	}
	if (ioctl(edu->group, VFIO_GROUP_SET_CONTAINER, &edu->container))
		return fail("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(edu->container, VFIO_SET_IOMMU, type))
		return fail("VFIO_SET_IOMMU (no interrupt remapping? see vfio_iommu_type1 allow_unsafe_interrupts)");
	edu->device = ioctl(edu->group, VFIO_GROUP_GET_DEVICE_FD, edu->bdf);
	if (edu->device < 0)
		return fail("VFIO_GROUP_GET_DEVICE_FD %s", edu->bdf);
	say("IOMMU group %s in a %s container, device fd open", group,
	    type == VFIO_TYPE1v2_IOMMU ? "type1v2" : "type1");
	return 0;
}

/* ---- step 3: registers and config space ---- */
static uint32_t rd32(struct edu *edu, unsigned int reg)
{
	return *(volatile uint32_t *)(edu->bar0 + reg);
}

static void wr32(struct edu *edu, unsigned int reg, uint32_t val)
{
	*(volatile uint32_t *)(edu->bar0 + reg) = val;
}

static uint64_t rd64(struct edu *edu, unsigned int reg)
{
	return *(volatile uint64_t *)(edu->bar0 + reg);
}

static void wr64(struct edu *edu, unsigned int reg, uint64_t val)
{
	*(volatile uint64_t *)(edu->bar0 + reg) = val;
}

/*
 * Order the CPU's stores to the buffer before the store that starts the
 * device, and the device's completion before the CPU's loads of the data
 * (as the kernel's wmb()/rmb() around MMIO do).
 */
static void barrier_before_doorbell(void)
{
#if defined(__aarch64__) || defined(__arm__)
	__asm__ volatile("dsb st" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

static void barrier_after_completion(void)
{
#if defined(__aarch64__)
	__asm__ volatile("dsb ld" ::: "memory");
#elif defined(__arm__)
	__asm__ volatile("dsb" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

static int map_registers(struct edu *edu)
{
	struct vfio_region_info bar = {
		.argsz = sizeof(bar), .index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	uint16_t cmd;
	void *p;

	if (ioctl(edu->device, VFIO_DEVICE_GET_REGION_INFO, &bar))
		return fail("VFIO_DEVICE_GET_REGION_INFO BAR0");
	if (!(bar.flags & VFIO_REGION_INFO_FLAG_MMAP) || bar.size < 0x100) {
		errno = EINVAL;
		return fail("BAR0 cannot be mapped (flags 0x%x, %llu bytes)",
			    bar.flags, (unsigned long long)bar.size);
	}
	p = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 edu->device, (off_t)bar.offset);
	if (p == MAP_FAILED)
		return fail("mmap BAR0");
	edu->bar0 = p;
	edu->bar0_size = bar.size;
	say("BAR0 mapped: %llu bytes, id register 0x%08x",
	    (unsigned long long)bar.size, rd32(edu, EDU_REG_ID));

	if (ioctl(edu->device, VFIO_DEVICE_GET_REGION_INFO, &cfg))
		return fail("VFIO_DEVICE_GET_REGION_INFO config");
	edu->config = (off_t)cfg.offset;
	if (pread(edu->device, &cmd, sizeof(cmd), edu->config + PCI_COMMAND) !=
	    sizeof(cmd))
		return fail("read PCI_COMMAND");
	/* the device may only master the bus (do DMA) with this bit */
	cmd |= PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY;
	if (pwrite(edu->device, &cmd, sizeof(cmd), edu->config + PCI_COMMAND) !=
	    sizeof(cmd))
		return fail("write PCI_COMMAND");
	if (pread(edu->device, &cmd, sizeof(cmd), edu->config + PCI_COMMAND) !=
	    sizeof(cmd))
		return fail("read PCI_COMMAND");
	if (!(cmd & PCI_COMMAND_MASTER)) {
		errno = EIO;
		return fail("bus mastering did not switch on");
	}
	say("bus mastering on (PCI command 0x%04x)", cmd);
	return 0;
}

static void bus_master_off(struct edu *edu)
{
	uint16_t cmd;

	if (pread(edu->device, &cmd, sizeof(cmd), edu->config + PCI_COMMAND) ==
	    sizeof(cmd)) {
		cmd &= ~PCI_COMMAND_MASTER;
		if (pwrite(edu->device, &cmd, sizeof(cmd),
			   edu->config + PCI_COMMAND) != sizeof(cmd))
			fail("write PCI_COMMAND");
	}
}

/* ---- step 4: the buffer in the device's I/O address space ---- */
static int map_buffer(struct edu *edu, struct buffer *buf)
{
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	char path[PATH_MAX];
	uint64_t size, phys;
	void *p;

	snprintf(path, sizeof(path), "/sys/class/u-dma-buf/%s/size", buf->name);
	if (read_u64(path, &size))
		return fail("%s", path);
	snprintf(path, sizeof(path), "/sys/class/u-dma-buf/%s/phys_addr",
		 buf->name);
	if (read_u64(path, &phys))
		return fail("%s", path);
	/* VFIO maps whole pages */
	buf->size = (size_t)size & ~((size_t)sysconf(_SC_PAGESIZE) - 1);
	snprintf(path, sizeof(path), "/dev/%s", buf->name);
	buf->fd = open(path, O_RDWR);	/* no O_SYNC: VFIO DMA is coherent */
	if (buf->fd < 0)
		return fail("%s", path);
	p = mmap(NULL, buf->size, PROT_READ | PROT_WRITE, MAP_SHARED, buf->fd,
		 0);
	if (p == MAP_FAILED)
		return fail("mmap %s", path);
	buf->map = p;
	say("buffer %s: %zu bytes mapped (its phys_addr 0x%" PRIx64
	    " is not used: the device sees the IOVA)", path, buf->size, phys);

	map.vaddr = (uintptr_t)buf->map;
	map.iova = buf->iova;
	map.size = buf->size;
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	if (ioctl(edu->container, VFIO_IOMMU_MAP_DMA, &map))
		return fail("VFIO_IOMMU_MAP_DMA %zu bytes at IOVA 0x%" PRIx64
			    " (EFAULT: a CMA buffer's mapping cannot be pinned)",
			    buf->size, buf->iova);
	buf->dma_mapped = 1;
	say("VFIO_IOMMU_MAP_DMA: the buffer is at IOVA 0x%" PRIx64
	    "..0x%" PRIx64 " for the device (pages pinned)", buf->iova,
	    buf->iova + buf->size - 1);
	return 0;
}

static void unmap_buffer(struct edu *edu, struct buffer *buf)
{
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };

	if (buf->dma_mapped) {
		unmap.iova = buf->iova;
		unmap.size = buf->size;
		if (ioctl(edu->container, VFIO_IOMMU_UNMAP_DMA, &unmap))
			fail("VFIO_IOMMU_UNMAP_DMA");
		else
			say("VFIO_IOMMU_UNMAP_DMA: %llu bytes unmapped, pages unpinned",
			    (unsigned long long)unmap.size);
		buf->dma_mapped = 0;
	}
	if (buf->map)
		munmap(buf->map, buf->size);
	if (buf->fd >= 0)
		close(buf->fd);
}

/* ---- step 5: the interrupt ---- */
/* one VFIO_DEVICE_SET_IRQS on INTx: action, and an eventfd or none */
static int set_intx(struct edu *edu, uint32_t action, int fd, uint32_t count)
{
	union {
		struct vfio_irq_set set;
		uint8_t raw[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	} u;
	int32_t efd = fd;

	memset(&u, 0, sizeof(u));
	u.set.argsz = sizeof(u.set);
	u.set.flags = action | VFIO_IRQ_SET_DATA_NONE;
	u.set.index = VFIO_PCI_INTX_IRQ_INDEX;
	u.set.start = 0;
	u.set.count = count;
	if (fd >= 0) {
		u.set.argsz = sizeof(u.raw);
		u.set.flags = action | VFIO_IRQ_SET_DATA_EVENTFD;
		memcpy(u.set.data, &efd, sizeof(efd));
	}
	return ioctl(edu->device, VFIO_DEVICE_SET_IRQS, &u.set);
}

static int setup_irq(struct edu *edu)
{
	struct vfio_irq_info info = {
		.argsz = sizeof(info), .index = VFIO_PCI_INTX_IRQ_INDEX,
	};

	if (ioctl(edu->device, VFIO_DEVICE_GET_IRQ_INFO, &info))
		return fail("VFIO_DEVICE_GET_IRQ_INFO INTx");
	if (info.count < 1 || !(info.flags & VFIO_IRQ_INFO_EVENTFD)) {
		errno = ENOTSUP;
		return fail("INTx cannot signal an eventfd");
	}
	edu->irq = eventfd(0, EFD_CLOEXEC);
	if (edu->irq < 0)
		return fail("eventfd");
	if (set_intx(edu, VFIO_IRQ_SET_ACTION_TRIGGER, edu->irq, 1))
		return fail("VFIO_DEVICE_SET_IRQS INTx -> eventfd");
	say("INTx signals an eventfd");
	return 0;
}

/*
 * Wait for the completion interrupt: the eventfd counts it, the device's
 * interrupt status must show the DMA bit; clear it in the device, then let
 * VFIO unmask the line (it masks INTx when it fires).
 */
static int wait_irq(struct edu *edu)
{
	struct pollfd pfd = { .fd = edu->irq, .events = POLLIN };
	uint64_t events;
	uint32_t status;
	int n = poll(&pfd, 1, EDU_TIMEOUT_MS);

	if (n <= 0) {
		errno = n ? errno : ETIMEDOUT;
		return fail("no interrupt within %d ms", EDU_TIMEOUT_MS);
	}
	if (read(edu->irq, &events, sizeof(events)) != sizeof(events))
		return fail("read eventfd");
	status = rd32(edu, EDU_REG_IRQ_STATUS);
	if (!(status & EDU_IRQ_DMA)) {
		errno = EIO;
		return fail("interrupt without the DMA status bit (0x%x)",
			    status);
	}
	wr32(edu, EDU_REG_IRQ_ACK, status);
	if (set_intx(edu, VFIO_IRQ_SET_ACTION_UNMASK, -1, 1))
		return fail("VFIO_DEVICE_SET_IRQS unmask INTx");
	return 0;
}

static int wait_poll(struct edu *edu)
{
	struct timespec start, now, nap = { 0, 1000000 };

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (rd64(edu, EDU_REG_DMA_CMD) & EDU_DMA_START) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000 > EDU_TIMEOUT_MS) {
			errno = ETIMEDOUT;
			return fail("DMA still running after %d ms",
				    EDU_TIMEOUT_MS);
		}
		nanosleep(&nap, NULL);
	}
	return 0;
}

/* ---- step 6: one transfer, then the round trip ---- */
static int edu_dma(struct edu *edu, uint64_t src, uint64_t dst, size_t count,
		   int to_ram)
{
	uint64_t cmd = EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0);

	if (edu->irq >= 0)
		cmd |= EDU_DMA_IRQ;
	barrier_before_doorbell();
	wr64(edu, EDU_REG_DMA_SRC, src);
	wr64(edu, EDU_REG_DMA_DST, dst);
	wr64(edu, EDU_REG_DMA_COUNT, count);
	wr64(edu, EDU_REG_DMA_CMD, cmd);
	if (edu->irq >= 0 ? wait_irq(edu) : wait_poll(edu))
		return -1;
	barrier_after_completion();
	return 0;
}

static void fill_pattern(uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

#define POISON 0xa5

/* returns 0 (match), 1 (mismatch) or -1 (error) */
static int round_trip(struct edu *edu, struct buffer *buf, size_t count,
		      int round)
{
	size_t half = (buf->size / 2) & ~(size_t)4095;
	uint8_t *src = buf->map, *dst = buf->map + half;
	uint8_t *want = malloc(count);
	size_t i, tail = half - count < 64 ? half - count : 64;

	if (!want)
		return fail("malloc");
	fill_pattern(want, count, (uint32_t)round);
	memcpy(src, want, count);
	/* poison the destination and a little after it */
	memset(dst, POISON, count + tail);

	say("round %d: %zu bytes RAM (IOVA 0x%" PRIx64 ") -> edu 0x%x",
	    round, count, buf->iova, EDU_BUF_ADDR);
	if (edu_dma(edu, buf->iova, EDU_BUF_ADDR, count, 0))
		goto err;
	say("round %d: %zu bytes edu 0x%x -> RAM (IOVA 0x%" PRIx64 ")",
	    round, count, EDU_BUF_ADDR, buf->iova + half);
	if (edu_dma(edu, EDU_BUF_ADDR, buf->iova + half, count, 1))
		goto err;

	for (i = 0; i < count; i++) {
		if (dst[i] != want[i]) {
			say("round %d: MISMATCH at byte %zu of %zu: 0x%02x, expected 0x%02x",
			    round, i, count, dst[i], want[i]);
			free(want);
			return 1;
		}
	}
	for (i = 0; i < tail; i++) {
		if (dst[count + i] != POISON) {
			say("round %d: MISMATCH: byte %zu after the transfer was written",
			    round, i);
			free(want);
			return 1;
		}
	}
	/*
	 * read(2) goes through the driver's own view of the buffer: the
	 * pages VFIO pinned through the mapping are the buffer's memory
	 */
	if (pread(buf->fd, want, count, (off_t)half) != (ssize_t)count) {
		fail("pread %s", buf->name);
		goto err;
	}
	if (memcmp(want, dst, count) != 0) {
		say("round %d: MISMATCH: read(2) of the buffer differs from its mapping",
		    round);
		free(want);
		return 1;
	}
	say("round %d: the %zu bytes read back through the mapping and read(2) match",
	    round, count);
	free(want);
	return 0;
err:
	free(want);
	return -1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s [-d NAME] [-D BDF] [-i IOVA] [-n BYTES] [-r ROUNDS] [--poll]\n"
		"  -d NAME    u-dma-buf buffer /dev/NAME (default udmabuf0);\n"
		"             at least 2 pages, page-backed (not CMA)\n"
		"  -D BDF     the edu device (default: the first %04x:%04x)\n"
		"  -i IOVA    I/O virtual address for the buffer, page aligned\n"
		"             (default 0x%llx)\n"
		"  -n BYTES   bytes per transfer, 1..%d (default %d)\n"
		"  -r ROUNDS  round trips, each with another pattern (default 2)\n"
		"  --poll     poll the command register instead of waiting for\n"
		"             the interrupt\n",
		prog, EDU_VENDOR, EDU_DEVICE, DEFAULT_IOVA, EDU_DMA_MAX,
		EDU_DMA_MAX);
	exit(2);
}

static unsigned long long number(const char *text)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 0);
	if (errno || end == text || *end)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "poll", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct edu edu = { .container = -1, .group = -1, .device = -1,
			   .irq = -1 };
	struct buffer buf = { .name = "udmabuf0", .fd = -1,
			      .iova = DEFAULT_IOVA };
	unsigned long long count = EDU_DMA_MAX, rounds = 2;
	int poll_mode = 0, c, r, rc = 2, mismatches = 0;

	while ((c = getopt_long(argc, argv, "d:D:i:n:r:ph", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'd':
			buf.name = optarg;
			break;
		case 'D':
			snprintf(edu.bdf, sizeof(edu.bdf), "%s", optarg);
			break;
		case 'i':
			buf.iova = number(optarg);
			break;
		case 'n':
			count = number(optarg);
			break;
		case 'r':
			rounds = number(optarg);
			break;
		case 'p':
			poll_mode = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || count < 1 || count > EDU_DMA_MAX ||
	    rounds < 1 || rounds > 1000 || buf.iova % 4096)
		usage();

	if (!edu.bdf[0] && find_edu(edu.bdf, sizeof(edu.bdf)))
		goto out;
	say("edu at %s", edu.bdf);
	if (bind_vfio_pci(edu.bdf) || open_vfio(&edu) || map_registers(&edu) ||
	    map_buffer(&edu, &buf))
		goto out;
	if ((buf.size / 2 & ~(size_t)4095) < count) {
		errno = EINVAL;
		fail("%s: %zu bytes hold no two halves of %llu bytes",
		     buf.name, buf.size, count);
		goto out;
	}
	if (poll_mode)
		say("completion by polling the command register");
	else if (setup_irq(&edu))
		goto out;

	for (r = 1; r <= (int)rounds; r++) {
		int res = round_trip(&edu, &buf, count, r);

		if (res < 0)
			goto out;
		mismatches += res;
	}
	rc = mismatches ? 1 : 0;
	if (rc)
		say("FAILED: %d of %llu rounds did not match", mismatches,
		    rounds);
	else
		say("OK: %llu round trips of %llu bytes matched", rounds,
		    count);
out:
	if (edu.irq >= 0) {
		set_intx(&edu, VFIO_IRQ_SET_ACTION_TRIGGER, -1, 0);
		close(edu.irq);
	}
	if (edu.bar0) {
		bus_master_off(&edu);
		munmap((void *)edu.bar0, edu.bar0_size);
	}
	unmap_buffer(&edu, &buf);
	if (edu.device >= 0)
		close(edu.device);
	if (edu.group >= 0)
		close(edu.group);
	if (edu.container >= 0)
		close(edu.container);
	return rc;
}
