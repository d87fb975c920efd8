// SPDX-License-Identifier: GPL-2.0
/* kf_user: uses kf_core_checksum() exported by the kf_core module. */
#include <linux/module.h>
#include <linux/types.h>

u32 kf_core_checksum(const u8 *data, size_t len);

static int __init kf_user_init(void)
{
	static const u8 msg[] = "kforge";

	pr_info("kf_user: checksum %08x\n", kf_core_checksum(msg, sizeof(msg) - 1));
	return 0;
}

static void __exit kf_user_exit(void)
{
}

module_init(kf_user_init);
module_exit(kf_user_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kforge example: depends on kf_core");
