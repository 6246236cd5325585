/* SPDX-License-Identifier: GPL-2.0 */
/*
 * u-dma-buf: internal interfaces between the parts of the driver.
 * docs/design.md describes the behaviour; each part lives in one file:
 *   udmabuf_main.c      module, parameters, device list, create/delete
 *   udmabuf_config.c    options shared by parameters, manager, device tree
 *   udmabuf_buffer.c    the buffer object: allocate, free, copy, sync
 *   udmabuf_sync.c      stored sync settings, packed arguments, cache modes
 *   udmabuf_cdev.c      /dev/<name>: read/write/llseek/mmap/ioctl
 *   udmabuf_dmabuf.c    dma-buf export of a slice (ioctl 10)
 *   udmabuf_sysfs.c     /sys/class/u-dma-buf/<name>/
 *   udmabuf_mgr.c       /dev/u-dma-buf-mgr
 *   udmabuf_platform.c  platform driver, device tree
 *   udmabuf_bind.c      parent devices of bound buffers (bind=, bus=)
 *   udmabuf_kapi.c      in-kernel API for other modules
 *                       (include/linux/u-dma-buf-kapi.h)
 */
#ifndef UDMABUF_H
#define UDMABUF_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/dma-direction.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/atomic.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct device_node;
struct seq_file;

#define UDMABUF_DRIVER_NAME	"u-dma-buf"
/*
 * The release of the established driver whose interface this one implements
 * (design.md "sysfs"): programs compare it to detect features.
 */
#define UDMABUF_DRIVER_VERSION	"5.5.0"
#define UDMABUF_MINORS		256
#define UDMABUF_NAME_MAX	63
#define UDMABUF_PARAM_DEVICES	8

/* an error about a buffer: on log_dev if there is one, else plainly */
__printf(2, 3) void udmabuf_log_err(struct device *log_dev,
				    const char *fmt, ...);

/* ---------------------------------------------------------------- config */

/* how the O_SYNC cache mode maps (sync_mode 0..7, design.md "Cache modes") */
enum udmabuf_cache {
	UDMABUF_CACHE_CACHED,
	UDMABUF_CACHE_UNCACHED,
	UDMABUF_CACHE_WRITECOMBINE,
	UDMABUF_CACHE_DMACOHERENT,
};

#define UDMABUF_SYNC_MODE_MAX	7
#define UDMABUF_DIR_MAX		2	/* 0 bidirectional, 1 to dev, 2 from */

/* what a device-tree memory-region is (design.md "Allocation") */
enum udmabuf_region_kind {
	UDMABUF_REGION_NONE,
	UDMABUF_REGION_CMA,	/* shared-dma-pool, reusable */
	UDMABUF_REGION_POOL,	/* shared-dma-pool, no-map */
	UDMABUF_REGION_PLAIN,	/* shared-dma-pool, neither */
};

/*
 * Who made a buffer, and so who may delete it (design.md "In-kernel API"):
 * the manager deletes parameter and manager buffers, the platform driver
 * device-tree buffers, u_dma_buf_device_remove() in-kernel API buffers.
 */
enum udmabuf_origin {
	UDMABUF_ORIGIN_USER,	/* module parameter or /dev/u-dma-buf-mgr */
	UDMABUF_ORIGIN_DT,	/* device-tree node (platform driver) */
	UDMABUF_ORIGIN_KAPI,	/* u_dma_buf_device_create() */
};

/*
 * Everything that describes a buffer to be created, whoever asks for it
 * (module parameter, manager command, device-tree node).  Filled by
 * udmabuf_config_init() and udmabuf_config_set(); checked as a whole by
 * udmabuf_config_check() once the size is known.
 */
struct udmabuf_config {
	char name[UDMABUF_NAME_MAX + 1];
	u64 size;
	int minor;			/* -1: lowest free */
	unsigned int sync_mode;
	bool sync_always;
	u64 sync_offset;
	u64 sync_size;			/* 0: the whole buffer */
	unsigned int sync_direction;
	unsigned int dma_mask_bit;	/* 0: leave the device's mask */
	int dma_coherent;		/* -1: the device's own, 0/1: force */
	unsigned int mmap_mode;		/* U_DMA_BUF_MMAP_MODE_* */
	enum udmabuf_region_kind region_kind;	/* device-tree memory-region */
	struct device_node *region_np;	/* the node naming it */
	char region_name[48];		/* the region's node, for messages */
	phys_addr_t region_base;
	u64 region_size;
	enum udmabuf_origin origin;
	umode_t mode;			/* of /dev/<name>; 0: 0600 */
	const struct file *owner_file;	/* manager file that deletes it */
};

