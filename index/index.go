package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/konflux-ci/kite"
)

// DirName is the index directory inside the data directory.
const DirName = "index.bleve"

// Internal keys the index keeps beside its documents.
var (
	keyRev     = []byte("kite_rev")
	keyMapping = []byte("kite_mapping")
	// keyStore is the identity of the store the index was built from.
	keyStore = []byte("kite_store")
)

// Options configure an Index. Only Dir is required.
type Options struct {
	// Dir is the data directory; the index lives in Dir/index.bleve.
	Dir        string
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Reset discards an existing index: Open then returns a fresh one.
	Reset bool
	// StoreID is the identity of the store the index follows (store.ID).
	// An index that recorded another one is refused with ErrOtherStore;
	// one that recorded none (older Kite) adopts it.
	StoreID string
}

// ErrOtherStore is in the chain of Open's error when the index was built
// from another store than Options.StoreID.
var ErrOtherStore = errors.New("the search index belongs to another store")

// Index is the Bleve index of issues. It is safe for concurrent use;
// Rebuild swaps a freshly built index in under the write lock.
type Index struct {
	// contains remembers substring expansions per segment (contains.go).
	contains *containsCache
	mu       sync.RWMutex
	idx      bleve.Index
	path     string
	log      *slog.Logger
	metrics  *metrics
	an       analyzers
	storeID  string
	// faulted is set when Bleve failed a batch or panicked (fault.go).
	faulted atomic.Bool
}

// Change is one issue to (re)index, or to delete when Issue is nil.
type Change struct {
	ID    string
	Issue *kite.Issue
}

// Open opens the index in o.Dir, creating an empty one when it is missing,
// unreadable or of another mapping version. fresh reports that case: the
// index holds nothing and must be rebuilt from the store.
func Open(o Options) (x *Index, fresh bool, err error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, false, err
	}
	an, err := newAnalyzers()
	if err != nil {
		return nil, false, err
	}
	x = &Index{
		path: filepath.Join(o.Dir, DirName), log: o.Logger.With("component", "index"), metrics: m, an: an, storeID: o.StoreID,
		contains: newContainsCache(),
	}
	// A rebuild that died half-way leaves its directory behind.
	if err := os.RemoveAll(x.path + ".new"); err != nil {
		return nil, false, err
	}
	if o.Reset {
		if err := os.RemoveAll(x.path); err != nil {
			return nil, false, err
		}
	}
	idx, err := bleve.Open(x.path)
	switch {
	case errors.Is(err, bleve.ErrorIndexPathDoesNotExist):
		fresh = true
	case err != nil:
		x.log.Warn("index unreadable, rebuilding it", "path", x.path, "err", err)
		fresh = true
	default:
		v, verr := idx.GetInternal(keyMapping)
		if verr == nil && string(v) == MappingVersion {
			if err := x.bind(idx); err != nil {
				_ = idx.Close()
				return nil, false, err
			}
			x.idx = idx
			return x, false, nil
		}
		x.log.Info("index mapping changed, rebuilding it", "have", string(v), "want", MappingVersion)
		_ = idx.Close()
		fresh = true
	}
	if err := os.RemoveAll(x.path); err != nil {
		return nil, false, err
	}
	if x.idx, err = x.create(x.path); err != nil {
		return nil, false, err
	}
	return x, fresh, nil
}

// bind checks that idx was built from the store x follows, recording it
// when idx predates store identities.
func (x *Index) bind(idx bleve.Index) error {
	have, err := idx.GetInternal(keyStore)
	switch {
	case err != nil:
		return err
	case x.storeID == "" || string(have) == x.storeID:
		return nil
	case len(have) == 0:
		return idx.SetInternal(keyStore, []byte(x.storeID))
	}
	return fmt.Errorf("%w: %s was built from store %s, not %s", ErrOtherStore, x.path, have, x.storeID)
}

