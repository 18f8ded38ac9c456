package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestContainerfileBuildsWhatMakeBuilds keeps the image's binary the one
// `make build` makes: static, trimmed, versioned the same way.
func TestContainerfileBuildsWhatMakeBuilds(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	require.NoError(t, err)
	cf, err := os.ReadFile("../../Containerfile")
	require.NoError(t, err)
	ldflags := regexp.MustCompile(`(?m)^LDFLAGS\s*:=\s*(.*)$`).FindSubmatch(mk)
	require.NotNil(t, ldflags, "Makefile LDFLAGS")
	want := strings.ReplaceAll(string(ldflags[1]), "$(VERSION)", "${VERSION}")
	build := regexp.MustCompile(`(?m)^build:.*\n\t(.*)$`).FindSubmatch(mk)
	require.NotNil(t, build, "Makefile build recipe")
	assert.Contains(t, string(build[1]), "CGO_ENABLED=0 $(GO) build -trimpath")
	assert.Contains(t, string(cf), `CGO_ENABLED=0 go build -trimpath -ldflags "`+want+`"`)
	assert.Contains(t, string(cf), "./cmd/kite")
	assert.Contains(t, string(cf), "FROM scratch")
	assert.Regexp(t, `(?m)^USER 65532:65532$`, string(cf), "non-root, as deploy/ runs it")
}
