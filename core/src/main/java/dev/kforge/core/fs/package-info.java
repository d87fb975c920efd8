/**
 * Files published whole (staged directories swapped in by rename, verified copies) and logs read
 * line by line in bounded memory.
 */
package dev.kforge.core.fs;
