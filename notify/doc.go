// Package notify sends Kite's notifications over HTTP: CloudEvents to
// outbound webhooks, signed with the subscription's secret, and alerts to
// an Alertmanager's v2 API. It owns the wire formats (the CloudEvent's
// envelope and data, the alert's labels and annotations) and a client that
// refuses to reach link-local addresses (a cloud's metadata service) and,
// unless allowed, loopback ones, whatever a subscription's URL resolves
// to. What to send, when, and what was sent is the service's: this package
// keeps no state.
package notify
