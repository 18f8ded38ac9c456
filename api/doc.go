// Package api is Kite's HTTP layer: the v1 REST routes compatible with the
// original Kite, the webhooks its PipelineRun operator and Tekton finally
// tasks post to, the Kite additions (timeline), health and readiness probes,
// Prometheus metrics and the OpenAPI document that describes all of it.
//
// It owns the wire format (request bodies, response envelopes, the JSON error
// shape), the one table that maps kite error codes to HTTP status codes, and
// the middleware every request goes through (panic recovery, CORS, metrics,
// access log). It holds no state of its own: every read and write goes
// through the kite.Service it is given, so the same handlers serve a bbolt
// store in process or any other implementation in tests.
package api