// create makes an empty index with Kite's mapping at path, bound to the
// store x follows.
func (x *Index) create(path string) (bleve.Index, error) {
	im, err := newMapping()
	if err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	idx, err := bleve.New(path, im)
	if err != nil {
		return nil, fmt.Errorf("create index %s: %w", path, err)
	}
	if err := idx.SetInternal(keyMapping, []byte(MappingVersion)); err != nil {
		_ = idx.Close()
		return nil, err
	}
	if err := idx.SetInternal(keyStore, []byte(x.storeID)); err != nil {
		_ = idx.Close()
		return nil, err
	}
	return idx, nil
}

// Close closes the index.
func (x *Index) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.idx == nil {
		return nil
	}
	err := x.idx.Close()
	x.idx = nil
	return err
}

// Rev is the last store revision the index applied.
func (x *Index) Rev() (uint64, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.idx == nil {
		return 0, errClosed
	}
	v, err := x.idx.GetInternal(keyRev)
	if err != nil || len(v) != 8 {
		return 0, err
	}
	return binary.BigEndian.Uint64(v), nil
}

// Apply indexes a batch of changes and records rev as applied, in one
// Bleve batch: a crash leaves either all of it or none.
func (x *Index) Apply(changes []Change, rev uint64) error {
	return x.use("apply", writeFault, func(idx bleve.Index) error { return x.apply(idx, changes, rev) })
}

func (x *Index) apply(idx bleve.Index, changes []Change, rev uint64) error {
	t := x.metrics.startBatch()
	b := idx.NewBatch()
	for _, c := range changes {
		if c.Issue == nil {
			b.Delete(c.ID)
			continue
		}
		if err := b.IndexAdvanced(x.an.document(c.Issue)); err != nil {
			return fmt.Errorf("index issue %s: %w", c.ID, err)
		}
	}
	b.SetInternal(keyRev, binary.BigEndian.AppendUint64(nil, rev))
	if err := idx.Batch(b); err != nil {
		return fmt.Errorf("index batch: %w", err)
	}
	t.done(len(changes))
	return nil
}

// Rebuild builds a new index from fill, which calls add for every issue
// of a store as of revision rev (and may pass newer versions of them: the
// caller replays the change log from rev afterwards, which settles every
// difference). The new index replaces the current one only when complete;
// searches keep using the old one meanwhile.
func (x *Index) Rebuild(rev uint64, fill func(add func(*kite.Issue) error) error) error {
	timer := x.metrics.startRebuild()
	tmp := x.path + ".new"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	idx, err := x.create(tmp)
	if err != nil {
		return err
	}
	const chunk = 500
	pending := make([]Change, 0, chunk)
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := x.apply(idx, pending, 0)
		pending = pending[:0]
		return err
	}
	err = fill(func(is *kite.Issue) error {
		pending = append(pending, Change{ID: is.ID, Issue: is})
		if len(pending) == chunk {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err == nil {
		err = idx.SetInternal(keyRev, binary.BigEndian.AppendUint64(nil, rev))
	}
	if cerr := idx.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("rebuild index: %w", err)
	}

	x.mu.Lock()
	defer x.mu.Unlock()
	if x.idx != nil {
		if err := x.idx.Close(); err != nil {
			return err
		}
		x.idx = nil
	}
	if err := os.RemoveAll(x.path); err != nil {
		return err
	}
	if err := os.Rename(tmp, x.path); err != nil {
		return err
	}
	if x.idx, err = bleve.Open(x.path); err != nil {
		return fmt.Errorf("open rebuilt index: %w", err)
	}
	x.faulted.Store(false)
	timer.done()
	return nil
}

var errClosed = kite.Errorf(kite.EUNAVAILABLE, "the search index is closed")

// Missing reports whether the index's files are gone from under it (its
// directory deleted while serving): it must then be rebuilt, as at start.
func (x *Index) Missing() bool {
	_, err := os.Stat(filepath.Join(x.path, "index_meta.json"))
	return errors.Is(err, fs.ErrNotExist)
}
