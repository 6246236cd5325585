/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libudmabuf: the user-space library of u-dma-buf.
 *
 * u-dma-buf (a Linux kernel module) allocates physically contiguous DMA
 * buffers and hands them to user space as /dev/<name>, with their
 * attributes in /sys/class/u-dma-buf/<name>/.  This library opens such a
 * buffer, tells its size and addresses, maps it, syncs it for the CPU or a
 * device, creates and deletes buffers through /dev/u-dma-buf-mgr and lists
 * them, so that programs need not parse sysfs themselves.
 *
 * Compatibility.  The library speaks the ioctl interface (version 2, the
 * established ikwzm/u-dma-buf driver from v4.7 on, and this driver) and
 * falls back to sysfs for everything when the driver has no ioctls (the
 * established driver before v4.7).  Which one a buffer handle uses is
 * decided when it is opened (GET_DRV_INFO answers or not) and reported by
 * udmabuf_buffer_get_ioctl_version().  Setting the environment variable
 * LIBUDMABUF_NO_IOCTL=1, or passing UDMABUF_OPEN_NO_IOCTL, forces the
 * sysfs path (to test a program against an older driver).
 *
 * ABI.  Shared library libudmabuf.so.0 (SONAME), every symbol versioned
 * LIBUDMABUF_0.  Within major version 0 symbols are only ever added; a
 * change of an existing function's meaning or signature gets a new SONAME.
 * All objects are opaque: their layout is not part of the ABI.
 *
 * Errors.  Functions returning int return a non-negative value on success
 * and a negative errno value on failure (errno is set to the same, positive
 * value).  Functions returning a pointer return NULL and set errno.  The
 * library never prints and never exits.
 *
 * Thread safety.  Functions that take no handle (udmabuf_list_read(),
 * udmabuf_driver_is_loaded(), udmabuf_api_version()) may be called from any
 * thread at any time.  A handle (buffer, map, manager, list) may be used by
 * several threads at once only for the calls marked "read-only" below (the
 * getters of values fixed at open); everything else on one handle must be
 * serialised by the caller (a mutex, or one handle per thread).  Separate
 * handles are independent, also when they name the same buffer: the driver
 * serialises syncs itself.  A sync whose range cannot be packed into one
 * request (offset at or above 4 GiB, or more than 4 GiB - 16 bytes) goes
 * through the buffer's stored sync settings and restores them afterwards;
 * that sequence is not atomic against another process changing the stored
 * settings at the same moment.
 *
 * Link with -ludmabuf (pkg-config --cflags --libs libudmabuf).
 */
#ifndef UDMABUF_H
#define UDMABUF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The library's version as "MAJOR.MINOR.PATCH" (MAJOR = SONAME number). */
const char *udmabuf_api_version(void);

/* ------------------------------------------------------------------ */
/* The driver                                                          */
/* ------------------------------------------------------------------ */

/**
 * udmabuf_driver_is_loaded() - is a u-dma-buf driver present?
 *
 * Return: 1 when the u-dma-buf sysfs class (/sys/class/u-dma-buf, or
 * /sys/class/udmabuf of the established driver before v2) or the manager
 * /dev/u-dma-buf-mgr exists, else 0.  Use it to tell "no such buffer" from
 * "the module is not loaded" (modprobe u-dma-buf).
 */
int udmabuf_driver_is_loaded(void);

/* ------------------------------------------------------------------ */
/* Buffers                                                             */
/* ------------------------------------------------------------------ */

/** An open buffer: /dev/<name> and its sysfs attributes. */
struct udmabuf_buffer;

/** DMA directions, as the driver numbers them (sync_direction). */
enum udmabuf_direction {
	UDMABUF_DIR_BIDIRECTIONAL = 0,	/* clean and invalidate */
	UDMABUF_DIR_TO_DEVICE = 1,	/* the CPU wrote, the device reads */
	UDMABUF_DIR_FROM_DEVICE = 2,	/* the device wrote, the CPU reads */
};

