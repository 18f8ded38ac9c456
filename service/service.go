package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/index"
	"github.com/konflux-ci/kite/store"
)

// Options configure a Service. Only Dir is required.
type Options struct {
	// Dir is the data directory holding the store file and the index.
	Dir        string
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// LockTimeout bounds the wait for another process's lock on the store.
	LockTimeout time.Duration
	// RetainChanges is how many change log entries are kept behind the
	// index (for readers that resume from a revision). Default 100,000.
	RetainChanges uint64
	// RunRetention is how long the ids of applied runs are remembered, so
	// that a run re-sent within it is a no-op (store.PruneRuns). It should
	// exceed how long the cluster keeps completed PipelineRuns. Default
	// DefaultRunRetention.
	RunRetention time.Duration
	// MetricsNamespaces bounds kite_issues' namespace label (see
	// store.Options.MetricsNamespaces).
	MetricsNamespaces int
	// SearchTimeout stops a search of the index that runs longer (its
	// run-time cost limit; the query parser bounds what a query may ask
	// for). Default DefaultSearchTimeout.
	SearchTimeout time.Duration
	// Now is the clock; tests replace it.
	Now func() time.Time
	// RebuildIndex discards the existing index and rebuilds it.
	RebuildIndex bool
	// BackupDir, when set, receives a backup of the store every
	// BackupEvery (default DefaultBackupEvery); the newest BackupKeep
	// (default DefaultBackupKeep) are kept (backups.go).
	BackupDir   string
	BackupEvery time.Duration
	BackupKeep  int
	// Retention deletes resolved issues past it (retention.go); the zero
	// value keeps them for ever.
	Retention kite.Retention
	// Notify configures notifications (notify.go).
	Notify NotifyOptions
}

// Scheduled backups' defaults.
const (
	DefaultBackupEvery = 6 * time.Hour
	DefaultBackupKeep  = 7
)

// DefaultSearchTimeout is Options.SearchTimeout's default: far above an
// ordinary search (milliseconds at 100,000 issues), short enough that a
// pathological one gives its CPU back.
const DefaultSearchTimeout = 10 * time.Second

// DefaultRunRetention is Options.RunRetention's default.
const DefaultRunRetention = 30 * 24 * time.Hour

