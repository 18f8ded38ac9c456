package store

import (
	"io/fs"
	"syscall"
)

func statSeal(st fs.FileInfo) (seal, bool) {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return seal{}, false
	}
	return seal{
		Size: st.Size(), Mtime: st.ModTime().UnixNano(),
		Ctime: sys.Ctim.Nano(), Ino: sys.Ino, Dev: sys.Dev,
	}, true
}
