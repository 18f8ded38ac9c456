package kite

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestFormatAge(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 45 * time.Second: "45s", 12 * time.Minute: "12m", 3 * time.Hour: "3h",
		47 * time.Hour: "47h", 5 * 24 * time.Hour: "5d",
	} {
		assert.Equal(t, want, FormatAge(now, now.Add(-d)), d)
	}
}
