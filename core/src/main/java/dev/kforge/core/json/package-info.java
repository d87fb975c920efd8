/**
 * Canonical JSON (sorted keys, fixed layout): the only package that imports Jackson.
 */
package dev.kforge.core.json;
