// Package wire frames JSON-RPC messages with LSP's Content-Length headers
// and recovers from bad frames. jsonrpc2 v0.10.0's own stream gives up on
// the first frame it cannot decode (LSP.md pitfall 11); this one reports the
// bad frame, resynchronises on the next header and goes on reading.
package wire

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxContentLength bounds a frame body. A larger declared length is treated
// as a bad header (the body is not read) rather than allocated.
const MaxContentLength = 256 << 20

const hdrContentLength = "content-length"

// FrameError is a frame that could not be read. The reader has already
// skipped to where the next frame may start, so reading can go on.
type FrameError struct {
	Reason string
}

func (e *FrameError) Error() string { return "bad frame: " + e.Reason }

// Reader reads LSP frames. It is not safe for concurrent use.
//
// Recovery rules:
//   - a header line that is not "Name: value" is skipped and reading
//     resynchronises on the next line that contains "Content-Length:"
//     (the body of a frame without a usable length is skipped that way);
//   - a missing, non-numeric, non-positive or over-large Content-Length is a
//     *FrameError and reading resynchronises the same way;
//   - EOF before any header byte is io.EOF; EOF inside a header or body is
//     io.ErrUnexpectedEOF and unrecoverable (the stream is over). A declared
//     length that is larger than the body that follows swallows the start
//     of the next frame: that frame is lost, and the ones after it are read
//     again once a header is found.
type Reader struct {
	in *bufio.Reader
	// resync is set after a bad header: skip lines until one holds a
	// Content-Length header.
	resync bool
	// carry is the rest of a bad line that holds a Content-Length header
	// (a body written without a newline runs into the next header).
	carry string
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader {
	return &Reader{in: bufio.NewReaderSize(r, 64<<10)}
}

// Buffered is the number of bytes read from the input and not yet
// returned (only the goroutine calling Next may ask).
func (r *Reader) Buffered() int { return r.in.Buffered() }

// Next returns the next frame's body. On a *FrameError the caller may call
// Next again; any other error ends the stream.
func (r *Reader) Next() ([]byte, error) {
	length := int64(-1)
	sawHeader := false
	var bad string
	for {
		line, err := r.readLine()
		if err != nil {
			if errors.Is(err, io.EOF) {
				if line == "" && !sawHeader {
					return nil, io.EOF
				}
				return nil, io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("reading header: %w", err)
		}
		if r.resync {
			i := strings.Index(strings.ToLower(line), hdrContentLength+":")
			if i < 0 {
				continue
			}
			line = line[i:]
			r.resync = false
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			if !sawHeader {
				continue // stray blank line between frames
			}
			break
		}
		sawHeader = true
		name, value, ok := strings.Cut(trimmed, ":")
		if !ok || !isToken(name) {
			r.resync = true
			// A header glued to the end of the junk is where reading resumes.
			if i := strings.Index(strings.ToLower(line[1:]), hdrContentLength+":"); i >= 0 {
				r.carry = line[i+1:]
			}
			return nil, &FrameError{Reason: fmt.Sprintf("invalid header line %q", truncate(trimmed))}
		}
		if strings.EqualFold(strings.TrimSpace(name), hdrContentLength) {
			n, perr := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
			switch {
			case perr != nil:
				bad = fmt.Sprintf("bad Content-Length %q", truncate(value))
			case n <= 0:
				bad = fmt.Sprintf("bad Content-Length %d", n)
			case n > MaxContentLength:
				bad = fmt.Sprintf("Content-Length %d over the %d limit", n, MaxContentLength)
			default:
				length = n
			}
		}
	}
	if bad == "" && length < 0 {
		bad = "missing Content-Length header"
	}
	if bad != "" {
		r.resync = true
		return nil, &FrameError{Reason: bad}
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r.in, body); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("reading body: %w", err)
	}
	return body, nil
}

func (r *Reader) readLine() (string, error) {
	if r.carry != "" {
		line := r.carry
		r.carry = ""
		return line, nil
	}
	return r.in.ReadString('\n')
}

// isToken reports whether s is an HTTP header field name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// Frame returns body with its Content-Length header, ready to write in one
// call (so concurrent writers never interleave a header and a body).
func Frame(body []byte) []byte {
	hdr := "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	out := make([]byte, 0, len(hdr)+len(body))
	out = append(out, hdr...)
	return append(out, body...)
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
