package api

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBackupIsAuthorized: a backup holds every namespace, so only a caller
// allowed to get backups cluster-wide may take one; a namespace admin is
// refused, and what a permitted caller gets is a whole backup.
func TestBackupIsAuthorized(t *testing.T) {
	ts := newTestServer(t, func(o *Options) {
		o.Authenticator = tokens{
			"admin-token": {Name: "ops"},
			"ns-token":    {Name: "alice"},
			"flaky-token": {Name: "flaky"},
		}
		o.Authorizer = rules{"ops get backups - -", "alice * issues team-a -", "alice get backups team-a -"}
	})
	bearer := func(token string) []string { return []string{"Authorization", "Bearer " + token} }

	res := ts.do(t, http.MethodGet, backupPath, nil, bearer("ns-token")...)
	requireError(t, res, http.StatusForbidden, "Access denied")
	assert.Contains(t, string(res.Raw), "every namespace")
	requireError(t, ts.do(t, http.MethodGet, backupPath, nil), http.StatusForbidden, "Access denied")
	assert.Equal(t, http.StatusServiceUnavailable, ts.do(t, http.MethodGet, backupPath, nil, bearer("flaky-token")...).Code)

	res = ts.do(t, http.MethodGet, backupPath, nil, bearer("admin-token")...)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Equal(t, "application/octet-stream", res.Header.Get("Content-Type"))
	assert.True(t, bytes.HasPrefix(res.Raw, []byte("KITE-BACKUP 1\n")))
	assert.Contains(t, string(res.Raw), "\nSHA256 ", "ends with its checksum")
}
