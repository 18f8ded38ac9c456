package kite

// ExportRecord is one line of kite export's JSON Lines: an issue (with its
// links and relations) and what hangs off it.
type ExportRecord struct {
	Issue    *Issue    `json:"issue"`
	Timeline []Event   `json:"timeline"`
	Comments []Comment `json:"comments"`
}
