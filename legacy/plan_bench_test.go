package legacy

import (
	"encoding/binary"
	"testing"
	"unsafe"
)

// BenchmarkPlan plans a million issues, one scope in ten with a resolved
// predecessor and one in fifty with a racing duplicate: the memory the
// plan allocates per issue is B/op divided by a million; what it keeps of
// each issue while planning is bytes-kept/issue.
//
//	go test ./legacy -run '^$' -bench Plan -benchmem -benchtime 3x
func BenchmarkPlan(b *testing.B) {
	const n = 1_000_000
	for b.Loop() {
		entries := make([]entry, 0, 1024) // grown as Source.Plan grows it
		for g := range n {
			base := g
			switch {
			case g%10 == 0 && g > 0:
				base = g - 1
			case g%50 == 1 && g > 1:
				base = g - 2
			}
			var e entry
			binary.BigEndian.PutUint64(e.id[:], uint64(g)*0x9e3779b97f4a7c15)
			binary.BigEndian.PutUint64(e.fp[:], uint64(base)*0xbf58476d1ce4e5b9)
			e.active = g%10 != 9
			e.detected, e.updated = int64(g), int64(g)
			entries = append(entries, e)
		}
		newPlan(entries, &Report{})
	}
	b.ReportMetric(float64(unsafe.Sizeof(entry{})), "bytes-kept/issue")
}
