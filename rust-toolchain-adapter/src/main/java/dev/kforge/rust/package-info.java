/**
 * Everything about rustc, bindgen, rust-src and cargo: finding and choosing the Rust toolchain a
 * kernel accepts, the companion crates' cargo steps ({@link dev.kforge.rust.CargoStepPlanner},
 * implementing core's CompanionStepPlanner) and running them, and the C library tool crates link with.
 */
package dev.kforge.rust;
