package index

import (
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/camelcase"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"
)

// MappingVersion changes whenever the mapping or the document shape does:
// an index written with another version is rebuilt from the records.
const MappingVersion = "8"

// Document fields. Prose fields are analysed as English with camelCase
// splitting (stems, stop words); all text is also kept as identifiers in
// fieldIdent. Word starts ("depend" for "dependency") are found at query
// time with prefix queries on the prose terms, which costs far less than
// indexing every prefix.
const (
	// fieldText holds all the prose of an issue, one value per record
	// field (so that a phrase never spans two): a free word is then one
	// field to look up rather than five, which halved a search's time.
	// The fields below it serve field queries and ranking.
	fieldText      = "text"
	fieldTitle     = "title"
	fieldReason    = "reason"
	fieldTask      = "task"
	fieldStep      = "step"
	fieldIdent     = "ident"
	fieldNamespace = "namespace"
	fieldState     = "state"
	fieldSeverity  = "severity"
	fieldSevRank   = "severityRank"
	fieldIssueType = "issueType"
	fieldScopeType = "scopeType"
	fieldScopeName = "scopeName"
	fieldLabels    = "labels"
	fieldRegressed = "regressed"
	// fieldAssignee is who an issue is assigned to (a facet);
	// fieldTriage holds a term per triage state the issue is in
	// (triageAcked, triageAssigned, triageCommented, triageSnoozed, triageMuted).
	fieldAssignee = "assignee"
	fieldTriage   = "triage"
	// fieldSilence holds the ids of the silences that mute the issue.
	fieldSilence = "silence"
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

// fieldKind is how a field's value is indexed.
type fieldKind int

const (
	kindProse   fieldKind = iota // analyzerProse
	kindIdent                    // analyzerIdent
	kindKeyword                  // the value as one term
	kindBool
)

// fieldSpec is one field of the index. Nothing is stored: hits are read
// from the store and highlighted from those records (highlight.go), which
// keeps the index small and indexing cheap.
type fieldSpec struct {
	kind fieldKind
	// vectors keeps term positions, which phrase queries need.
	vectors bool
	// sorted keeps doc values, which sorting and facets read. Bleve reads
	// them for every match of a sorted search, so they are kept
	// uncompressed and one document per chunk: a match then costs a slice
	// lookup instead of decompressing and scanning a chunk of a thousand
	// documents, which at 100,000 issues was most of a search's time.
	sorted bool
}

// schema is the index's one description of its fields: the Bleve mapping
// (which query analysis reads) and every document (document.go) are both
// made from it, so they cannot disagree.
var schema = map[string]fieldSpec{
	fieldText:      {kind: kindProse, vectors: true},
	fieldTitle:     {kind: kindProse},
	fieldReason:    {kind: kindProse},
	fieldTask:      {kind: kindProse},
	fieldStep:      {kind: kindProse},
	fieldIdent:     {kind: kindIdent},
	fieldScopeKey:  {kind: kindKeyword},
	fieldScopeType: {kind: kindKeyword},
	fieldScopeName: {kind: kindKeyword},
	fieldLabels:    {kind: kindKeyword},
	fieldRegressed: {kind: kindBool},
	fieldTriage:    {kind: kindKeyword},
	fieldSilence:   {kind: kindKeyword},
	// Facets.
	fieldNamespace: {kind: kindKeyword, sorted: true},
	fieldState:     {kind: kindKeyword, sorted: true},
	fieldSeverity:  {kind: kindKeyword, sorted: true},
	fieldIssueType: {kind: kindKeyword, sorted: true},
	fieldAssignee:  {kind: kindKeyword, sorted: true},
	// Sort keys. Numbers and times are fixed-width keywords (see
	// document.go): one term each instead of Bleve's sixteen
	// precision-step terms, ordered as strings exactly as their values,
	// for ranges and sorting alike.
	fieldID:          {kind: kindKeyword, sorted: true},
	fieldSevRank:     {kind: kindKeyword, sorted: true},
	fieldOccurrences: {kind: kindKeyword, sorted: true},
	fieldDetectedAt:  {kind: kindKeyword, sorted: true},
	fieldLastSeen:    {kind: kindKeyword, sorted: true},
	fieldFirstSeen:   {kind: kindKeyword, sorted: true},
	fieldResolvedAt:  {kind: kindKeyword, sorted: true},
}

// options are the field's Bleve indexing options. Keyword fields keep
// frequencies and norms although nothing ranks by them: without, a
// filter's term scores NaN and spoils the relevance of the whole query.
func (f fieldSpec) options() bindex.FieldIndexingOptions {
	o := bindex.IndexField
	if f.vectors {
		o |= bindex.IncludeTermVectors
	}
	if f.sorted {
		o |= bindex.DocValues | bindex.SkipDVCompression | bindex.SkipDVChunking
	}
	return o
}

func (f fieldSpec) analyzer() string {
	switch f.kind {
	case kindProse:
		return analyzerProse
	case kindIdent:
		return analyzerIdent
	}
	return keyword.Name
}

func newMapping() (*mapping.IndexMappingImpl, error) {
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
	for name, spec := range schema {
		var f *mapping.FieldMapping
		if spec.kind == kindBool {
			f = bleve.NewBooleanFieldMapping()
		} else {
			f = bleve.NewTextFieldMapping()
			f.Analyzer = spec.analyzer()
		}
		o := spec.options()
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = o&bindex.IncludeTermVectors != 0
		f.DocValues = o&bindex.DocValues != 0
		dm.AddFieldMappingsAt(name, f)
	}
	// No _all field: every query names its fields.
	dm.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	im.DefaultMapping = dm
	im.DefaultAnalyzer = analyzerProse
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	return im, nil
}

// analyzers are the analysers documents are built with, taken from the
// mapping so that indexing and query analysis are the same.
type analyzers map[fieldKind]analysis.Analyzer

func newAnalyzers() (analyzers, error) {
	im, err := newMapping()
	if err != nil {
		return nil, err
	}
	a := analyzers{}
	for kind, name := range map[fieldKind]string{kindProse: analyzerProse, kindIdent: analyzerIdent, kindKeyword: keyword.Name} {
		if a[kind] = im.AnalyzerNamed(name); a[kind] == nil {
			return nil, fmt.Errorf("index mapping: no analyser %s", name)
		}
	}
	return a, nil
}
