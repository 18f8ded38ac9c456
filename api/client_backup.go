package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// Backup streams a backup of the server's store into w and returns how
// many bytes it wrote. A stream cut short is an error; so is a backup
// missing its checksum, which kite restore refuses.
func (c *Client) Backup(ctx context.Context, w io.Writer) (int64, error) {
	resp, err := c.send(ctx, http.MethodGet, backupPath, nil, "", nil)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("backup cut short after %d bytes: %w", n, err)
	}
	return n, nil
}
