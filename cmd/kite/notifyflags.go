package main

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/konflux-ci/kite/service"
)

// notifyFlags are kite serve's notification settings.
type notifyFlags struct {
	on            bool
	source        string
	issueURL      string
	resend        time.Duration
	allowLoopback bool
	maxAge        time.Duration
}

func (n *notifyFlags) register(f *pflag.FlagSet, env lookupEnv) {
	f.BoolVar(&n.on, "notify", true, "send the notifications of subscriptions (kite notify); off: keep queueing them, send nothing")
	f.StringVar(&n.source, "notify-source", envOr(env, "KITE_NOTIFY_SOURCE", "kite"), "the CloudEvents source of webhook notifications, e.g. the cluster's name (env KITE_NOTIFY_SOURCE)")
	f.StringVar(&n.issueURL, "notify-issue-url", envOr(env, "KITE_NOTIFY_ISSUE_URL", ""), "link to an issue in notifications, {namespace} and {id} replaced, e.g. https://console.example/ns/{namespace}/issues/{id} (env KITE_NOTIFY_ISSUE_URL)")
	f.DurationVar(&n.resend, "notify-resend", service.DefaultResend, "how often an Alertmanager is sent every open issue's alert again; an alert ends by itself four of these after Kite last sent it")
	f.DurationVar(&n.maxAge, "notify-max-age", service.DefaultNotifyMaxAge, "how long a webhook notification is retried before it is dropped")
	f.BoolVar(&n.allowLoopback, "notify-allow-loopback", false, "let subscriptions reach loopback addresses (a receiver beside Kite in its pod); link-local addresses are refused always")
}

func (n *notifyFlags) options() service.NotifyOptions {
	return service.NotifyOptions{On: n.on, Source: n.source, IssueURL: n.issueURL, Resend: n.resend, AllowLoopback: n.allowLoopback, MaxAge: n.maxAge}
}
