// SPDX-License-Identifier: GPL-2.0
//! rust_hello: a minimal Rust kernel module (kernel 6.1 module! syntax).

use kernel::prelude::*;

module! {
    type: RustHello,
    name: b"rust_hello",
    author: b"kforge",
    description: b"kforge example: minimal Rust module",
    license: b"GPL",
}

struct RustHello {
    numbers: Vec<i32>,
}

impl kernel::Module for RustHello {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("rust_hello: init\n");
        let mut numbers = Vec::new();
        numbers.try_push(42)?;
        Ok(RustHello { numbers })
    }
}

impl Drop for RustHello {
    fn drop(&mut self) {
        pr_info!("rust_hello: exit, numbers {:?}\n", self.numbers);
    }
}
