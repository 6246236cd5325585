// SPDX-License-Identifier: GPL-2.0
/*
 * udmabuf-test-helper: a TEST-ONLY module that lets the in-guest tests read
 * what the kernel really installed, instead of trusting the driver's report.
 *
 * /sys/kernel/debug/udmabuf-test/pte: write a user virtual address of the
 * writing process (decimal or 0x hex); a following read of the same open
 * file returns "<kind> 0x<pte value> pfn 0x<page frame number>\n" where kind
 * is the memory type of the page-table entry that maps it:
 *   arm64: normal | normal-tagged | normal-nc | device-nGnRnE | device-nGnRE
 *   arm:   writealloc | writeback | writethrough | bufferable | uncached |
 *          dev-shared | dev-wc | dev-cached | other
 *   x86:   wb | wc | uc- | uc | other (from the PAT/PCD/PWT bits)
 *   riscv: pma | nc | io | other (the Svpbmt bits; "pma" also where the
 *          CPU has no Svpbmt: then every page has the memory's attributes)
 * or "none" when nothing is mapped there.  The page frame number is
 * pte_pfn() of that entry: the tests compare it with the buffer's
 * phys_addr, a proof of the address independent of the driver's report.
 * Mappings may be populated lazily: the tests touch a page before asking.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pgtable.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#ifdef CONFIG_X86
#include <asm/pgtable.h>
#endif

#define HELPER_RESULT_LEN	96

struct helper_pte_query {
	char result[HELPER_RESULT_LEN];
};

static const char *helper_pte_kind(pte_t pte)
{
	u64 v = pte_val(pte);

#if defined(CONFIG_ARM64)
	switch (v & PTE_ATTRINDX_MASK) {
	case PTE_ATTRINDX(MT_NORMAL):
		return "normal";
	case PTE_ATTRINDX(MT_NORMAL_TAGGED):
		return "normal-tagged";
	case PTE_ATTRINDX(MT_NORMAL_NC):
		return "normal-nc";
	case PTE_ATTRINDX(MT_DEVICE_nGnRnE):
		return "device-nGnRnE";
	case PTE_ATTRINDX(MT_DEVICE_nGnRE):
		return "device-nGnRE";
	}
#elif defined(CONFIG_ARM)
	switch (v & L_PTE_MT_MASK) {
	case L_PTE_MT_WRITEALLOC:
		return "writealloc";
	case L_PTE_MT_WRITEBACK:
		return "writeback";
	case L_PTE_MT_WRITETHROUGH:
		return "writethrough";
	case L_PTE_MT_BUFFERABLE:
		return "bufferable";
	case L_PTE_MT_UNCACHED:
		return "uncached";
	case L_PTE_MT_DEV_SHARED:
		return "dev-shared";
	case L_PTE_MT_DEV_WC:
		return "dev-wc";
	case L_PTE_MT_DEV_CACHED:
		return "dev-cached";
	}
#elif defined(CONFIG_X86)
	/* Linux programs the PAT as WB, WC, UC-, UC for indexes 0..3 */
	switch (((v & _PAGE_PAT) ? 4 : 0) | ((v & _PAGE_PCD) ? 2 : 0) |
		((v & _PAGE_PWT) ? 1 : 0)) {
	case 0:
		return "wb";
	case 1:
		return "wc";
	case 2:
		return "uc-";
	case 3:
		return "uc";
	}
#elif defined(CONFIG_RISCV) && defined(CONFIG_64BIT)
	switch (v & _PAGE_MTMASK_SVPBMT) {
	case 0:
		return "pma";
	case _PAGE_NOCACHE_SVPBMT:
		return "nc";
	case _PAGE_IO_SVPBMT:
		return "io";
	}
#endif
	(void)v;
	return "other";
}

static int helper_pte_fn(pte_t *ptep, unsigned long addr, void *data)
{
	pte_t pte = ptep_get(ptep);
	char *out = data;

	if (pte_present(pte))
		snprintf(out, HELPER_RESULT_LEN, "%s 0x%llx pfn 0x%lx\n",
			 helper_pte_kind(pte), (unsigned long long)pte_val(pte),
			 (unsigned long)pte_pfn(pte));
	return 0;
}