/** Who owns the buffer after the last sync (sync_owner). */
enum udmabuf_owner {
	UDMABUF_OWNER_CPU = 0,
	UDMABUF_OWNER_DEVICE = 1,
};

/* flags of udmabuf_buffer_open() */
/** open(2) with O_SYNC: read()/write() sync, and maps default to it. */
#define UDMABUF_OPEN_SYNC	(1u << 0)
/** open(2) read-only (maps and writes are refused by the kernel). */
#define UDMABUF_OPEN_RDONLY	(1u << 1)
/** Use only sysfs, as for a driver without ioctls (tests, old drivers). */
#define UDMABUF_OPEN_NO_IOCTL	(1u << 2)

/**
 * udmabuf_buffer_open() - open a buffer by name or by path.
 * @name: a buffer name ("udmabuf0": /dev/udmabuf0) or, when it contains a
 *        '/', the path of its device node (any node of that device works).
 * @flags: UDMABUF_OPEN_* or 0 (read-write, cached).
 *
 * The node is opened (O_RDWR unless UDMABUF_OPEN_RDONLY, O_CLOEXEC) and its
 * sysfs directory found through its device number, so a buffer whose
 * directory moved (one bound to a parent device) is found too.  What does
 * not change while the buffer exists (size, DMA address, coherency) is
 * read now.
 *
 * Return: a handle, or NULL with errno: ENOENT (no such buffer: no node),
 * EACCES (no permission for the node: see the udev rule), ENODEV (the node
 * is not a u-dma-buf buffer), EINVAL (bad name or flags), ENOMEM.
 */
struct udmabuf_buffer *udmabuf_buffer_open(const char *name,
					   unsigned int flags);

/** udmabuf_buffer_close() - close the handle (NULL is allowed). */
void udmabuf_buffer_close(struct udmabuf_buffer *buf);

/** The buffer's name ("udmabuf0").  Read-only. */
const char *udmabuf_buffer_get_name(const struct udmabuf_buffer *buf);
/** The path the node was opened by ("/dev/udmabuf0").  Read-only. */
const char *udmabuf_buffer_get_path(const struct udmabuf_buffer *buf);
/** The sysfs directory of the buffer ("/sys/dev/char/M:m").  Read-only. */
const char *udmabuf_buffer_get_sysfs_path(const struct udmabuf_buffer *buf);
/** The open file descriptor of the node (owned by the handle).  Read-only. */
int udmabuf_buffer_get_fd(const struct udmabuf_buffer *buf);
/** The size in bytes.  Read-only. */
uint64_t udmabuf_buffer_get_size(const struct udmabuf_buffer *buf);
/**
 * The DMA address: what a device is given (sysfs phys_addr, ioctl 3).
 * Behind an IOMMU or a bus offset it differs from the CPU physical address.
 * Read-only.
 */
uint64_t udmabuf_buffer_get_dma_addr(const struct udmabuf_buffer *buf);

/**
 * udmabuf_buffer_get_cpu_phys_addr() - the CPU physical address.
 * @addr: where to store it.
 *
 * Return: 0, or -EOPNOTSUPP when the driver does not tell it (the
 * established driver has neither ioctl 11 nor sysfs cpu_phys_addr; its
 * phys_addr is then the best guess).  Read-only.
 */
int udmabuf_buffer_get_cpu_phys_addr(const struct udmabuf_buffer *buf,
				     uint64_t *addr);

/**
 * Is the device DMA-coherent (no cache maintenance needed)?  1 or 0, or
 * -EOPNOTSUPP when the driver does not say.  Read-only.
 */
int udmabuf_buffer_is_dma_coherent(const struct udmabuf_buffer *buf);

/**
 * The DMA mask of the buffer's device in bits (32, 64, ...), or
 * -EOPNOTSUPP on the sysfs path (only ioctl 7 reports it).  Read-only.
 */
int udmabuf_buffer_get_dma_mask_bits(const struct udmabuf_buffer *buf);

/**
 * The quirk-mmap mode (1 off, 2 on, 3 auto, 4 page), or -EOPNOTSUPP when
 * the driver does not report one.  Read-only.
 */
