package lsp

import (
	"sync"
	"sync/atomic"
)

// queue is an unbounded FIFO drained by one goroutine, so the producer
// (the JSON-RPC read loop, or an engine calling the Sink) never blocks on
// the consumer (handlers, a slow client).
type queue[T any] struct {
	mu     sync.Mutex
	items  []T
	signal chan struct{} // capacity 1: "items may be non-empty"
	closed bool
	done   chan struct{} // closed when the worker returned
	// active counts items pushed whose f has not returned yet.
	active atomic.Int64
}

// busy reports whether an item is queued or being handled.
func (q *queue[T]) busy() bool { return q.active.Load() > 0 }

// newQueue starts the worker, which calls f for each item in order until
// close is called; items still queued at close are passed to drop (may be nil).
func newQueue[T any](f func(T), drop func(T)) *queue[T] {
	q := &queue[T]{signal: make(chan struct{}, 1), done: make(chan struct{})}
	go q.run(f, drop)
	return q
}

func (q *queue[T]) push(it T) bool {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	q.items = append(q.items, it)
	q.active.Add(1)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
	return true
}

func (q *queue[T]) run(f func(T), drop func(T)) {
	defer close(q.done)
	for range q.signal {
		for {
			q.mu.Lock()
			if q.closed {
				rest := q.items
				q.items = nil
				q.mu.Unlock()
				if drop != nil {
					for _, it := range rest {
						drop(it)
					}
				}
				return
			}
			if len(q.items) == 0 {
				q.mu.Unlock()
				break
			}
			it := q.items[0]
			var zero T
			q.items[0] = zero
			q.items = q.items[1:]
			q.mu.Unlock()
			f(it)
			q.active.Add(-1)
		}
	}
}

// close stops the worker after the item it is handling and waits for it.
func (q *queue[T]) close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
	}
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
	<-q.done
}
