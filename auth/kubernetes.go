package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/request/x509"
	"k8s.io/apiserver/pkg/authentication/token/cache"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	webhooktoken "k8s.io/apiserver/plugin/pkg/authenticator/token/webhook"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/konflux-ci/kite"
)

// Options configure the Kubernetes adapter. Only Config is required.
type Options struct {
	// Config reaches the cluster whose TokenReview and SubjectAccessReview
	// APIs decide. Kite's service account needs system:auth-delegator.
	Config *rest.Config
	// ClientCAFile, when set, verifies client certificates against this CA
	// bundle (reloaded when the file changes): a verified certificate's
	// common name is the user, its organizations the groups.
	ClientCAFile string
	// TokenTTL is how long a token's review is remembered. Default 10s.
	TokenTTL time.Duration
	// AllowTTL and DenyTTL are how long allowed and denied decisions are
	// remembered. Defaults 10s and 5s: a grant takes effect soon, and a
	// revocation no later than AllowTTL.
	AllowTTL, DenyTTL time.Duration
	// ReviewTimeout bounds one review request. Default 5s.
	ReviewTimeout time.Duration
	Logger        *slog.Logger
	Registerer    prometheus.Registerer
}

// reviewQPS and reviewBurst bound the reviews Kite asks of the API server
// when its configuration sets no rate of its own.
const (
	reviewQPS   = 100
	reviewBurst = 200
)

// Kubernetes authenticates and authorizes callers against a cluster.
type Kubernetes struct {
	tokens  authenticator.Token
	certs   authenticator.Request // nil without a client CA
	ca      *dynamiccertificates.DynamicFileCAContent
	authz   authorizer.Authorizer
	log     *slog.Logger
	metrics *metrics
}

var _ kite.Authorizer = (*Kubernetes)(nil)

// New builds the adapter. Nothing is asked of the cluster until the first
// request.
func New(o Options) (*Kubernetes, error) {
	if o.Config == nil {
		return nil, errors.New("auth: a cluster configuration is required")
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = 10 * time.Second
	}
	if o.AllowTTL <= 0 {
		o.AllowTTL = 10 * time.Second
	}
	if o.DenyTTL <= 0 {
		o.DenyTTL = 5 * time.Second
	}
	if o.ReviewTimeout <= 0 {
		o.ReviewTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	cfg := rest.CopyConfig(o.Config)
	if cfg.RateLimiter == nil && cfg.QPS == 0 {
		// Reviews are asked as callers arrive: client-go's default of five
		// requests a second would queue the first requests of a few dozen
		// callers or namespaces behind each other, 200 ms apiece. The API
		// server's own priority and fairness still protects it.
		cfg.QPS, cfg.Burst = reviewQPS, reviewBurst
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	// Few retries: a caller waits for them, and an outage must turn into
	// a 503 within seconds rather than hold requests.
	backoff := wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: 2}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	k := &Kubernetes{log: o.Logger.With("component", "auth"), metrics: m}
	webhook, err := webhooktoken.NewFromInterface(cs.AuthenticationV1(), nil, backoff, o.ReviewTimeout, webhooktoken.AuthenticatorMetrics{
		RecordRequestTotal:   func(context.Context, string) {},
		RecordRequestLatency: func(context.Context, string, float64) {},
	})
	if err != nil {
		return nil, fmt.Errorf("auth: token reviews: %w", err)
	}
	// Errors are not cached: an outage ends as soon as the cluster answers.
	k.tokens = cache.New(webhook, false, o.TokenTTL, o.TokenTTL)
	if o.ClientCAFile != "" {
		k.ca, err = dynamiccertificates.NewDynamicCAContentFromFile("client-ca", o.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("auth: client CA: %w", err)
		}
		k.certs = x509.NewDynamic(k.ca.VerifyOptions, x509.CommonNameUserConversion)
	}
	k.authz, err = authorizerfactory.DelegatingAuthorizerConfig{
		SubjectAccessReviewClient: cs.AuthorizationV1(),
		AllowCacheTTL:             o.AllowTTL,
		DenyCacheTTL:              o.DenyTTL,
		WebhookRetryBackoff:       &backoff,
	}.New()
	if err != nil {
		return nil, fmt.Errorf("auth: access reviews: %w", err)
	}
	return k, nil
}

// Run reloads the client CA bundle when its file changes, until ctx ends.
// Without a client CA it returns at once.
func (k *Kubernetes) Run(ctx context.Context) {
	if k.ca != nil {
		k.ca.Run(ctx, 1)
	}
}

// ClientCAs is the client CA bundle's current pool for the TLS server's
// handshake, nil without one.
func (k *Kubernetes) ClientCAs() *dynamiccertificates.DynamicFileCAContent { return k.ca }

// Authenticate says who makes r. A request without credentials is
// kite.Anonymous(); a token the cluster rejects is EUNAUTHENTICATED (401);
// a review that cannot be made is EUNAVAILABLE (503), never anonymous.
func (k *Kubernetes) Authenticate(r *http.Request) (*kite.Principal, error) {
	if token, ok := bearer(r); ok {
		resp, ok, err := k.tokens.AuthenticateToken(r.Context(), token)
		switch {
		case err != nil && reviewFailed(err):
			k.metrics.authn.WithLabelValues("error").Inc()
			k.log.Warn("token review failed", "err", err)
			return nil, &kite.Error{Code: kite.EUNAVAILABLE, Message: "Your credentials could not be checked; try again shortly", Err: err}
		case err != nil || !ok:
			k.metrics.authn.WithLabelValues("rejected").Inc()
			return nil, errUnauthenticated
		}
		k.metrics.authn.WithLabelValues("token").Inc()
		return principal(resp.User), nil
	}
	if k.certs != nil && r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		resp, ok, err := k.certs.AuthenticateRequest(r)
		if err != nil || !ok {
			k.metrics.authn.WithLabelValues("rejected").Inc()
			return nil, errUnauthenticated
		}
		k.metrics.authn.WithLabelValues("certificate").Inc()
		return principal(resp.User), nil
	}
	k.metrics.authn.WithLabelValues("anonymous").Inc()
	return kite.Anonymous(), nil
}