void udmabuf_config_init(struct udmabuf_config *cfg);
int udmabuf_config_set(struct udmabuf_config *cfg, const char *key,
		       const char *val, struct device *log_dev);
int udmabuf_config_set_u64(struct udmabuf_config *cfg, const char *key,
			   u64 val, struct device *log_dev);
int udmabuf_config_check(const struct udmabuf_config *cfg,
			 struct device *log_dev);
int udmabuf_parse_size(const char *str, u64 *size);

/* ---------------------------------------------------------------- buffer */

/* where the memory of a buffer came from (udmabuf_buffer.c) */
enum udmabuf_source {
	UDMABUF_SRC_NONE,
	UDMABUF_SRC_BUDDY,	/* alloc_pages_exact(): long-term pinnable */
	UDMABUF_SRC_CONTIG,	/* alloc_contig_range(): long-term pinnable */
	UDMABUF_SRC_CMA,	/* dma_alloc_pages() of the class device */
	UDMABUF_SRC_REGION,	/* the pages of a plain reserved region */
	UDMABUF_SRC_POOL,	/* no-map coherent pool: no struct pages */
};

struct udmabuf_buffer {
	struct device *alloc_dev;	/* the class device: CMA, pool */
	struct device *dma_dev;		/* the device dma_addr is for */
	enum udmabuf_source source;
	u64 size;			/* bytes as requested */
	size_t alloc_size;		/* whole pages */
	struct page *pages;		/* first of alloc_size >> PAGE_SHIFT */
	void *vaddr;			/* pool memory only */
	phys_addr_t phys;		/* CPU physical address */
	dma_addr_t dma_addr;		/* for dma_dev */
	dma_addr_t alloc_dma_addr;	/* dma_alloc_pages() for alloc_dev */
	struct rw_semaphore dma_lock;	/* syncs (read) against detach */
	bool streaming;			/* dma_addr is a dma_map_page() */
	bool detached;			/* dma_dev is gone: no more syncs */
	bool region_bound;		/* a memory-region bound to alloc_dev */
	bool coherent;			/* dev_is_dma_coherent(dma_dev) */
	u8 head_ref_base;		/* page refcounts before the buffer's */
	u8 tail_ref_base;
	/* x86 memory type (design.md "x86 memory types"), under memtype_lock */
	struct mutex memtype_lock;
	enum udmabuf_cache memtype;	/* of the pages: CACHED is write-back */
	unsigned long maps;		/* live user mappings, all of memtype */
	unsigned long holds;		/* dma-buf exports: write-back kept */
};

int udmabuf_buffer_alloc(struct udmabuf_buffer *buf, struct device *alloc_dev,
			 struct device *dma_dev,
			 const struct udmabuf_config *cfg,
			 struct device *log_dev);
struct page *udmabuf_buffer_page(const struct udmabuf_buffer *buf,
				 unsigned long i);
void udmabuf_buffer_detach(struct udmabuf_buffer *buf);
void udmabuf_buffer_free(struct udmabuf_buffer *buf, struct device *log_dev);
int udmabuf_buffer_sync(struct udmabuf_buffer *buf, u64 offset, u64 size,
			enum dma_data_direction dir, bool for_device);
ssize_t udmabuf_buffer_copy(struct udmabuf_buffer *buf, u64 offset,
			    void __user *ubuf, size_t len, bool to_user);
const char *udmabuf_buffer_source_name(const struct udmabuf_buffer *buf);
/* the cache kind a new mapping gets (x86: the buffer's memory type) */
enum udmabuf_cache udmabuf_buffer_map_get(struct udmabuf_buffer *buf,
					  enum udmabuf_cache kind,
					  struct device *log_dev);