int udmabuf_buffer_get_mmap_mode(const struct udmabuf_buffer *buf);

/**
 * The ioctl interface version this handle uses: 2 (or more) when the
 * driver answers ioctls, 0 when every request goes through sysfs.
 * Read-only.
 */
int udmabuf_buffer_get_ioctl_version(const struct udmabuf_buffer *buf);

/** The driver's version ("5.5.0"), or NULL when it is unknown.  Read-only. */
const char *udmabuf_buffer_get_driver_version(const struct udmabuf_buffer *buf);

/**
 * udmabuf_buffer_get_sync_mode() - the cache mode of mappings (0..7).
 *
 * 0/4 cached, 1 uncached with O_SYNC, 2 write-combine with O_SYNC, 3
 * dma-coherent with O_SYNC, 5-7 as 1-3 also without O_SYNC (see the
 * driver's documentation; x86 maps every mode write-back).  It applies to
 * mappings made after it was set.
 *
 * Return: the mode or -errno.
 */
int udmabuf_buffer_get_sync_mode(struct udmabuf_buffer *buf);

/**
 * udmabuf_buffer_set_sync_mode() - set the cache mode (0..7).
 *
 * Written to sysfs sync_mode (root, or whoever the udev rule lets write
 * it); where that is refused and the mode is not 0, through ioctl 9.
 *
 * Return: 0 or -errno (-EINVAL for a mode outside 0..7).
 */
int udmabuf_buffer_set_sync_mode(struct udmabuf_buffer *buf, int mode);

/**
 * udmabuf_buffer_get_sync_owner() - who owns the buffer after the last
 * sync: UDMABUF_OWNER_CPU or UDMABUF_OWNER_DEVICE, or -errno.
 */
int udmabuf_buffer_get_sync_owner(struct udmabuf_buffer *buf);

/**
 * udmabuf_buffer_get_sync_settings() - the stored sync settings.
 * @offset, @size, @direction: where to store them (any may be NULL).
 *
 * The stored settings are what a sync of "1" (sysfs) uses; this library's
 * sync functions always name their range and do not need them.
 *
 * Return: 0 or -errno.
 */
int udmabuf_buffer_get_sync_settings(struct udmabuf_buffer *buf,
				     uint64_t *offset, uint64_t *size,
				     int *direction);

/**
 * udmabuf_buffer_set_sync_settings() - store sync offset, size, direction.
 * @size: 1..buffer size; @offset + @size must lie within the buffer.
 *
 * Return: 0 or -errno (-EINVAL for a bad range or direction).
 */
int udmabuf_buffer_set_sync_settings(struct udmabuf_buffer *buf,
				     uint64_t offset, uint64_t size,
				     int direction);

/**
 * udmabuf_buffer_sync_for_cpu() - give a range back to the CPU.
 * @offset, @size: the range in bytes; size 0 is an empty range (no cache
 *        maintenance, the owner still changes).
 * @direction: UDMABUF_DIR_*; FROM_DEVICE or BIDIRECTIONAL invalidate the
 *        CPU caches of the range on a non-coherent machine.
 *
 * Call it after a device wrote the range and before the CPU reads it.  The
 * range is rounded out to 16 bytes (the driver's granularity); cache
 * maintenance itself works on whole cache lines, so keep data the device
 * writes and data the CPU writes in separate cache lines.  Through ioctl 5
 * or, without ioctls, sysfs sync_for_cpu.
 *
 * Return: 0 or -errno (-EINVAL: range outside the buffer, bad direction;
 * -ENODEV: the buffer's device is gone).
 */
int udmabuf_buffer_sync_for_cpu(struct udmabuf_buffer *buf, uint64_t offset,
				uint64_t size, int direction);

/**
 * udmabuf_buffer_sync_for_device() - hand a range to the device.
 *
 * Call it after the CPU wrote the range and before a device reads it
 * (cache clean on a non-coherent machine).  Arguments and errors as
 * udmabuf_buffer_sync_for_cpu().
 */
