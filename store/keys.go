package store

import (
	"bytes"
	"encoding/binary"
	"time"

	"github.com/google/uuid"

	"github.com/konflux-ci/kite"
)

// Bucket names. The layout is flat: composite keys instead of a bucket per
// namespace, so a namespace costs nothing until it has issues.
var (
	bucketMeta    = []byte("meta")       // schema, rev
	bucketIssues  = []byte("issues")     // id(16) -> record JSON
	bucketByNS    = []byte("by_ns")      // ns 00 state sev type detectedAt(8) id(16) -> nil
	bucketBySeen  = []byte("by_seen")    // ns 00 lastSeen(8) id(16) -> state sev type (walk.go)
	bucketByScope = []byte("by_scope")   // ns 00 rtype 00 rname 00 id(16) -> nil
	bucketFP      = []byte("open_scope") // fingerprint -> id(16)
	bucketCounts  = []byte("counts")     // ns 00 state sev type -> u64
	bucketEvents  = []byte("events")     // id(16) rev(8) -> event JSON
	bucketRel     = []byte("rel")        // source(16) target(16) -> relation JSON
	bucketRelRev  = []byte("rel_rev")    // target(16) source(16) -> nil
	bucketChanges = []byte("changes")    // rev(8) -> op(1) id(16)
	bucketRuns    = []byte("runs")       // ns 00 rtype 00 rname 00 -> newest success (runs.go)
	bucketRunIDs  = []byte("run_ids")    // ns 00 rtype 00 rname 00 run id -> first seen(8)
	bucketNotes   = []byte("comments")   // id(16) comment id(16) -> comment JSON (triage.go)
	bucketWakes   = []byte("wakes")      // snooze end(8) id(16) -> nil, for snoozes with a time (snooze.go)
	bucketSilence = []byte("silences")   // silence id(16) -> silence JSON (silences.go)
	// Notifications (notify.go).
	bucketSubs       = []byte("subscriptions") // subscription id(16) -> subscription JSON with its secret
	bucketOutbox     = []byte("outbox")        // subscription id(16) rev(8) -> outbox entry JSON
	bucketOutboxN    = []byte("outbox_n")      // subscription id(16) -> entries waiting (u64)
	bucketDeliveries = []byte("deliveries")    // subscription id(16) seq(8) -> delivery JSON
	bucketNotified   = []byte("notified")      // issue id(16) subscription id(16) -> last notification JSON
	bucketFiring     = []byte("firing")        // subscription id(16) issue id(16) -> alert labels JSON
	allBuckets       = [][]byte{bucketMeta, bucketIssues, bucketByNS, bucketBySeen, bucketByScope, bucketFP, bucketCounts, bucketEvents, bucketRel, bucketRelRev, bucketChanges, bucketRuns, bucketRunIDs, bucketNotes, bucketWakes, bucketSilence,
		bucketSubs, bucketOutbox, bucketOutboxN, bucketDeliveries, bucketNotified, bucketFiring}
	keySchema = []byte("schema")
	keyRev    = []byte("rev")
	// keyStoreID is the store's identity, made with the file: the search
	// index records it, so that an index beside another store file (a
	// replaced or restored kite.db) is noticed.
	keyStoreID = []byte("store_id")
	// keySilencesAt is when RefreshSilences last ran.
	keySilencesAt = []byte("silences_at")
)

const idLen = 16

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// timeKey encodes a time so that byte order is time order. Times before 1970
// never occur in Kite (they are clamped by validation of callers' At).
func timeKey(t time.Time) []byte { return u64(uint64(t.UnixNano())) }

// parseID turns an API id into its 16-byte key. A malformed id cannot exist
// in the store, so it is reported exactly like an unknown one.
func parseID(id string) ([]byte, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return nil, errIssueNotFound
	}
	return u[:], nil
}

func formatID(b []byte) string { return kite.FormatUUID(b) }

// tuple is the fixed-width (state, severity, type) triple that by_ns keys and
// counters share; every enum list filter is a set of tuples.
type tuple [3]byte

func tupleOf(is *kite.Issue) tuple {
	return tuple{byte(is.State.Code()), byte(is.Severity.Rank()), byte(is.IssueType.Code())}
}

func (tp tuple) labels() (kite.State, kite.Severity, kite.IssueType) {
	return kite.States[tp[0]-1], kite.Severities[tp[1]-1], kite.IssueTypes[tp[2]-1]
}

func nsPrefix(ns string) []byte {
	b := make([]byte, 0, len(ns)+1)
	return append(append(b, ns...), 0)
}

func countKey(ns string, tp tuple) []byte { return append(nsPrefix(ns), tp[:]...) }

func byNSKey(is *kite.Issue, id []byte) []byte {
	k := countKey(is.Namespace, tupleOf(is))
	k = append(k, timeKey(is.DetectedAt)...)
	return append(k, id...)
}

// bySeenKey orders a namespace's issues by when they were last seen; its
// value is the issue's tuple, so that a walk filters by state, severity
// and type without reading records.
func bySeenKey(is *kite.Issue, id []byte) []byte {
	k := nsPrefix(is.Namespace)
	k = append(k, timeKey(is.LastSeen)...)
	return append(k, id...)
}

func scopePrefix(ns, rtype, rname string) []byte {
	k := nsPrefix(ns)
	if rtype == "" {
		return k
	}
	k = append(append(k, rtype...), 0)
	if rname == "" {
		return k
	}
	return append(append(k, rname...), 0)
}

func byScopeKey(is *kite.Issue, id []byte) []byte {
	return append(scopePrefix(is.Namespace, is.Scope.ResourceType, is.Scope.ResourceName), id...)
}

// splitScopeKey returns the resource name and id of a by_scope key whose
// namespace prefix is known.
func splitScopeKey(k []byte, nsLen int) (rtype, rname []byte, id []byte) {
	rest := k[nsLen+1 : len(k)-idLen]
	parts := bytes.SplitN(rest, []byte{0}, 3)
	if len(parts) < 2 {
		return nil, nil, k[len(k)-idLen:]
	}
	return parts[0], parts[1], k[len(k)-idLen:]
}

func eventKey(id []byte, rev uint64) []byte { return append(append([]byte{}, id...), u64(rev)...) }

func pairKey(a, b []byte) []byte { return append(append(make([]byte, 0, 2*idLen), a...), b...) }
