/**
 * SHA-256 digests and unambiguous fingerprints (strings length-prefixed, lists count-prefixed),
 * and a memo of file digests keyed by size and modification time.
 */
package dev.kforge.core.digest;
