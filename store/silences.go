package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
)

var _ kite.Silencer = (*Store)(nil)

// Silences are records of their own; an issue holds the ids of the active
// silences that match it (Issue.Muted), kept current by every write of the
// issue (saveIssue asks muteOf), by every write of a silence (which
// re-evaluates the issues of its namespaces) and by the service's waker
// when a silence starts or ends (RefreshSilences).

// silenceQueries caches parsed silence queries by id and text, so that a
// write parses each silence once, not once per issue.
type silenceQueries struct {
	mu sync.Mutex
	m  map[string]parsedSilence
	// decoded are the silences as of the bucket's sequence seq (loaded:
	// read at all, an empty bucket included).
	decoded []activeSilence
	seq     uint64
	loaded  bool
}

type parsedSilence struct {
	text string
	q    *kite.Query
}

func (c *silenceQueries) get(s *kite.Silence) (*kite.Query, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.m[s.ID]; ok && p.text == s.Query {
		return p.q, nil
	}
	q, err := kite.ParseQuery(s.Query, s.UpdatedAt)
	if err != nil {
		return nil, fmt.Errorf("silence %s: %w", s.ID, err)
	}
	if c.m == nil {
		c.m = map[string]parsedSilence{}
	}
	c.m[s.ID] = parsedSilence{text: s.Query, q: q}
	return q, nil
}

// activeSilences are a transaction's active silences by namespace, read
// once per transaction.
type activeSilences map[string][]activeSilence

type activeSilence struct {
	s *kite.Silence
	q *kite.Query
}

func (t *txn) activeSilences(cache *silenceQueries) (activeSilences, error) {
	if t.silences != nil {
		return t.silences, nil
	}
	all, err := cache.all(t.tx.Bucket(bucketSilence), !t.silenceWritten)
	if err != nil {
		return nil, err
	}
	out := activeSilences{}
	for _, a := range all {
		if a.s.StateAt(t.now) != kite.SilenceActive {
			continue
		}
		for _, ns := range a.s.Namespaces {
			out[ns] = append(out[ns], a)
		}
	}
	t.silences = out
	return out, nil
}

// all returns every silence of the bucket with its parsed query, decoding
// them again only when the bucket changed (putSilence bumps its sequence):
// a write then costs a look at the cache, not a hundred decodes. A
// transaction that wrote silences neither uses nor fills the cache: it may
// yet roll back, and a later one reach the same sequence.
func (c *silenceQueries) all(b *bolt.Bucket, cacheable bool) ([]activeSilence, error) {
	c.mu.Lock()
	seq, ok := c.seq, c.loaded
	c.mu.Unlock()
	if cacheable && ok && seq == b.Sequence() {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.decoded, nil
	}
	var out []activeSilence
	err := b.ForEach(func(k, v []byte) error {
		s, err := decodeSilence(k, v)
		if err != nil {
			return err
		}
		q, err := c.get(s)
		if err != nil {
			return err
		}
		out = append(out, activeSilence{s, q})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if cacheable {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.seq, c.decoded, c.loaded = b.Sequence(), out, true
	}
	return out, nil
}

// muteOf sets is.Muted to the active silences that match it.
func (t *txn) muteOf(is *kite.Issue) error {
	if t.queries == nil {
		t.queries = &silenceQueries{}
	}
	act, err := t.activeSilences(t.queries)
	if err != nil {
		return err
	}
	candidates := act[is.Namespace]
	if len(candidates) == 0 && len(is.Muted) == 0 {
		return nil
	}
	var muted []string
	target := kite.NewTarget(is)
	for _, a := range candidates {
		if a.q.MatchesTarget(target) {
			muted = append(muted, a.s.ID)
		}
	}
	slices.Sort(muted)
	is.Muted = muted
	return nil
}

// remute re-evaluates the issues of the namespaces against the active
// silences (after a silence changed, started or ended), saving those whose
// mutes changed with a timeline entry by actor. It returns how many
// changed.
func (t *txn) remute(namespaces []string, actor string) (int, error) {
	t.silences = nil // the silences changed in this transaction
	n := 0
	for _, ns := range namespaces {
		var ids [][]byte
		prefix := nsPrefix(ns)
		c := t.tx.Bucket(bucketByNS).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			ids = append(ids, bytes.Clone(k[len(k)-idLen:]))
		}
		for _, id := range ids {
			old, err := t.mustLoad(id)
			if err != nil {
				return n, err
			}
			is := cloneIssue(old)
			if err := t.muteOf(is); err != nil {
				return n, err
			}
			if slices.Equal(is.Muted, old.Muted) {
				continue
			}
			ev := muteEvent(old.Muted, is.Muted, actor)
			if err := t.saveIssue(id, old, is, ev); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// muteEvent is the timeline entry of a change of mutes.
func muteEvent(before, after []string, actor string) kite.Event {
	if len(after) == 0 {
		return kite.Event{Kind: kite.EventUnmuted, Actor: actor, Message: "no silence matches it any more"}
	}
	var added []string
	for _, id := range after {
		if !slices.Contains(before, id) {
			added = append(added, id)
		}
	}
	if len(added) == 0 {
		added = after
	}
	return kite.Event{Kind: kite.EventMuted, Actor: actor, Message: "muted by silence " + added[0]}
}

// Silences implements kite.Silencer: newest first.
func (s *Store) Silences(ctx context.Context, f kite.SilenceFilter) ([]kite.Silence, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	out := []kite.Silence{}
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSilence).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			sl, err := decodeSilence(k, v)
			if err != nil {
				return err
			}
			sl.State = sl.StateAt(now)
			if len(f.States) > 0 && !slices.Contains(f.States, sl.State) {
				continue
			}
			if len(f.Namespaces) > 0 && !slices.ContainsFunc(sl.Namespaces, func(ns string) bool { return slices.Contains(f.Namespaces, ns) }) {
				continue
			}
			out = append(out, *sl)
		}
		return nil
	})
	return out, err
}

