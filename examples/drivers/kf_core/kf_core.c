// SPDX-License-Identifier: GPL-2.0
/*
 * kf_core: a tiny library module. It exports kf_core_checksum(), which kf_user calls, so the
 * example exercises KBUILD_EXTRA_SYMBOLS between two out-of-tree modules.
 */
#include <linux/module.h>
#include <linux/types.h>

#include "kf_core.h"

#ifndef KF_CORE_VERSION
#define KF_CORE_VERSION "unversioned"
#endif

u32 kf_core_checksum(const u8 *data, size_t len)
{
	u32 sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum = (sum << 5) + sum + data[i];
	return sum;
}
EXPORT_SYMBOL_GPL(kf_core_checksum);

static int __init kf_core_init(void)
{
	pr_info("kf_core %s loaded\n", KF_CORE_VERSION);
	return 0;
}

static void __exit kf_core_exit(void)
{
	pr_info("kf_core unloaded\n");
}

module_init(kf_core_init);
module_exit(kf_core_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kforge example: exports a checksum helper");
MODULE_VERSION(KF_CORE_VERSION);
