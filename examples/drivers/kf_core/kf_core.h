/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KF_CORE_H
#define KF_CORE_H

#include <linux/types.h>

u32 kf_core_checksum(const u8 *data, size_t len);

#endif
