package store

import "syscall"

// available is the space left for the store on its volume in bytes, -1
// when the volume cannot say.
func (s *Store) available() int64 {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(s.dir, &fs); err != nil {
		return -1
	}
	return int64(fs.Bavail) * fs.Bsize //nolint:gosec // block counts fit in int64
}
