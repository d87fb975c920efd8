/**
 * The domain as values: drivers, kernels, architectures, toolchains, targets and cells, the
 * matrices that combine them.
 */
package dev.kforge.core.model;
