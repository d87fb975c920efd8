// SPDX-License-Identifier: GPL-2.0
//! rust_hello: a minimal Rust kernel module, for the Rust API of 6.1, of 6.12 and of 7.x
//! (Kbuild passes `--cfg kforge_rust_6_12` from 6.12 on, `--cfg kforge_rust_7` from 7.0 on).

use kernel::prelude::*;

#[cfg(not(kforge_rust_6_12))]
module! {
    type: RustHello,
    name: b"rust_hello",
    author: b"kforge",
    description: b"kforge example: minimal Rust module",
    license: b"GPL",
}

#[cfg(all(kforge_rust_6_12, not(kforge_rust_7)))]
module! {
    type: RustHello,
    name: "rust_hello",
    author: "kforge",
    description: "kforge example: minimal Rust module",
    license: "GPL",
}

#[cfg(kforge_rust_7)]
module! {
    type: RustHello,
    name: "rust_hello",
    authors: ["kforge"],
    description: "kforge example: minimal Rust module",
    license: "GPL",
}

struct RustHello {
    #[cfg(not(kforge_rust_6_12))]
    numbers: Vec<i32>,
    #[cfg(kforge_rust_6_12)]
    numbers: KVec<i32>,
}

impl kernel::Module for RustHello {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("rust_hello: init\n");
        #[cfg(not(kforge_rust_6_12))]
        let numbers = {
            let mut numbers = Vec::new();
            numbers.try_push(42)?;
            numbers
        };
        #[cfg(kforge_rust_6_12)]
        let numbers = {
            let mut numbers = KVec::new();
            numbers.push(42, GFP_KERNEL)?;
            numbers
        };
        Ok(RustHello { numbers })
    }
}

impl Drop for RustHello {
    fn drop(&mut self) {
        pr_info!("rust_hello: exit, numbers {:?}\n", self.numbers);
    }
}
