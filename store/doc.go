// Package store keeps Kite's issues in one bbolt file, the source of truth.
//
// It owns the file's layout: the issue records, the secondary indexes every
// list filter uses, the per-namespace counters that give list totals and the
// issue gauges without a scan, the fingerprint table that makes dedupe
// atomic, relations, the timeline, and the change log that derived indexes
// replay after a crash.
//
// All writes go through one writer goroutine that groups whatever writes are
// waiting into a single bbolt transaction (group commit): one fsync serves a
// whole burst of webhooks, and a write is acknowledged only after its commit
// is on disk. Reads run in their own read-only transactions concurrently.
// Nothing bbolt returns is used after its transaction ends: records are
// decoded into fresh values inside the transaction.
package store
