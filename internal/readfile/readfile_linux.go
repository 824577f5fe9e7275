//go:build linux

package readfile

import (
	"io/fs"
	"syscall"
	"time"
)

func read(path string, max int64) ([]byte, time.Time, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, time.Time{}, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, time.Time{}, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	mtime := time.Unix(st.Mtim.Unix())
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, mtime, &fs.PathError{Op: "read", Path: path, Err: syscall.EINVAL}
	}
	if st.Size > max {
		return nil, mtime, ErrTooLarge
	}
	// One byte more than the size: the read that finds the end needs no
	// bigger buffer (as os.ReadFile).
	b := make([]byte, 0, st.Size+1)
	for {
		n, err := syscall.Read(fd, b[len(b):cap(b)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, mtime, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return b, mtime, nil
		}
		b = b[:len(b)+n]
		if int64(len(b)) > max {
			return nil, mtime, ErrTooLarge // it grew meanwhile
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}
