// SPDX-License-Identifier: GPL-2.0
//! Logic shared with the rust_hello module, kept free of kernel APIs so cargo test runs it.

#![no_std]

/// Folds a byte string into the same 32-bit checksum kf_core exports to C modules.
pub fn checksum(data: &[u8]) -> u32 {
    data.iter().fold(0u32, |sum, &b| sum.wrapping_shl(5).wrapping_add(sum).wrapping_add(b as u32))
}

#[cfg(test)]
mod tests {
    use super::checksum;

    #[test]
    fn empty_input_is_zero() {
        assert_eq!(checksum(b""), 0);
    }

    #[test]
    fn matches_the_c_implementation() {
        // (sum << 5) + sum + byte, as in kf_core.c
        let mut sum: u32 = 0;
        for &b in b"kforge" {
            sum = (sum << 5).wrapping_add(sum).wrapping_add(b as u32);
        }
        assert_eq!(checksum(b"kforge"), sum);
    }
}
