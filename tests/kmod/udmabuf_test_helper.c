// SPDX-License-Identifier: GPL-2.0
/*
 * udmabuf-test-helper: a TEST-ONLY module that lets the in-guest tests read
 * what the kernel really installed, instead of trusting the driver's report.
 *
 * /sys/kernel/debug/udmabuf-test/pte: write a user virtual address of the
 * writing process (decimal or 0x hex); a following read of the same open
 * file returns "<kind> 0x<pte value>\n" where kind is the memory type of the
 * page-table entry that maps it:
 *   arm64: normal | normal-tagged | normal-nc | device-nGnRnE | device-nGnRE
 *   arm:   writealloc | writeback | writethrough | bufferable | uncached |
 *          dev-shared | dev-wc | dev-cached | other
 *   x86:   wb | wc | uc- | uc | other (from the PAT/PCD/PWT bits)
 * or "none" when nothing is mapped there.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pgtable.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>

struct helper_pte_query {
	char result[64];
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
#endif
	(void)v;
	return "other";
}

/* walk current->mm for addr; caller holds the mmap lock */
static void helper_pte_lookup(unsigned long addr, char *out, size_t len)
{
	struct mm_struct *mm = current->mm;
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;
	pte_t *ptep, pte;

	pgd = pgd_offset(mm, addr);
	if (pgd_none(*pgd) || pgd_bad(*pgd))
		goto none;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		goto none;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud) || pud_bad(*pud))
		goto none;
	pmd = pmd_offset(pud, addr);
	if (pmd_none(*pmd) || pmd_bad(*pmd))
		goto none;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
	ptep = pte_offset_map(pmd, addr);
	pte = *ptep;
	pte_unmap(ptep);
#else
	ptep = pte_offset_map(pmd, addr);
	if (!ptep)
		goto none;
	pte = ptep_get(ptep);
	pte_unmap(ptep);
#endif
	if (!pte_present(pte))
		goto none;
	snprintf(out, len, "%s 0x%llx\n", helper_pte_kind(pte),
		 (unsigned long long)pte_val(pte));
	return;
none:
	snprintf(out, len, "none\n");
}

static int helper_pte_open(struct inode *inode, struct file *file)
{
	file->private_data = kzalloc(sizeof(struct helper_pte_query), GFP_KERNEL);
	return file->private_data ? 0 : -ENOMEM;
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

static ssize_t helper_pte_read(struct file *file, char __user *ubuf, size_t count,
			loff_t *ppos)
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

static struct dentry *helper_dir;

static int __init helper_init(void)
{
	helper_dir = debugfs_create_dir("udmabuf-test", NULL);
	debugfs_create_file("pte", 0600, helper_dir, NULL, &helper_pte_fops);
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
