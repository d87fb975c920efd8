/**
 * Packages of what kforge built: Debian binary packages written with Apache Commons Compress
 * (byte-identical for the same inputs), the start of the packaging step kind.
 */
package dev.kforge.pkg;
