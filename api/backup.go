package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/konflux-ci/kite"
)

// backupPath streams a backup of the store. It has no deadline for the
// whole: a backup of a large store takes as long as the client reads it.
// But each write of it must go out within the server's write timeout: the
// backup is one read transaction, which a commit that must grow the
// store's mapping waits for, so a client that stops reading is cut off
// rather than let it hold every write.
const backupPath = "/api/v1/admin/backup"

// backupAccess is what taking a backup asks of the Authorizer: a backup
// holds every namespace, so it needs get on backups cluster-wide.
var backupAccess = kite.Access{Verb: kite.VerbGet, Group: kite.APIGroup, Resource: kite.ResourceBackups}

// backup streams a consistent backup of the store, taken from one read
// transaction while the server goes on serving and ingesting. Once bytes
// have been sent an error can only cut the stream short; the backup's
// missing checksum then tells its reader.
func (s *server) backup(w http.ResponseWriter, r *http.Request) {
	if s.backuper == nil {
		s.writeError(w, r, kite.Errorf(kite.EUNAVAILABLE, "this server has no store to back up"))
		return
	}
	if s.authn != nil {
		p := kite.PrincipalFrom(r.Context())
		ok, err := s.authz.Authorize(r.Context(), p, backupAccess)
		switch {
		case err != nil:
			s.writeError(w, r, kite.AccessUnchecked(err))
			return
		case !ok:
			s.writeError(w, r, &kite.Error{Code: kite.EFORBIDDEN, Message: "Access denied",
				Details: p.Name + " may not get backups (" + kite.APIGroup + ", cluster-wide): a backup holds every namespace's issues"})
			return
		}
	}
	cw := &countingWriter{w: w, rc: http.NewResponseController(w), stall: s.writeTimeout}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="kite.backup"`)
	info, err := s.backuper.Backup(r.Context(), cw)
	if err != nil {
		if cw.n == 0 {
			s.writeError(w, r, fmt.Errorf("back up the store: %w", err))
			return
		}
		s.log.ErrorContext(r.Context(), "backup cut short", "err", err, "bytes", cw.n)
		panic(http.ErrAbortHandler) // the client must see a broken stream, not an end
	}
	s.log.InfoContext(r.Context(), "backup taken", "rev", info.Rev, "bytes", cw.n, "user", kite.PrincipalFrom(r.Context()).Name)
}

// countingWriter counts what a backup wrote, giving each write stall to
// go out.
type countingWriter struct {
	w     http.ResponseWriter
	rc    *http.ResponseController
	stall time.Duration
	n     int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	// Not every writer has deadlines (httptest's recorder); those hold
	// no socket a client could leave unread.
	_ = c.rc.SetWriteDeadline(time.Now().Add(c.stall))
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
