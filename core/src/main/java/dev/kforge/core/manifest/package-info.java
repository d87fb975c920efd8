/**
 * kforge.toml to the model, with FILE:LINE:COL errors and one hint each: the only package that
 * imports the TOML library.
 */
package dev.kforge.core.manifest;
