package index

import (
	"os"
	"path/filepath"
)

// writeGarbage replaces the index directory with something Bleve cannot open.
func writeGarbage(dir string) error {
	p := filepath.Join(dir, DirName)
	if err := os.RemoveAll(p); err != nil {
		return err
	}
	if err := os.MkdirAll(p, 0o750); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(p, "index_meta.json"), []byte("{not json"), 0o600)
}
