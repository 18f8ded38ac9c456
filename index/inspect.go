package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"
)

// State is what an index on disk says of itself, for kite check.
type State struct {
	// Present is false when there is no index: kite serve builds one.
	Present bool
	Mapping string
	// StoreID is the store the index was built from ("" for an index
	// older than store identities).
	StoreID string
	Rev     uint64
	Docs    uint64
}

// Inspect reads the index in dir read-only: unlike Open, it never
// rebuilds or discards what it finds.
func Inspect(dir string) (State, error) {
	path := filepath.Join(dir, DirName)
	idx, err := bleve.OpenUsing(path, map[string]any{"read_only": true})
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		return State{}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer func() { _ = idx.Close() }()
	st := State{Present: true}
	get := func(k []byte) []byte {
		v, gerr := idx.GetInternal(k)
		err = errors.Join(err, gerr)
		return v
	}
	st.Mapping, st.StoreID = string(get(keyMapping)), string(get(keyStore))
	if v := get(keyRev); len(v) == 8 {
		st.Rev = binary.BigEndian.Uint64(v)
	}
	if err != nil {
		return st, fmt.Errorf("read %s: %w", path, err)
	}
	if st.Docs, err = idx.DocCount(); err != nil {
		return st, fmt.Errorf("count %s: %w", path, err)
	}
	return st, nil
}
