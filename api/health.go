package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/konflux-ci/kite"
)

// pingTimeout bounds a storage check so a wedged disk fails probes instead
// of hanging them.
const pingTimeout = 5 * time.Second

func (s *server) checkStorage(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	return s.ping(ctx)
}

type healthBody struct {
	Status     string           `json:"status"`
	Message    string           `json:"message"`
	Timestamp  string           `json:"timestamp"`
	Components healthComponents `json:"components"`
}

// healthComponents are the original's database and api, then the
// components of Options.Checks by name.
type healthComponents map[string]componentStatus

type componentStatus struct {
	Status  string            `json:"status"`
	Message string            `json:"message,omitempty"`
	Details map[string]string `json:"details,omitempty"`
}

// health is the original's /api/v1/health: a report for people and
// dashboards, with the storage check as its "database" component.
func (s *server) health(w http.ResponseWriter, r *http.Request) {
	body := healthBody{
		Status:    "UP",
		Message:   "All systems operational",
		Timestamp: time.Now().UTC().Format(time.RFC3339),
		Components: healthComponents{
			"database": {Status: "UP", Message: "Storage is reachable"},
			"api":      {Status: "UP", Details: map[string]string{"version": s.version}},
		},
	}
	status := http.StatusOK
	if err := s.checkStorage(r.Context()); err != nil {
		s.log.WarnContext(r.Context(), "storage health check failed", slog.Any("err", err))
		status = http.StatusServiceUnavailable
		body.Status = "DOWN"
		body.Message = "Storage is unavailable"
		body.Components["database"] = componentStatus{Status: "DOWN", Message: err.Error()}
	}
	for name, check := range s.degraded {
		if err := check(r.Context()); err != nil {
			if body.Status == "UP" {
				body.Status, body.Message = "DEGRADED", name+" works in part"
			}
			body.Components[name] = componentStatus{Status: "DEGRADED", Message: err.Error()}
		}
	}
	for name, check := range s.checks {
		body.Components[name] = componentStatus{Status: "UP"}
		if err := check(r.Context()); err != nil {
			status, body.Status, body.Message = http.StatusServiceUnavailable, "DOWN", name+" is failing"
			body.Components[name] = componentStatus{Status: "DOWN", Message: err.Error()}
		}
	}
	s.writeJSON(w, r, status, body)
}

func (s *server) versionInfo(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, http.StatusOK, map[string]string{
		"name":        "Kite",
		"description": "Issue tracker for Kubernetes CI: failures from pipelines, releases and dependency updates",
		"version":     s.version,
	})
}

// healthz is liveness: the process serves HTTP. It never touches storage,
// so a slow disk does not get the pod restarted.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is readiness: storage answers, so requests can be served, and
// every component check passes. A degraded component (Options.Degraded)
// is reported, but leaves the server ready.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.checkStorage(r.Context()); err != nil {
		s.writeError(w, r, &kite.Error{
			Code:    kite.EUNAVAILABLE,
			Message: "Storage unavailable",
			Details: err.Error(),
			Err:     err,
		})
		return
	}
	for name, check := range s.checks {
		if err := check(r.Context()); err != nil {
			s.writeError(w, r, &kite.Error{Code: kite.EUNAVAILABLE, Message: "Not ready: " + name, Details: err.Error(), Err: err})
			return
		}
	}
	body := map[string]string{"status": "ready"}
	for name, check := range s.degraded {
		if err := check(r.Context()); err != nil {
			body["status"] = "degraded"
			body[name] = err.Error()
		}
	}
	s.writeJSON(w, r, http.StatusOK, body)
}
