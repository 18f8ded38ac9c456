-- The original Kite's database schema, written out for Kite's migration
-- tests. The original has no hand-written SQL: its tables come from its
-- GORM models (packages/backend/internal/models/models.go in
-- konflux-ci/kite), turned into PostgreSQL by its Atlas loader. This file
-- states what those models make: GORM's snake_case tables and columns,
-- uuid keys, varchar(20) enums with no check, a nullable state defaulting
-- to ACTIVE, timestamptz times, one scope row per issue (unique scope_id),
-- and foreign keys without cascades.
CREATE TABLE issue_scopes (
	id uuid NOT NULL,
	resource_type text NOT NULL,
	resource_name text NOT NULL,
	resource_namespace text NOT NULL,
	PRIMARY KEY (id)
);
CREATE TABLE issues (
	id uuid NOT NULL,
	title text NOT NULL,
	description text NOT NULL,
	severity varchar(20) NOT NULL,
	issue_type varchar(20) NOT NULL,
	state varchar(20) DEFAULT 'ACTIVE',
	detected_at timestamptz NOT NULL,
	resolved_at timestamptz,
	namespace text NOT NULL,
	scope_id uuid NOT NULL,
	created_at timestamptz,
	updated_at timestamptz,
	PRIMARY KEY (id),
	CONSTRAINT uni_issues_scope_id UNIQUE (scope_id),
	CONSTRAINT fk_issues_scope FOREIGN KEY (scope_id) REFERENCES issue_scopes (id)
);
CREATE TABLE links (
	id uuid NOT NULL,
	title text NOT NULL,
	url text NOT NULL,
	issue_id uuid NOT NULL,
	PRIMARY KEY (id),
	CONSTRAINT fk_issues_links FOREIGN KEY (issue_id) REFERENCES issues (id)
);
CREATE TABLE related_issues (
	id uuid NOT NULL,
	source_id uuid NOT NULL,
	target_id uuid NOT NULL,
	PRIMARY KEY (id),
	CONSTRAINT fk_issues_related_from FOREIGN KEY (source_id) REFERENCES issues (id),
	CONSTRAINT fk_issues_related_to FOREIGN KEY (target_id) REFERENCES issues (id)
);
