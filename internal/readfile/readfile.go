// Package readfile reads whole small files with as few system calls as
// the platform allows. The index of a one-shot command reads every Python
// file of a backend and, with the fact cache, an entry per file: on Linux
// os.Open also tries to register each regular file with the network
// poller (one epoll_ctl that fails and four fcntl calls per file), which
// this package skips by calling open, fstat, read and close directly.
package readfile

import (
	"errors"
	"time"
)

// ErrTooLarge is Read's error for a file over the size given; the file
// is not read.
var ErrTooLarge = errors.New("readfile: file over the size limit")

// Read returns the content of the file at path and its modification
// time. A file of more than max bytes is not read (ErrTooLarge). Like
// os.ReadFile it reads to the end of the file, also when the file grew
// since its size was read (then ErrTooLarge when it grew past max).
func Read(path string, max int64) ([]byte, time.Time, error) {
	return read(path, max)
}