/*
 * The pte of addr in current->mm (caller holds the mmap lock), through the
 * page-table walker every kernel since 5.10 exports.  The tests only ask for
 * mapped addresses they have touched, so it never has a table to allocate.
 */
static void helper_pte_lookup(unsigned long addr, char *out, size_t len)
{
	snprintf(out, len, "none\n");
	apply_to_page_range(current->mm, addr & PAGE_MASK, PAGE_SIZE,
			    helper_pte_fn, out);
}

static int helper_pte_open(struct inode *inode, struct file *file)
{
	struct helper_pte_query *q = kzalloc(sizeof(*q), GFP_KERNEL);

	file->private_data = q;
	return q ? 0 : -ENOMEM;
}

static int helper_pte_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static ssize_t helper_pte_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct helper_pte_query *q = file->private_data;
	unsigned long addr;
	int ret;

	ret = kstrtoul_from_user(ubuf, count, 0, &addr);
	if (ret)
		return ret;
	mmap_read_lock(current->mm);
	helper_pte_lookup(addr, q->result, sizeof(q->result));
	mmap_read_unlock(current->mm);
	return count;
}

static ssize_t helper_pte_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct helper_pte_query *q = file->private_data;

	return simple_read_from_buffer(ubuf, count, ppos, q->result,
				       strlen(q->result));
}

static const struct file_operations helper_pte_fops = {
	.owner = THIS_MODULE,
	.open = helper_pte_open,
	.release = helper_pte_release,
	.read = helper_pte_read,
	.write = helper_pte_write,
	.llseek = default_llseek,
};

/*
 * /sys/kernel/debug/udmabuf-test/kpte (x86 only): write a physical address
 * of RAM; a following read returns the memory type of the kernel's linear
 * mapping of that page ("wb", "wc", "uc-", "uc"), from its page-table
 * entry, or "none".  The PAT bit sits elsewhere in a large-page entry.
 */
#ifdef CONFIG_X86
static void helper_kpte_lookup(phys_addr_t phys, char *out, size_t len)
{
	unsigned int level;
	pte_t *ptep;
	u64 v;

	snprintf(out, len, "none\n");
	if (!pfn_valid(PHYS_PFN(phys)))
		return;
	ptep = lookup_address((unsigned long)__va(phys), &level);
	if (!ptep || !pte_present(*ptep))
		return;
	v = pte_val(*ptep);
	if (level != PG_LEVEL_4K) {
		/* a large page: its PAT bit is bit 12, move it to bit 7 */
		v = (v & ~(u64)_PAGE_PAT) |
		    ((v & _PAGE_PAT_LARGE) ? _PAGE_PAT : 0);
	}
	snprintf(out, len, "%s level %u\n", helper_pte_kind(__pte(v)), level);
}

static ssize_t helper_kpte_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct helper_pte_query *q = file->private_data;
	u64 phys;
	int ret;

	ret = kstrtou64_from_user(ubuf, count, 0, &phys);
	if (ret)
		return ret;
	helper_kpte_lookup(phys, q->result, sizeof(q->result));
	return count;
}

static const struct file_operations helper_kpte_fops = {
	.owner = THIS_MODULE,
	.open = helper_pte_open,
	.release = helper_pte_release,
	.read = helper_pte_read,
	.write = helper_kpte_write,
	.llseek = default_llseek,
};
#endif

static struct dentry *helper_dir;

static int __init helper_init(void)
{
	helper_dir = debugfs_create_dir("udmabuf-test", NULL);
	debugfs_create_file("pte", 0600, helper_dir, NULL, &helper_pte_fops);
#ifdef CONFIG_X86
	debugfs_create_file("kpte", 0600, helper_dir, NULL, &helper_kpte_fops);
#endif
	return 0;
}

static void __exit helper_exit(void)
{
	debugfs_remove_recursive(helper_dir);
}

module_init(helper_init);
module_exit(helper_exit);
MODULE_DESCRIPTION("u-dma-buf test helper (test guests only)");
MODULE_LICENSE("GPL");