// Service is the store and the index kept consistent. Its issue and
// tracker methods are the store's; ListIssues and Search use the index.
type Service struct {
	*store.Store
	idx     *index.Index
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics
	retain  uint64
	runTTL  time.Duration
	// searchTimeout is Options.SearchTimeout.
	searchTimeout time.Duration
	// indexFailing is set while the indexer's syncs fail (a full volume):
	// searches then answer from the index as it is rather than wait.
	indexFailing atomic.Bool
	// maxExpansion is each search's budget of index terms (0: the
	// index's default); tests lower it.
	maxExpansion int
	// countBound is where the planner stops counting (countBound);
	// forcePlan makes it always walk ("walk") or never ("index") where it
	// may choose: tests set them.
	countBound int
	forcePlan  string

	backupDir   string
	backupEvery time.Duration
	backupKeep  int
	backups     *backupMetrics

	retention        kite.Retention
	retentionDeleted prometheus.Counter

	notify   *notifier
	notifyOn bool

	// wake tells the indexer that the store committed.
	wake      chan struct{}
	hub       *hub
	storeRev  atomic.Uint64
	applied   *revWaiter
	ready     atomic.Bool
	readyC    chan struct{} // closed when ready first turns true
	readyOnce sync.Once
	progress  atomic.Pointer[Progress]

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var (
	_ kite.Service  = (*Service)(nil)
	_ kite.Streamer = (*Service)(nil)
)

// Open opens the store and the index in o.Dir and starts the indexer,
// which first brings the index up to date (rebuilding it if needed) while
// the store already serves.
func Open(o Options) (*Service, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.RetainChanges == 0 {
		o.RetainChanges = 100_000
	}
	if o.RunRetention <= 0 {
		o.RunRetention = DefaultRunRetention
	}
	if o.SearchTimeout <= 0 {
		o.SearchTimeout = DefaultSearchTimeout
	}
	if o.Now == nil {
		o.Now = func() time.Time { return time.Now().UTC() }
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	fm, err := newFeedMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	rm := newRetentionMetric()
	if o.Registerer != nil {
		if err := o.Registerer.Register(rm); err != nil {
			return nil, err
		}
	}
	nm := newNotifyMetrics()
	if o.Registerer != nil {
		for _, c := range nm.collectors() {
			if err := o.Registerer.Register(c); err != nil {
				return nil, err
			}
		}
	}
	bm := newBackupMetrics()
	if o.BackupDir != "" {
		if o.BackupEvery <= 0 {
			o.BackupEvery = DefaultBackupEvery
		}
		if o.BackupKeep <= 0 {
			o.BackupKeep = DefaultBackupKeep
		}
		if o.Registerer != nil {
			for _, c := range bm.collectors() {
				if err := o.Registerer.Register(c); err != nil {
					return nil, err
				}
			}
		}
	}
	s := &Service{
		log:              o.Logger.With("component", "indexer"),
		now:              o.Now,
		metrics:          m,
		retain:           o.RetainChanges,
		runTTL:           o.RunRetention,
		searchTimeout:    o.SearchTimeout,
		countBound:       countBound,
		backupDir:        o.BackupDir,
		backupEvery:      o.BackupEvery,
		backupKeep:       o.BackupKeep,
		backups:          bm,
		retention:        o.Retention,
		retentionDeleted: rm,
		wake:             make(chan struct{}, 1),
		readyC:           make(chan struct{}),
		hub:              &hub{subs: map[*subscriber]struct{}{}, wake: make(chan struct{}, 1), metrics: fm},
		notifyOn:         o.Notify.On,
	}
	s.notify = newNotifier(s, o.Notify, o.Logger, nm)
	s.Store, err = store.Open(store.Options{
		Dir: o.Dir, Logger: o.Logger, Registerer: o.Registerer, LockTimeout: o.LockTimeout, Now: o.Now,
		MetricsNamespaces: o.MetricsNamespaces,
		OnCommit:          s.committed,
	})
	if err != nil {
		return nil, err
	}
	rev, err := s.Store.Rev()
	if err != nil {
		_ = s.Store.Close()
		return nil, err
	}
	s.storeRev.Store(rev)
	s.hub.pos = rev
	id, err := s.Store.ID()
	if err != nil {
		_ = s.Store.Close()
		return nil, err
	}
	idx, fresh, err := index.Open(index.Options{Dir: o.Dir, Logger: o.Logger, Registerer: o.Registerer, Reset: o.RebuildIndex, StoreID: id})
	if errors.Is(err, index.ErrOtherStore) {
		_ = s.Store.Close()
		return nil, mismatched(o.Dir, "it was built from another store file than this one (a replaced or restored kite.db)", err)
	}
	if err != nil {
		_ = s.Store.Close()
		return nil, fmt.Errorf("open search index: %w", err)
	}
	s.idx = idx
	indexRev, err := idx.Rev()
	if err != nil {
		return nil, errors.Join(err, idx.Close(), s.Store.Close())
	}
	if indexRev > rev {
		_, _ = idx.Close(), s.Store.Close()
		return nil, mismatched(o.Dir, fmt.Sprintf("it has seen revision %d of the store, which is at %d: the store file is older than the index (acknowledged writes may be lost)", indexRev, rev), nil)
	}
	s.applied = newRevWaiter(indexRev)
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(4)
	go s.runIndexer(ctx, fresh && rev > 0)
	go s.runHub(ctx)
	go s.runRunPruner(ctx)
	go s.runWaker(ctx)
	if s.backupDir != "" {
		s.wg.Add(1)
		go s.runBackups(ctx)
	}
	if !s.retention.Off() {
		s.wg.Add(1)
		go s.runRetention(ctx)
	}
	if s.notifyOn {
		s.wg.Add(1)
		go s.notify.run(ctx)
	}
	return s, nil
}

// mismatched is the error of a store and an index that do not belong
// together: the index would answer for issues the store does not have.
func mismatched(dir, why string, err error) error {
	return &kite.Error{
		Code: kite.EUNAVAILABLE, Err: err,
		Message: fmt.Sprintf("the search index %s does not match the store %s: %s", filepath.Join(dir, index.DirName), filepath.Join(dir, store.FileName), why),
		Details: fmt.Sprintf("if the store file is the one to keep, rebuild the index from it (kite reindex --data-dir %s); otherwise put back the store file the index was built from", dir),
	}
}

// committed is the store's OnCommit hook: note the revision, wake the
// indexer, never block the writer.
func (s *Service) committed(rev uint64) {
	s.storeRev.Store(rev)
	select {
	case s.wake <- struct{}{}:
	default:
	}
	s.hub.notify()
}

// Close stops the indexer, then closes the index and the store.
func (s *Service) Close() error {
	s.cancel()
	s.wg.Wait()
	return errors.Join(s.idx.Close(), s.Store.Close())
}

// Ready reports whether the index has caught up with the store once since
// start; until then searches are refused and the list's search parameter
// falls back to scanning the store.
func (s *Service) Ready() bool { return s.ready.Load() }

// ReadyC is closed when the index has caught up with the store once, so
// that a caller can wait for readiness instead of polling Ready.
func (s *Service) ReadyC() <-chan struct{} { return s.readyC }

// Progress is how far a rebuild has come.
type Progress struct {
	Done, Total int
	Started     time.Time
}

// RebuildProgress returns the progress of a running rebuild, nil if none.
func (s *Service) RebuildProgress() *Progress { return s.progress.Load() }

// IndexLag is how many store revisions the index has yet to apply.
func (s *Service) IndexLag() (uint64, error) {
	storeRev, err := s.Store.Rev()
	if err != nil {
		return 0, err
	}
	applied, err := s.idx.Rev()
	if err != nil {
		return 0, err
	}
	return storeRev - min(applied, storeRev), nil
}