int udmabuf_buffer_sync_for_device(struct udmabuf_buffer *buf,
				   uint64_t offset, uint64_t size,
				   int direction);

/**
 * udmabuf_buffer_read() - read() from the buffer at an offset.
 *
 * Loops over short reads; stops at the end of the buffer.  With
 * UDMABUF_OPEN_SYNC (or sync_mode 4..7) the driver syncs the range for
 * the CPU first.
 *
 * Return: the number of bytes read (0 at the end) or -errno.
 */
int64_t udmabuf_buffer_read(struct udmabuf_buffer *buf, uint64_t offset,
			    void *dst, size_t len);

/**
 * udmabuf_buffer_write() - write() into the buffer at an offset.
 *
 * Return: the number of bytes written (short at the end of the buffer) or
 * -errno (-ENOSPC when offset is at or past the end).
 */
int64_t udmabuf_buffer_write(struct udmabuf_buffer *buf, uint64_t offset,
			     const void *src, size_t len);

/**
 * udmabuf_buffer_export() - export a range as a dma-buf (ioctl 10).
 * @offset: page aligned; @size: page aligned or to the end, 0 = to the end.
 * @fd_flags: flags of the new fd: O_CLOEXEC, O_RDONLY/O_WRONLY/O_RDWR,
 *        O_SYNC (its mappings follow the O_SYNC cache kind).
 * @dma_addr: if not NULL, the DMA address of the range's first byte.
 *
 * Return: the new dma-buf file descriptor (the caller closes it), or
 * -errno: -EOPNOTSUPP when the driver cannot export (no ioctl 10, a
 * driver without ioctls, or a buffer without struct pages), -EINVAL.
 */
int udmabuf_buffer_export(struct udmabuf_buffer *buf, uint64_t offset,
			  uint64_t size, int fd_flags, uint64_t *dma_addr);

/* ------------------------------------------------------------------ */
/* Mappings                                                            */
/* ------------------------------------------------------------------ */

/** A mapping of (a window of) a buffer into this process. */
struct udmabuf_map;

/* flags of udmabuf_buffer_map() */
/** Map through an O_SYNC file: the sync_mode's O_SYNC kind (uncached). */
#define UDMABUF_MAP_SYNC	(1u << 0)
/** Map through a file without O_SYNC: cached (modes 0-4). */
#define UDMABUF_MAP_CACHED	(1u << 1)
/** PROT_READ only. */
#define UDMABUF_MAP_RDONLY	(1u << 2)

/**
 * udmabuf_buffer_map() - map a window of the buffer (MAP_SHARED).
 * @offset: page aligned.
 * @length: bytes; 0 maps from @offset to the end of the buffer.
 * @flags: UDMABUF_MAP_*.  Neither SYNC nor CACHED: as the buffer was
 *         opened (UDMABUF_OPEN_SYNC or not).  Both: -EINVAL.
 *
 * The mapping stays valid after udmabuf_buffer_close() (the kernel keeps
 * the memory), but the map handle must be unmapped before or after.
 *
 * Return: a map handle or NULL with errno (EINVAL: unaligned offset,
 * window outside the buffer; EACCES: read-only file).
 */
struct udmabuf_map *udmabuf_buffer_map(struct udmabuf_buffer *buf,
				       uint64_t offset, uint64_t length,
				       unsigned int flags);

/** The address of the window's first byte.  Read-only. */
void *udmabuf_map_get_addr(const struct udmabuf_map *map);
/** The window's offset in the buffer.  Read-only. */
uint64_t udmabuf_map_get_offset(const struct udmabuf_map *map);
/** The window's length in bytes.  Read-only. */
size_t udmabuf_map_get_length(const struct udmabuf_map *map);

/**
 * udmabuf_map_unmap() - munmap() and free the handle (NULL allowed).
 * Return: 0 or -errno.
 */
int udmabuf_map_unmap(struct udmabuf_map *map);

/* ------------------------------------------------------------------ */
/* The manager: creating and deleting buffers                          */
/* ------------------------------------------------------------------ */

