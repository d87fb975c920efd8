// SPDX-License-Identifier: GPL-2.0
//! kfctl: computes kf_core's checksum of its arguments in userspace, to compare with the module.

fn checksum(data: &[u8]) -> u32 {
    data.iter().fold(0u32, |sum, &b| sum.wrapping_shl(5).wrapping_add(sum).wrapping_add(b as u32))
}

fn main() {
    for arg in std::env::args().skip(1) {
        println!("{:08x}  {}", checksum(arg.as_bytes()), arg);
    }
}