var errUnauthenticated = kite.Errorf(kite.EUNAUTHENTICATED, "Invalid or expired credentials")

// bearer is the request's bearer token, if it sends one.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// reviewFailed tells a review that could not be made (the API server down
// or refusing Kite) from a token it rejected: the webhook reports both as
// errors, a rejection as a plain one carrying the review's message.
func reviewFailed(err error) bool {
	var ue *url.Error
	var status apierrors.APIStatus
	return errors.As(err, &ue) || errors.As(err, &status) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// principal adds the groups kube-apiserver gives every authenticated user.
func principal(u user.Info) *kite.Principal {
	groups := u.GetGroups()
	if !containsString(groups, user.AllAuthenticated) {
		groups = append(groups, user.AllAuthenticated)
	}
	return &kite.Principal{Name: u.GetName(), UID: u.GetUID(), Groups: groups, Extra: u.GetExtra()}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Authorize asks the cluster whether p may have a. Decisions are cached for
// AllowTTL and DenyTTL; a question the cluster cannot answer is an error.
func (k *Kubernetes) Authorize(ctx context.Context, p *kite.Principal, a kite.Access) (bool, error) {
	attrs := authorizer.AttributesRecord{
		User:      &user.DefaultInfo{Name: p.Name, UID: p.UID, Groups: p.Groups, Extra: p.Extra},
		Verb:      a.Verb,
		Namespace: a.Namespace,
		Name:      a.Name,
	}
	if a.Path != "" {
		attrs.Path = a.Path
	} else {
		attrs.ResourceRequest = true
		attrs.APIGroup, attrs.Resource, attrs.Subresource = a.Group, a.Resource, a.Subresource
		if attrs.Resource == "" {
			attrs.APIGroup, attrs.Resource = kite.APIGroup, kite.ResourceIssues
		}
	}
	decision, reason, err := k.authz.Authorize(ctx, attrs)
	switch {
	case err != nil:
		k.metrics.authz.WithLabelValues("error").Inc()
		k.log.Warn("access review failed", "user", p.Name, "verb", a.Verb, "namespace", a.Namespace, "err", err)
		return false, err
	case decision == authorizer.DecisionAllow:
		k.metrics.authz.WithLabelValues("allowed").Inc()
		return true, nil
	}
	k.metrics.authz.WithLabelValues("denied").Inc()
	k.log.Debug("access denied", "user", p.Name, "verb", a.Verb, "namespace", a.Namespace, "resource", attrs.Resource, "path", a.Path, "reason", reason)
	return false, nil
}
