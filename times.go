package kite

import (
	"fmt"
	"math"
	"time"
)

// The times Kite stores are unix nanoseconds in an int64, in records and
// in the ordered keys that sort issues newest first. Outside this range a
// time would wrap (year 1 reads back as 1754) and break that order, so
// every time a caller sends is checked against it.
var (
	MinTime = time.Unix(0, 0).UTC()
	MaxTime = time.Unix(0, math.MaxInt64).UTC()
)

// CheckTime refuses a time Kite cannot store, naming the field. Year 1
// (Go's zero time) is refused too: callers for whom zero means "not given"
// check only the times they were given.
func CheckTime(field string, t time.Time) error {
	if !t.Before(MinTime) && !t.After(MaxTime) {
		return nil
	}
	return Invalid(field, "Validation failed", fmt.Sprintf("%s %s is outside the times Kite can store (%s to %s)",
		field, t.UTC().Format(time.RFC3339), MinTime.Format(time.RFC3339), MaxTime.Format(time.RFC3339)))
}

// ParseTime parses an RFC 3339 time a caller sent in field, in the range
// CheckTime accepts.
func ParseTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, Invalid(field, "Validation failed", field+" must be an RFC 3339 time such as 2026-11-27T10:00:00Z")
	}
	if err := CheckTime(field, t); err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// checkGivenTime is CheckTime for a time whose zero value means "not given".
func checkGivenTime(field string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	return CheckTime(field, t)
}
