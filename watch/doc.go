// Package watch turns the cluster's Tekton PipelineRuns, Konflux Releases
// and, by declarative rules, any other kind of object into Kite issues.
//
// It owns the PipelineRun reconciler (a controller-runtime controller that
// acts on completed runs only), the pure mapping from a run and its failed
// TaskRuns to a kite.Report or kite.Resolution (scope name, severity rules,
// failure context, log link, MintMaker's dependency updates), the Release
// watcher and the rules (CEL expressions compiled and checked at load),
// both read as unstructured objects and watched only while the cluster
// defines their kind (kindSupervisor follows the CustomResourceDefinitions),
// the manager that hosts them inside kite serve or kite watch, and the
// watcher's metrics. Writes go through a kite.Tracker: the in-process
// service in kite serve, or Kite's webhooks when the watcher runs apart
// from the server. Exactly-once effects rest on the run each report names
// (kite.Run): the store applies a run once and in completion order, so
// resyncs, restarts and retries change nothing.
package watch
