//go:build !linux

package readfile

import (
	"io"
	"io/fs"
	"os"
	"time"
)

func read(path string, max int64) ([]byte, time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	if !info.Mode().IsRegular() {
		return nil, info.ModTime(), &fs.PathError{Op: "read", Path: path, Err: fs.ErrInvalid}
	}
	if info.Size() > max {
		return nil, info.ModTime(), ErrTooLarge
	}
	b := make([]byte, 0, info.Size()+1)
	for {
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, info.ModTime(), nil
		}
		if err != nil {
			return nil, info.ModTime(), err
		}
		if int64(len(b)) > max {
			return nil, info.ModTime(), ErrTooLarge
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}