// GetSilence implements kite.Silencer.
func (s *Store) GetSilence(ctx context.Context, id string) (*kite.Silence, error) {
	key, err := silenceKey(id)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out *kite.Silence
	err = s.view(func(tx *bolt.Tx) error {
		out, err = loadSilence(tx, key)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.State = out.StateAt(s.now())
	return out, nil
}

// CreateSilence implements kite.Silencer; the issues it matches are muted
// in the same write.
func (s *Store) CreateSilence(ctx context.Context, r kite.SilenceRequest, actor string) (*kite.Silence, error) {
	actor, id, err := newRecord(actor)
	if err != nil {
		return nil, err
	}
	var out *kite.Silence
	err = s.update(ctx, func(t *txn) error {
		start, err := r.Check(t.now)
		if err != nil {
			return err
		}
		sl := &kite.Silence{
			ID: formatID(id[:]), Namespaces: sortedSet(r.Namespaces), Query: r.Query, StartsAt: start, EndsAt: r.EndsAt.UTC(),
			CreatedBy: actor, Comment: r.Comment, CreatedAt: t.now, UpdatedAt: t.now,
		}
		if err := t.putSilence(id[:], sl); err != nil {
			return err
		}
		out = sl
		_, err = t.remute(sl.Namespaces, actor)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.State = out.StateAt(s.now())
	return out, nil
}

// UpdateSilence implements kite.Silencer: the request replaces the
// silence, and the issues of its old and new namespaces are re-evaluated.
func (s *Store) UpdateSilence(ctx context.Context, id string, r kite.SilenceRequest, actor string) (*kite.Silence, error) {
	return s.changeSilence(ctx, id, actor, func(t *txn, sl *kite.Silence) error {
		if sl.StateAt(t.now) == kite.SilenceExpired {
			return kite.Errorf(kite.ECONFLICT, "silence %s has expired: create a new one", sl.ID)
		}
		start, err := r.Check(t.now)
		if err != nil {
			return err
		}
		sl.Namespaces, sl.Query, sl.StartsAt, sl.EndsAt, sl.Comment = sortedSet(r.Namespaces), r.Query, start, r.EndsAt.UTC(), r.Comment
		return nil
	})
}

// ExpireSilence implements kite.Silencer; expiring an expired silence
// changes nothing.
func (s *Store) ExpireSilence(ctx context.Context, id, actor string) (*kite.Silence, error) {
	return s.changeSilence(ctx, id, actor, func(t *txn, sl *kite.Silence) error {
		if sl.StateAt(t.now) != kite.SilenceExpired {
			sl.EndsAt = t.now
			if sl.StartsAt.After(t.now) {
				sl.StartsAt = t.now
			}
		}
		return nil
	})
}

func (s *Store) changeSilence(ctx context.Context, id, actor string, edit func(t *txn, sl *kite.Silence) error) (*kite.Silence, error) {
	key, err := silenceKey(id)
	if err != nil {
		return nil, err
	}
	actor, err = actorName(actor)
	if err != nil {
		return nil, err
	}
	var out *kite.Silence
	err = s.update(ctx, func(t *txn) error {
		sl, err := loadSilence(t.tx, key)
		if err != nil {
			return err
		}
		before := *sl
		if err := edit(t, sl); err != nil {
			return err
		}
		out = sl
		if slices.Equal(before.Namespaces, sl.Namespaces) && before.Query == sl.Query && before.StartsAt.Equal(sl.StartsAt) &&
			before.EndsAt.Equal(sl.EndsAt) && before.Comment == sl.Comment {
			return nil
		}
		sl.UpdatedAt = t.now
		if err := t.putSilence(key, sl); err != nil {
			return err
		}
		_, err = t.remute(sortedSet(append(slices.Clone(before.Namespaces), sl.Namespaces...)), actor)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.State = out.StateAt(s.now())
	return out, nil
}

// RefreshSilences re-evaluates the namespaces of the silences that started
// or ended since the last refresh (the service's waker calls it at each
// start and end); it returns how many issues changed.
func (s *Store) RefreshSilences(ctx context.Context) (int, error) {
	// Most wake-ups pass no edge: a read says so without a write.
	var due bool
	err := s.view(func(tx *bolt.Tx) error {
		namespaces, err := s.passedEdges(tx, s.now())
		due = len(namespaces) > 0
		return err
	})
	if err != nil || !due {
		return 0, err
	}
	n := 0
	err = s.update(ctx, func(t *txn) error {
		namespaces, err := s.passedEdges(t.tx, t.now)
		if err != nil {
			return err
		}
		if n, err = t.remute(namespaces, kite.ActorKite); err != nil {
			return err
		}
		return t.put(bucketMeta, keySilencesAt, u64(uint64(t.now.UnixNano()))) //nolint:gosec // after 1970
	})
	return n, err
}

// passedEdges are the namespaces of the silences that started or ended
// after the last refresh and by now.
func (s *Store) passedEdges(tx *bolt.Tx, now time.Time) ([]string, error) {
	last := time.Unix(0, int64(be64(tx.Bucket(bucketMeta).Get(keySilencesAt)))).UTC() //nolint:gosec // written from UnixNano
	all, err := s.queries.all(tx.Bucket(bucketSilence), true)
	if err != nil {
		return nil, err
	}
	var namespaces []string
	for _, a := range all {
		for _, edge := range []time.Time{a.s.StartsAt, a.s.EndsAt} {
			if edge.After(last) && !edge.After(now) {
				namespaces = append(namespaces, a.s.Namespaces...)
			}
		}
	}
	return sortedSet(namespaces), nil
}

// NextSilenceEdge is the earliest start or end of a silence after now,
// zero when none is ahead.
func (s *Store) NextSilenceEdge() (time.Time, error) {
	now := s.now()
	var next time.Time
	err := s.view(func(tx *bolt.Tx) error {
		all, err := s.queries.all(tx.Bucket(bucketSilence), true)
		if err != nil {
			return err
		}
		for _, a := range all {
			for _, edge := range []time.Time{a.s.StartsAt, a.s.EndsAt} {
				if edge.After(now) && (next.IsZero() || edge.Before(next)) {
					next = edge
				}
			}
		}
		return nil
	})
	return next, err
}

func (t *txn) putSilence(key []byte, sl *kite.Silence) error {
	c := *sl
	c.State = ""
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	b := t.tx.Bucket(bucketSilence)
	t.silenceWritten = true
	// A new sequence tells the cache of decoded silences (all) to read
	// them again; a rolled-back write rolls it back too.
	if _, err := b.NextSequence(); err != nil {
		return err
	}
	return t.put(bucketSilence, key, v)
}

func loadSilence(tx *bolt.Tx, key []byte) (*kite.Silence, error) {
	v := tx.Bucket(bucketSilence).Get(key)
	if v == nil {
		return nil, kite.Errorf(kite.ENOTFOUND, "Silence not found")
	}
	return decodeSilence(key, v)
}

func decodeSilence(k, v []byte) (*kite.Silence, error) {
	var sl kite.Silence
	if err := json.Unmarshal(v, &sl); err != nil {
		return nil, fmt.Errorf("silence %x: %w", k, err)
	}
	if sl.ID != formatID(k) {
		return nil, fmt.Errorf("silence %x holds id %s", k, sl.ID)
	}
	return &sl, nil
}

func silenceKey(id string) ([]byte, error) {
	k, err := parseID(id)
	if err != nil {
		return nil, kite.Invalid("id", "Invalid silence id", "a silence id is a UUID")
	}
	return k, nil
}

// sortedSet sorts and de-duplicates.
func sortedSet(v []string) []string {
	out := slices.Clone(v)
	slices.Sort(out)
	return slices.Compact(out)
}
