package index

import (
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/camelcase"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
)

// MappingVersion changes whenever the mapping or the document shape does:
// an index written with another version is rebuilt from the records.
const MappingVersion = "6"

// Document fields. Prose fields are analysed as English with camelCase
// splitting (stems, stop words); all text is also kept as identifiers in
// fieldIdent. Word starts ("depend" for "dependency") are found at query
// time with prefix queries on the prose terms, which costs far less than
// indexing every prefix.
const (
	fieldTitle       = "title"
	fieldDescription = "description"
	fieldReason      = "reason"
	fieldTask        = "task"
	fieldStep        = "step"
	fieldIdent       = "ident"
	fieldNamespace   = "namespace"
	fieldState       = "state"
	fieldSeverity    = "severity"
	fieldSevRank     = "severityRank"
	fieldIssueType   = "issueType"
	fieldScopeType   = "scopeType"
	fieldScopeName   = "scopeName"
	fieldLabels      = "labels"
	fieldRegressed   = "regressed"
	// fieldID repeats the document id with doc values: the tie-breaking
	// sort key, far cheaper to sort by than Bleve's stored _id.
	fieldID = "id"
	// fieldScopeKey holds namespace, namespace+state, namespace+severity
	// and namespace+state+severity keys, so that the filters nearly every
	// search has are one term lookup instead of a conjunction of three
	// large posting lists.
	fieldScopeKey    = "nskey"
	fieldOccurrences = "occurrences"
	fieldDetectedAt  = "detectedAt"
	fieldLastSeen    = "lastSeen"
	fieldFirstSeen   = "firstSeen"
	fieldResolvedAt  = "resolvedAt"
)

// Analysers of Kite's own.
const (
	// analyzerProse is English with camelCase splitting, so that
	// "timeout" finds "TaskRunTimeout" in a reason.
	analyzerProse = "kite_en"
	// analyzerIdent keeps identifiers whole: frontend-ui,
	// registry.io/org/img:tag.
	analyzerIdent = "kite_ident"

	tokenizerIdent = "kite_ident"
)

func newMapping() (mapping.IndexMapping, error) {
	im := bleve.NewIndexMapping()
	analyzers := map[string]map[string]any{
		analyzerProse: {
			"type": custom.Name, "tokenizer": unicode.Name,
			"token_filters": []string{camelcase.Name, en.PossessiveName, lowercase.Name, en.StopName, porter.Name},
		},
		analyzerIdent: {
			"type": custom.Name, "tokenizer": tokenizerIdent,
			"token_filters": []string{lowercase.Name},
		},
	}
	for name, cfg := range analyzers {
		if err := im.AddCustomAnalyzer(name, cfg); err != nil {
			return nil, err
		}
	}

	dm := bleve.NewDocumentStaticMapping()
	// Nothing is stored: hits are read from the store and highlighted from
	// those records (highlight.go), which keeps the index small and
	// indexing cheap. Term vectors (positions) stay: phrases need them.
	for _, name := range []string{fieldTitle, fieldDescription, fieldReason, fieldTask, fieldStep} {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzerProse
		f.Store = false
		f.IncludeTermVectors = name != fieldTask && name != fieldStep // phrases search the others
		f.IncludeInAll = false
		f.DocValues = false
		dm.AddFieldMappingsAt(name, f)
	}
	text := func(analyzer string) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	dm.AddFieldMappingsAt(fieldIdent, text(analyzerIdent))
	// Numbers and times are fixed-width keywords (see document.go): one
	// term each instead of Bleve's sixteen precision-step terms, ordered as
	// strings exactly as their values, for ranges and sorting alike.
	dm.AddFieldMappingsAt(fieldScopeKey, text(keyword.Name))
	for _, name := range []string{fieldID, fieldNamespace, fieldState, fieldSeverity, fieldIssueType, fieldScopeType, fieldScopeName, fieldLabels,
		fieldSevRank, fieldOccurrences, fieldDetectedAt, fieldLastSeen, fieldFirstSeen, fieldResolvedAt} {
		f := text(keyword.Name)
		f.DocValues = true // facets and sorting read doc values
		dm.AddFieldMappingsAt(name, f)
	}
	b := bleve.NewBooleanFieldMapping()
	b.IncludeInAll = false
	dm.AddFieldMappingsAt(fieldRegressed, b)

	// No _all field: every query names its fields.
	dm.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	im.DefaultMapping = dm
	im.DefaultAnalyzer = analyzerProse
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	return im, nil
}
