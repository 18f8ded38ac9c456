package store_test

import (
	"time"

	"github.com/konflux-ci/kite/store"
)

func storeOptions(now func() time.Time) store.Options {
	return store.Options{Now: now}
}
