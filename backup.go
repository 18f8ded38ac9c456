package kite

import (
	"context"
	"io"
	"time"
)

// BackupInfo describes a backup of the store: the header a backup begins
// with (docs/operations.md).
type BackupInfo struct {
	// Schema is the store layout the backup holds.
	Schema uint64 `json:"schema"`
	// Rev is the revision of the last write it holds.
	Rev     uint64 `json:"rev"`
	StoreID string `json:"storeId"`
	// Size is the store file's size, in bytes.
	Size    int64     `json:"size"`
	TakenAt time.Time `json:"takenAt"`
}

// Backuper writes consistent backups of a store while it serves.
type Backuper interface {
	Backup(ctx context.Context, w io.Writer) (*BackupInfo, error)
}

// ResourceBackups is the virtual resource whose get verb (cluster-wide)
// allows taking a backup: a backup holds every namespace's issues.
const ResourceBackups = "backups"
