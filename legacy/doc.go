// Package legacy reads the original Kite's PostgreSQL database and turns its
// issues into Kite's export records, for kite import --from-postgres.
//
// It owns the knowledge of the original's schema (the tables issues,
// issue_scopes, links and related_issues that its GORM models make), the
// normalisation of what the original stored free-form (severities such as
// "medium", issue types and states in any case, missing times, links that
// are not http(s) URLs), and the plan that fits the original's data to
// Kite's rule of one issue per scope: duplicate active issues of a scope are
// merged into one, and resolved issues of a scope that another issue holds
// keep their ids as history. Every change is counted in a Report.
//
// Both passes over the database run in one read-only, repeatable-read
// transaction, so a migration taken while the original still serves reads
// one consistent snapshot. The package writes nothing anywhere: cmd/kite
// writes the records into the store.
package legacy
