package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/konflux-ci/kite"
)

// FileName is the bbolt file inside the data directory.
const FileName = "kite.db"

// schemaVersion is the layout this code reads and writes. Open refuses a
// file written by a newer layout instead of misreading it, and migrates an
// older one (migrations).
const schemaVersion = 4

// migrations[v] brings a file from schema v to v+1, inside the
// transaction that records the new version.
var migrations = map[uint64]func(t *txn) error{
	1: migrateRuns, // run ids leave the bounded ledger for run_ids
	// 2 -> 3: triage (records of version 2, the comments bucket). Records
	// of version 1 stay readable and are rewritten as they change; the
	// bucket is made with the others at open. The new number only keeps
	// an older Kite from misreading the file.
	2: func(*txn) error { return nil },
	3: migrateBySeen, // the by_seen index, for searches ordered by lastSeen
}

// Options configure a Store. Only Dir is required.
type Options struct {
	// Dir is the data directory; it is created when missing.
	Dir string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Registerer receives the store's metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// LockTimeout bounds the wait for the file lock another process holds.
	LockTimeout time.Duration
	// MaxBatch bounds how many writes share one commit.
	MaxBatch int
	// Now is the clock; tests replace it.
	Now func() time.Time
	// MetricsNamespaces is how many namespaces (those with the most
	// issues) get kite_issues series of their own; the others are summed
	// as "other". Default DefaultMetricsNamespaces.
	MetricsNamespaces int
	// OnCommit, when set, is called by the writer after every commit that
	// changed issues, with the new revision. It must not block.
	OnCommit func(rev uint64)
	// Verify walks every page of the file at open even when a clean close
	// sealed it (seal.go), as kite check does.
	Verify bool
}

// Store is the bbolt-backed implementation of kite.IssueService and
// kite.Tracker.
type Store struct {
	db       *bolt.DB
	log      *slog.Logger
	now      func() time.Time
	metrics  *metrics
	onCommit func(rev uint64)
	// dir is the data directory; full is set while commits fail for
	// lack of space on its volume (space.go).
	dir  string
	full atomic.Pointer[fullState]
	// fullLogged is when (Unix seconds) the full volume was last logged.
	fullLogged atomic.Int64
	// queries caches the parsed queries of silences (silences.go).
	queries silenceQueries
	// edges is signalled after a commit that changed when a snooze or a
	// silence starts or ends (Edges).
	edges chan struct{}
	// subscriptions caches the parsed subscriptions; notifyEdges is
	// signalled after commits that concern them (notify.go).
	subscriptions subscriptionCache
	notifyEdges   chan struct{}

	// mu guards closed and makes Close wait for writers being enqueued.
	mu       sync.RWMutex
	closed   bool
	ops      chan *writeOp
	wg       sync.WaitGroup
	maxBatch int
}

// The store is the issue service and the tracker; search is added by the
// service package, which composes it with the index.
var (
	_ kite.IssueService = (*Store)(nil)
	_ kite.Tracker      = (*Store)(nil)
)

