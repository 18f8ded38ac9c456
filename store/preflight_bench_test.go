package store

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkPreflight is what every start spends checking the store file
// before bbolt opens it (preflight: meta pages, size, the page walk), on a
// filled data directory named by KITE_BENCH_DATA_DIR (such as the one
// DATA=... make battery keeps).
func BenchmarkPreflight(b *testing.B) {
	dir := os.Getenv("KITE_BENCH_DATA_DIR")
	if dir == "" {
		b.Skip("set KITE_BENCH_DATA_DIR to a filled data directory")
	}
	path := filepath.Join(dir, FileName)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	for b.Loop() {
		if err := preflight(path, true); err != nil {
			b.Fatal(err)
		}
	}
}
