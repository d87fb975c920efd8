/**
 * What a run produced, for people and CI: results JSON, JUnit XML, SHA256SUMS and provenance,
 * each written whole; every failed step counted the same way in all of them.
 */
package dev.kforge.core.report;