// Open opens (or creates) the store in o.Dir. A second process opening the
// same directory fails after LockTimeout with an EUNAVAILABLE error.
func Open(o Options) (*Store, error) {
	if o.Dir == "" {
		return nil, kite.Errorf(kite.EINVALID, "data directory is required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = time.Second
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 512
	}
	if o.Now == nil {
		o.Now = func() time.Time { return time.Now().UTC() }
	}
	if err := os.MkdirAll(o.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(o.Dir, FileName)
	clean, err := sealed(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("read the seal of %s: %w", path, err)
	}
	if err := preflight(path, !clean || o.Verify); err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      o.LockTimeout,
		FreelistType: bolt.FreelistMapType,
		// The freelist is rebuilt on open instead of written on every
		// commit: fewer pages per fsync on the hot path.
		NoFreelistSync: true,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, &kite.Error{
			Code:    kite.EUNAVAILABLE,
			Message: fmt.Sprintf("data directory %s is in use by another Kite process (lock on %s not released within %s)", o.Dir, path, o.LockTimeout),
			Err:     err,
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{
		db:          db,
		log:         o.Logger.With("component", "store"),
		now:         o.Now,
		ops:         make(chan *writeOp, o.MaxBatch),
		maxBatch:    o.MaxBatch,
		onCommit:    o.OnCommit,
		dir:         o.Dir,
		edges:       make(chan struct{}, 1),
		notifyEdges: make(chan struct{}, 1),
	}
	if err := s.migrate(); err != nil {
		_ = db.Close()
		if isNoSpace(err) {
			return nil, &kite.Error{Code: kite.ENOSPACE, Message: "Storage full", Err: err,
				Details: fmt.Sprintf("%s could not be brought up to date: the volume holding it has no space left; free space on it or grow it", path)}
		}
		return nil, err
	}
	m, err := newMetrics(o.Registerer, o.MetricsNamespaces)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s.metrics = m
	if o.Registerer != nil {
		for _, c := range s.volumeCollectors() {
			if err := o.Registerer.Register(c); err != nil {
				_ = db.Close()
				return nil, err
			}
		}
	}
	if err := s.loadGauges(); err != nil {
		_ = db.Close()
		return nil, err
	}
	s.wg.Add(1)
	go s.runWriter()
	return s, nil
}

// migrate creates the buckets of a new file, checks the schema version of
// an existing one and brings an older one up to date in one transaction.
func (s *Store) migrate() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		if meta.Get(keyStoreID) == nil {
			if err := meta.Put(keyStoreID, []byte(rand.Text())); err != nil {
				return err
			}
		}
		v := meta.Get(keySchema)
		switch {
		case v == nil:
			return meta.Put(keySchema, u64(schemaVersion))
		case len(v) != 8:
			return fmt.Errorf("meta/schema is corrupt (%d bytes)", len(v))
		case be64(v) > schemaVersion:
			return kite.Errorf(kite.EUNAVAILABLE, "the data directory was written by a newer Kite (schema %d, this build reads %d)", be64(v), schemaVersion)
		}
		t := newTxn(tx, s.now())
		for from := be64(v); from < schemaVersion; from++ {
			if err := migrations[from](t); err != nil {
				return fmt.Errorf("migrate the store from schema %d to %d: %w", from, from+1, err)
			}
			s.log.Info("store migrated", "from", from, "to", from+1)
		}
		return meta.Put(keySchema, u64(schemaVersion))
	})
}

// Ping reports whether storage is usable: open, readable, schema present.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta).Get(keySchema) == nil {
			return kite.Errorf(kite.EUNAVAILABLE, "storage has no schema version")
		}
		return nil
	})
}

// Edges delivers a signal after each commit that changed when a snooze
// ends or a silence starts or ends (coalesced: one pending at most).
func (s *Store) Edges() <-chan struct{} { return s.edges }

// ID is the store's identity, made with its file.
func (s *Store) ID() (string, error) {
	var id string
	err := s.view(func(tx *bolt.Tx) error {
		id = string(tx.Bucket(bucketMeta).Get(keyStoreID))
		return nil
	})
	return id, err
}

// Rev returns the last committed revision.
func (s *Store) Rev() (uint64, error) {
	var rev uint64
	err := s.view(func(tx *bolt.Tx) error {
		rev = be64(tx.Bucket(bucketMeta).Get(keyRev))
		return nil
	})
	return rev, err
}

// Close stops accepting writes, lets the queued ones commit and closes the
// file. It is safe to call more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.ops)
	s.mu.Unlock()
	s.wg.Wait()
	// A last commit writes bbolt's freelist, which commits skip, and the
	// seal records the file as this close left it: the next open skips
	// walking the file's pages (seal.go).
	s.db.NoFreelistSync = false
	err := s.db.Update(func(*bolt.Tx) error { return nil })
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := writeSeal(s.dir); err != nil {
		s.log.Warn("the store closed cleanly but could not record it: the next start walks the whole file", "err", err)
	}
	return nil
}

// view runs fn in a read transaction, refusing once the store is closed.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return errClosed
	}
	return s.db.View(fn)
}

func be64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

var (
	errClosed        = kite.Errorf(kite.EUNAVAILABLE, "storage is closed")
	errIssueNotFound = &kite.Error{Code: kite.ENOTFOUND, Message: "Issue not found", Field: "id"}
)
