package wire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"

	"go.lsp.dev/jsonrpc2"
)

// Stream is a jsonrpc2.Stream that survives bad input: a frame with a bad
// header or a body that is not JSON gets a ParseError reply (id null), a
// JSON body that is not a JSON-RPC message gets InvalidRequest (with its id
// when one can be read), and reading goes on with the next frame.
type Stream struct {
	rwc io.ReadWriteCloser
	r   *Reader
	log *slog.Logger

	wmu sync.Mutex // one frame per Write call, never interleaved

	// buffered is how many bytes the reader already holds after the last
	// frame it returned: more input that has arrived but is not yet read.
	buffered atomic.Int64
	// handing counts requests and notifications Read returned that the
	// handler has not taken yet (Handed); responses are jsonrpc2's own.
	handing atomic.Int64
}

// Pending reports whether input has arrived that Read has not returned yet
// (a burst of messages the client wrote together).
func (s *Stream) Pending() bool { return s.buffered.Load() > 0 || s.handing.Load() > 0 }

// Handed says the handler has taken a request or notification Read
// returned (it is queued where Pending's caller looks next).
func (s *Stream) Handed() {
	if s.handing.Add(-1) < 0 {
		s.handing.Store(0)
	}
}

var _ jsonrpc2.Stream = (*Stream)(nil)

// NewStream wraps rwc. log may be nil.
func NewStream(rwc io.ReadWriteCloser, log *slog.Logger) *Stream {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Stream{rwc: rwc, r: NewReader(rwc), log: log}
}

// StreamError is the only error type Read and Write return. jsonrpc2
// v0.10.0 stores every stream failure in one atomic.Value, which panics
// (killing the server) when a second failure has another concrete type —
// say a closed pipe on write after EOF on read.
type StreamError struct {
	Op  string // "read" or "write"
	Err error
}

func (e *StreamError) Error() string { return e.Op + ": " + e.Err.Error() }

// Unwrap lets errors.Is(err, io.EOF) and friends see the cause.
func (e *StreamError) Unwrap() error { return e.Err }

// Read implements jsonrpc2.Stream. It returns only well-formed messages or
// an error that ends the stream (EOF, a closed connection).
func (s *Stream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	msg, n, err := s.read(ctx)
	if err != nil {
		return nil, 0, &StreamError{Op: "read", Err: err}
	}
	return msg, n, nil
}

func (s *Stream) read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		body, err := s.r.Next()
		var fe *FrameError
		if errors.As(err, &fe) {
			s.log.Warn("jsonrpc: bad frame", "reason", fe.Reason)
			s.replyError(nil, jsonrpc2.ParseError, fe.Error())
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		// The frame counts as being handed before the buffer may read
		// empty: otherwise, for the last frame of a burst, Pending would
		// say false between the two (the engine then plans a "save all"
		// without its last file: seen once under load).
		s.handing.Add(1)
		s.buffered.Store(int64(s.r.Buffered()))
		msg, ok := s.decode(body)
		if ok {
			if _, isResponse := msg.(*jsonrpc2.Response); !isResponse {
				return msg, int64(len(body)), nil
			}
		}
		s.handing.Add(-1)
		if ok {
			return msg, int64(len(body)), nil
		}
	}
}

// probe reads just enough of a message to answer it when it is invalid.
type probe struct {
	ID     json.RawMessage `json:"id"`
	Method *string         `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

func (s *Stream) decode(body []byte) (jsonrpc2.Message, bool) {
	if !json.Valid(body) {
		s.log.Warn("jsonrpc: frame body is not JSON", "bytes", len(body))
		s.replyError(nil, jsonrpc2.ParseError, "parse error: frame body is not valid JSON")
		return nil, false
	}
	msg, err := jsonrpc2.DecodeMessage(body)
	if err == nil {
		return msg, true
	}
	var p probe
	_ = json.Unmarshal(body, &p) // best effort: body is valid JSON
	if p.Method == nil && (p.Result != nil || p.Error != nil) {
		// A response we cannot match (id null or malformed): nothing to answer.
		s.log.Warn("jsonrpc: dropping unreadable response", "error", err)
		return nil, false
	}
	if p.Method != nil && p.ID == nil {
		// A notification that does not decode: notifications get no reply.
		s.log.Warn("jsonrpc: dropping invalid notification", "method", *p.Method, "error", err)
		return nil, false
	}
	s.log.Warn("jsonrpc: invalid request", "error", err)
	s.replyError(validID(p.ID), jsonrpc2.InvalidRequest, fmt.Sprintf("invalid request: %v", err))
	return nil, false
}

// validID returns raw when it is a JSON string or number (an id that may be
// echoed back), else nil (answered with id null).
func validID(raw json.RawMessage) json.RawMessage {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	switch v.(type) {
	case string, float64:
		return raw
	}
	return nil
}

type wireError struct {
	Code    jsonrpc2.Code `json:"code"`
	Message string        `json:"message"`
}

type errorResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Error   wireError       `json:"error"`
}

func (s *Stream) replyError(id json.RawMessage, code jsonrpc2.Code, msg string) {
	if id == nil {
		id = json.RawMessage("null")
	}
	body, err := json.Marshal(errorResponse{JSONRPC: "2.0", ID: id, Error: wireError{Code: code, Message: msg}})
	if err != nil {
		s.log.Error("jsonrpc: marshal error reply", "error", err)
		return
	}
	if err := s.WriteRaw(Frame(body)); err != nil {
		s.log.Warn("jsonrpc: writing error reply", "error", err)
	}
}

// Write implements jsonrpc2.Stream.
func (s *Stream) Write(ctx context.Context, msg jsonrpc2.Message) (int64, error) {
	n, err := s.write(ctx, msg)
	if err != nil {
		return 0, &StreamError{Op: "write", Err: err}
	}
	return n, nil
}

func (s *Stream) write(ctx context.Context, msg jsonrpc2.Message) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	// jsonrpc2's message types marshal themselves; calling MarshalJSON
	// directly skips encoding/json re-validating and compacting the bytes.
	var body []byte
	var err error
	if m, ok := msg.(json.Marshaler); ok {
		body, err = m.MarshalJSON()
	} else {
		body, err = json.Marshal(msg)
	}
	if err != nil {
		return 0, fmt.Errorf("marshaling message: %w", err)
	}
	frame := Frame(body)
	if err := s.WriteRaw(frame); err != nil {
		return 0, err
	}
	return int64(len(frame)), nil
}

// WriteRaw writes bytes as they are (a whole frame, or deliberately broken
// input in tests), never interleaved with another write.
func (s *Stream) WriteRaw(b []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := s.rwc.Write(b); err != nil {
		return fmt.Errorf("write to stream: %w", err)
	}
	return nil
}

// Close implements jsonrpc2.Stream.
func (s *Stream) Close() error { return s.rwc.Close() }
