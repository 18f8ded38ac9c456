package index

import (
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/camelcase"
	"github.com/blevesearch/bleve/v2/analysis/token/edgengram"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/regexp"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
)

// MappingVersion changes whenever the mapping or the document shape does:
// an index written with another version is rebuilt from the records.
const MappingVersion = "1"

// Document fields. Prose fields are analysed three ways: English (stems,
// stop words) in the field itself, sub-words in fieldSub, identifiers in
// fieldIdent.
const (
	fieldTitle       = "title"
	fieldDescription = "description"
	fieldReason      = "reason"
	fieldTask        = "task"
	fieldStep        = "step"
	fieldSub         = "sub"
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
	fieldOccurrences = "occurrences"
	fieldDetectedAt  = "detectedAt"
	fieldLastSeen    = "lastSeen"
	fieldFirstSeen   = "firstSeen"
	fieldResolvedAt  = "resolvedAt"
)

// Analysers of Kite's own.
const (
	// analyzerSub indexes the prefixes of every word part: "depend" finds
	// "dependency", "pull" finds "ImagePullBackOff".
	analyzerSub = "kite_sub"
	// analyzerSubQuery splits query words the same way, without prefixes.
	analyzerSubQuery = "kite_sub_query"
	// analyzerProse is English with camelCase splitting, so that
	// "timeout" finds "TaskRunTimeout" in a reason.
	analyzerProse = "kite_en"
	// analyzerIdent keeps identifiers whole: frontend-ui,
	// registry.io/org/img:tag.
	analyzerIdent = "kite_ident"

	tokenizerIdent = "kite_ident"
	filterPrefixes = "kite_prefixes"
)

// highlightFields are stored with term vectors so hits can show fragments.
var highlightFields = []string{fieldTitle, fieldDescription, fieldReason}

func newMapping() (mapping.IndexMapping, error) {
	im := bleve.NewIndexMapping()
	if err := im.AddCustomTokenFilter(filterPrefixes, map[string]any{
		"type": edgengram.Name, "min": 2.0, "max": 15.0,
	}); err != nil {
		return nil, err
	}
	// Identifier tokens end at whitespace and at the punctuation that
	// surrounds identifiers in prose.
	if err := im.AddCustomTokenizer(tokenizerIdent, map[string]any{
		"type": regexp.Name, "regexp": `[^\s"'(),;\[\]{}<>]+`,
	}); err != nil {
		return nil, err
	}
	analyzers := map[string]map[string]any{
		analyzerSub: {
			"type": custom.Name, "tokenizer": unicode.Name,
			"token_filters": []string{camelcase.Name, lowercase.Name, filterPrefixes},
		},
		analyzerSubQuery: {
			"type": custom.Name, "tokenizer": unicode.Name,
			"token_filters": []string{camelcase.Name, lowercase.Name},
		},
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
	prose := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzerProse
		f.Store = store
		f.IncludeTermVectors = store
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	for _, name := range highlightFields {
		dm.AddFieldMappingsAt(name, prose(true))
	}
	for _, name := range []string{fieldTask, fieldStep} {
		dm.AddFieldMappingsAt(name, prose(false))
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
	dm.AddFieldMappingsAt(fieldSub, text(analyzerSub))
	dm.AddFieldMappingsAt(fieldIdent, text(analyzerIdent))
	for _, name := range []string{fieldNamespace, fieldState, fieldSeverity, fieldIssueType, fieldScopeType, fieldScopeName, fieldLabels} {
		f := text(keyword.Name)
		f.DocValues = true // facets and sorting read doc values
		dm.AddFieldMappingsAt(name, f)
	}
	for _, name := range []string{fieldSevRank, fieldOccurrences} {
		f := bleve.NewNumericFieldMapping()
		f.IncludeInAll = false
		dm.AddFieldMappingsAt(name, f)
	}
	for _, name := range []string{fieldDetectedAt, fieldLastSeen, fieldFirstSeen, fieldResolvedAt} {
		f := bleve.NewDateTimeFieldMapping()
		f.IncludeInAll = false
		dm.AddFieldMappingsAt(name, f)
	}
	b := bleve.NewBooleanFieldMapping()
	b.IncludeInAll = false
	dm.AddFieldMappingsAt(fieldRegressed, b)

	im.DefaultMapping = dm
	im.DefaultAnalyzer = analyzerProse
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	return im, nil
}
