package store

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
)

// TestCheckFindsDamage damages each kind of derived data behind the store's
// back and expects Check to name it.
func TestCheckFindsDamage(t *testing.T) {
	damages := map[string]func(tx *bolt.Tx, id []byte) error{
		"index key removed": func(tx *bolt.Tx, id []byte) error {
			c := tx.Bucket(bucketByNS).Cursor()
			k, _ := c.First()
			return tx.Bucket(bucketByNS).Delete(k)
		},
		"stray index key": func(tx *bolt.Tx, id []byte) error {
			return tx.Bucket(bucketByScope).Put([]byte("ghost\x00x\x00y\x00................"), nil)
		},
		"counter off": func(tx *bolt.Tx, id []byte) error {
			c := tx.Bucket(bucketCounts).Cursor()
			k, _ := c.First()
			return tx.Bucket(bucketCounts).Put(k, u64(7))
		},
		"orphan event": func(tx *bolt.Tx, id []byte) error {
			return tx.Bucket(bucketEvents).Put(eventKey(make([]byte, idLen), 1), []byte("{}"))
		},
		"one-sided relation": func(tx *bolt.Tx, id []byte) error {
			return tx.Bucket(bucketRel).Put(pairKey(id, id), []byte("{}"))
		},
		"fingerprint points elsewhere": func(tx *bolt.Tx, id []byte) error {
			c := tx.Bucket(bucketFP).Cursor()
			k, _ := c.First()
			return tx.Bucket(bucketFP).Put(k, make([]byte, idLen))
		},
	}
	for name, damage := range damages {
		t.Run(name, func(t *testing.T) {
			s, err := Open(Options{Dir: t.TempDir()})
			require.NoError(t, err)
			t.Cleanup(func() { require.NoError(t, s.Close()) })
			res, err := s.Report(context.Background(), kite.Report{
				Namespace: "ns", Title: "t", Description: "d", Severity: "minor", IssueType: "build",
				Scope: kite.Scope{ResourceType: "component", ResourceName: "c"},
			})
			require.NoError(t, err)
			require.NoError(t, s.Check())
			id, err := parseID(res.Issue.ID)
			require.NoError(t, err)
			require.NoError(t, s.db.Update(func(tx *bolt.Tx) error { return damage(tx, id) }))
			assert.Error(t, s.Check())
		})
	}
}