/** An open /dev/u-dma-buf-mgr. */
struct udmabuf_manager;

/**
 * udmabuf_manager_open() - open /dev/u-dma-buf-mgr.
 *
 * The manager node is root's by default; other users need a udev rule
 * (KERNEL=="u-dma-buf-mgr", GROUP="udmabuf", MODE="0660").
 *
 * Return: a handle, or NULL with errno: ENOENT (no manager: the module is
 * not loaded, or was built without it), EACCES.
 */
struct udmabuf_manager *udmabuf_manager_open(void);

/**
 * udmabuf_manager_close() - close the manager (NULL allowed).
 *
 * Buffers created through this handle with the option auto-delete=1 are
 * deleted by the driver now (their memory lives on while a file, mapping
 * or dma-buf of them exists); other buffers stay.
 */
void udmabuf_manager_close(struct udmabuf_manager *mgr);

/** The manager's file descriptor (owned by the handle).  Read-only. */
int udmabuf_manager_get_fd(const struct udmabuf_manager *mgr);

/**
 * udmabuf_manager_create() - create a buffer.
 * @name: the new buffer's name (its node is /dev/<name>): no whitespace,
 *        no '/'.
 * @size: bytes.
 * @options: NULL, or the manager's options separated by spaces, as the
 *        driver documents them: "sync-mode=3 dma-mask=32",
 *        "auto-delete=1 mode=0660", "quirk-mmap-page", "bind=pci/0000:00:04.0".
 *
 * One "create <name> <size> <options>" command, written in one write(2).
 *
 * Return: 0 or -errno: -EEXIST (name in use), -EINVAL (bad name, size or
 * option; the kernel log names it), -ENOMEM, -EBUSY (minor in use), -ENODEV
 * (a parent device named is not there).
 */
int udmabuf_manager_create(struct udmabuf_manager *mgr, const char *name,
			   uint64_t size, const char *options);

/**
 * udmabuf_manager_delete() - delete a buffer.
 *
 * The node and sysfs directory go at once; the memory when the last file,
 * mapping or dma-buf of it goes.
 *
 * Return: 0 or -errno: -ENOENT (no such buffer), -EPERM (a device-tree or
 * kernel-module buffer, or another user's), -EINVAL (bad name).
 */
int udmabuf_manager_delete(struct udmabuf_manager *mgr, const char *name);

/* ------------------------------------------------------------------ */
/* Listing buffers                                                     */
/* ------------------------------------------------------------------ */

/** A snapshot of the buffers that exist, sorted by name. */
struct udmabuf_list;

/**
 * udmabuf_list_read() - list the buffers (from sysfs; needs no permission
 * on the nodes).
 *
 * Return: a list (possibly empty), or NULL with errno ENOENT when no
 * u-dma-buf driver is loaded, or ENOMEM.
 */
struct udmabuf_list *udmabuf_list_read(void);

/** udmabuf_list_free() - free the list (NULL allowed). */
void udmabuf_list_free(struct udmabuf_list *list);

/** The number of buffers.  Read-only. */
size_t udmabuf_list_get_count(const struct udmabuf_list *list);
/** The name of buffer @i (0 <= @i < count), or NULL.  Read-only. */
const char *udmabuf_list_get_name(const struct udmabuf_list *list, size_t i);
/** The size of buffer @i in bytes (0 if unknown).  Read-only. */
uint64_t udmabuf_list_get_size(const struct udmabuf_list *list, size_t i);
/** The DMA address of buffer @i (0 if unknown).  Read-only. */
uint64_t udmabuf_list_get_dma_addr(const struct udmabuf_list *list, size_t i);
/** The sync_mode of buffer @i when listed, or -1 if unknown.  Read-only. */
int udmabuf_list_get_sync_mode(const struct udmabuf_list *list, size_t i);
/** dma_coherent of buffer @i: 1, 0, or -1 if unknown.  Read-only. */
int udmabuf_list_is_dma_coherent(const struct udmabuf_list *list, size_t i);

#ifdef __cplusplus
}
#endif

#endif /* UDMABUF_H */