void udmabuf_buffer_map_dup(struct udmabuf_buffer *buf);
void udmabuf_buffer_map_put(struct udmabuf_buffer *buf);
/* an export keeps the memory write-back: -EBUSY if it is not */
int udmabuf_buffer_hold_wb(struct udmabuf_buffer *buf, struct device *log_dev);
void udmabuf_buffer_unhold(struct udmabuf_buffer *buf);
/* true: user mappings are page-backed (GUP works); else by pfn */
bool udmabuf_buffer_page_backed(const struct udmabuf_buffer *buf,
				unsigned int mmap_mode);

/* ---------------------------------------------------------------- device */

/* the stored manual-sync settings and owner; protected by udev->lock */
struct udmabuf_sync_state {
	unsigned int mode;
	bool always;
	u64 offset;
	u64 size;
	unsigned int direction;
	bool owner_device;
};

struct udmabuf_device {
	struct device dev;		/* class device; its refcount is ours */
	struct cdev cdev;
	struct list_head list;		/* udmabuf_devices, under the lock */
	struct mutex lock;		/* sync state and syncs */
	struct udmabuf_sync_state sync;
	struct udmabuf_buffer buf;
	u64 dma_mask;			/* storage for dev.dma_mask */
	struct device *parent;		/* platform/PCI device, or NULL */
	enum udmabuf_origin origin;
	unsigned int mmap_mode;
	atomic_t exports;		/* live dma-bufs (sysfs export_count) */
	kuid_t uid;			/* creator: owns /dev/<name>, deletes */
	kgid_t gid;
	umode_t mode;
	const struct file *owner_file;	/* auto-delete: compared only */
	bool registered;
};

static inline struct udmabuf_device *to_udmabuf_device(struct device *dev)
{
	return container_of(dev, struct udmabuf_device, dev);
}

extern int udmabuf_info_enable;
extern unsigned int udmabuf_default_dma_mask_bit;
extern unsigned int udmabuf_default_mmap_mode;

struct udmabuf_device *udmabuf_device_create(const struct udmabuf_config *cfg,
					     struct device *parent,
					     struct device *log_dev);
struct udmabuf_device *udmabuf_device_get(const struct device *dev,
					  const char *name, int minor);
int udmabuf_device_delete_owned(const struct device *dev, const char *name,
				enum udmabuf_origin origin,
				struct device *log_dev);
void udmabuf_device_delete(struct udmabuf_device *udev);
void udmabuf_device_list(struct seq_file *m);
void udmabuf_claim_minor(int minor);
int udmabuf_device_create_bound(const struct udmabuf_config *cfg,
				struct device *parent, struct device *log_dev);
void udmabuf_device_parent_gone(struct device *parent);
void udmabuf_device_file_closed(const struct file *file);

/* bound buffers (udmabuf_bind.c): parents with a reference, or ERR_PTR */
struct device *udmabuf_bind_find(const char *bus_name, const char *dev_name,
				 struct device *log_dev);
struct device *udmabuf_bind_parse(const char *spec, struct device *log_dev);
int udmabuf_bind_usable(struct device *dev, struct device *log_dev);
int udmabuf_bind_init(void);
void udmabuf_bind_exit(void);

/* sync: shared by sysfs and ioctl */
int udmabuf_sync_packed(struct udmabuf_device *udev, u64 arg,
			bool for_device);
int udmabuf_sync_range(struct udmabuf_device *udev, u64 offset, u64 size,
		       unsigned int dir, bool for_device);
enum udmabuf_cache udmabuf_cache_kind(unsigned int mode, bool always,
				      bool o_sync);

/* cdev / sysfs / manager / platform */
extern const struct file_operations udmabuf_fops;
struct vm_area_struct;
/* map vma (vm_pgoff in buffer pages, range checked) with cache kind */
int udmabuf_mmap_buffer(struct udmabuf_device *udev,
			struct vm_area_struct *vma, enum udmabuf_cache kind);
extern const struct attribute_group *udmabuf_groups[];
int udmabuf_mgr_init(void);
void udmabuf_mgr_exit(void);
int udmabuf_platform_init(void);
void udmabuf_platform_exit(void);

#endif /* UDMABUF_H */
