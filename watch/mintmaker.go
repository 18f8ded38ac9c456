package watch

import (
	"slices"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/konflux-ci/kite"
)

// Labels MintMaker puts on the PipelineRuns of its dependency updates
// (konflux-ci/mintmaker, the DependencyUpdateCheck controller): the
// component updated, its namespace and application.
const (
	labelMintMakerComponent   = "mintmaker.appstudio.redhat.com/component"
	labelMintMakerNamespace   = "mintmaker.appstudio.redhat.com/namespace"
	labelMintMakerApplication = "mintmaker.appstudio.redhat.com/application"
	labelMintMakerRepository  = "mintmaker.appstudio.redhat.com/repository"
)

// MintMakerScopeType is the scope resource type of a component's failed
// dependency updates: "mintmaker-" and the dependency manager, as the
// mintmaker-custom webhook names its scopes "mintmaker-" and a type. MintMaker
// runs Renovate, its one dependency manager, so that a component's
// dependency updates share one issue and its next good update resolves it.
const MintMakerScopeType = "mintmaker-renovate"

// DefaultMintMakerNamespace is where MintMaker runs its PipelineRuns.
const DefaultMintMakerNamespace = "mintmaker"

// dependencyUpdate is a MintMaker run's component: the issue goes to the
// component's namespace (where its team looks, and where the log
// analyzer's webhooks file theirs), not to MintMaker's.
type dependencyUpdate struct {
	component, namespace string
}

// dependencyUpdate says whether a run is one of MintMaker's dependency
// updates: in a MintMaker namespace and labelled with a component.
func (m Mapper) dependencyUpdate(pr *tektonv1.PipelineRun) (dependencyUpdate, bool) {
	c := pr.Labels[labelMintMakerComponent]
	if c == "" || !slices.Contains(m.MintMakerNamespaces, pr.Namespace) {
		return dependencyUpdate{}, false
	}
	u := dependencyUpdate{component: c, namespace: pr.Labels[labelMintMakerNamespace]}
	if u.namespace == "" {
		u.namespace = pr.Namespace
	}
	return u, true
}

// report is a failed dependency update's report, from the parts Report
// built for any run.
func (u dependencyUpdate) report(pr *tektonv1.PipelineRun, o outcome, failed []TaskFailure, fc *kite.FailureContext, links []kite.Link, sev kite.Severity, logURL string) kite.Report {
	labels := map[string]string{labelLastRun: pr.Name, labelComponent: u.component}
	if a := pr.Labels[labelMintMakerApplication]; a != "" {
		labels[labelApplication] = a
	}
	for _, k := range []string{labelMintMakerComponent, labelMintMakerRepository} {
		if v := pr.Labels[k]; v != "" {
			labels[k] = v
		}
	}
	return kite.Report{
		Namespace:   u.namespace,
		Title:       title("Dependency update of "+u.component, o, failed),
		Description: description(pr, "MintMaker's dependency update of component "+u.component, o, failed, logURL),
		Severity:    sev,
		IssueType:   kite.IssueTypeDependency,
		Scope:       kite.Scope{ResourceType: MintMakerScopeType, ResourceName: u.component, ResourceNamespace: u.namespace},
		Links:       links,
		Failure:     fc,
		Labels:      labels,
		At:          o.completed,
		Actor:       kite.ActorWatcher,
		Run:         run(pr, o),
	}
}
