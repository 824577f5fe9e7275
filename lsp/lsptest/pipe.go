package lsptest

import (
	"io"
	"net"
)

// pipe returns the two ends of an in-memory full-duplex connection.
func pipe() (server, client io.ReadWriteCloser) {
	s, c := net.Pipe()
	return s, c
}
