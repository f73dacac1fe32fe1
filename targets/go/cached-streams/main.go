// go-cached-streams — a stream cache keyed by fmt.Sprintf("%v", ctx) of a deadline context.
//
// The original bug (etcd clientv3's watcher, before 3.2.20): the client kept one watch stream
// per request context in a map keyed by the context formatted as text.  A context with a
// deadline prints the time remaining - context.Background.WithDeadline(2019-01-27
// 12:03:04.29 +0000 UTC m=+5.75 [750.27ms]) - so formatting the same context twice gives two
// different strings: every lookup missed and opened a new stream, and closing the stream
// recomputed the key and deleted nothing.  A lock/unlock loop of 10 keys a second took a service
// from ~100 MB to over 1 GB; the profile blamed the formatting and the stream constructor.
//
// Why the standard library and not the real etcd client: Debian ships etcd's client 3.4
// (golang-etcd-server-dev), which carries the fix - the watcher computes the stream key once
// (from the context's metadata, not its deadline) and keeps it on the stream - so it cannot
// reproduce the bug, and the last buggy client (3.2.19) is not packaged.  The key here is built
// exactly as the buggy client built it, with fmt.Sprintf("%v", ctx) on Go's real
// context.WithDeadline, whose String() includes time.Until(deadline).
//
// How this file reproduces it: POST /lock?key=K&ttl_ms=750 makes a deadline context, takes
// lock K through the context's watch stream (found in or added to the cache), and unlocks,
// which closes the stream by formatting the context again.  Each stranded stream keeps its send
// and receive buffers (8 KiB each) and its run goroutine, parked on the stream's channels.
//
// --fixed: the real fix - the key is computed once and stored on the stream; close deletes by it
// and stops the stream's goroutine.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"leaksoak/svc"
)

const streamBufSize = 8 * 1024

// watchStream is what the cache holds: a stream to the lock service.
type watchStream struct {
	key     string // the key it was cached under (used by the fix)
	sendBuf []byte
	recvBuf []byte
	reqc    chan string
	donec   chan struct{}
}

func (s *watchStream) run() {
	for {
		select {
		case req := <-s.reqc:
			copy(s.sendBuf, req)
		case <-s.donec:
			return
		}
	}
}

type watcher struct {
	fixed    bool
	mu       sync.Mutex
	streams  map[string]*watchStream
	revision int64
}

func streamKey(ctx context.Context) string { return fmt.Sprintf("%v", ctx) }

func (w *watcher) open(ctx context.Context) *watchStream {
	key := streamKey(ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	if s, ok := w.streams[key]; ok {
		return s
	}
	s := &watchStream{key: key, sendBuf: make([]byte, streamBufSize),
		recvBuf: make([]byte, streamBufSize), reqc: make(chan string), donec: make(chan struct{})}
	// A new stream starts with its buffers framed for the server (touched, as in use).
	for i := range s.recvBuf {
		s.sendBuf[i] = byte(i)
		s.recvBuf[i] = byte(i)
	}
	w.streams[key] = s
	go s.run()
	return s
}

func (w *watcher) close(ctx context.Context, s *watchStream) {
	key := streamKey(ctx) // the bug: the time remaining has moved on, so this key misses
	if w.fixed {
		key = s.key
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if cur, ok := w.streams[key]; ok {
		delete(w.streams, key)
		close(cur.donec)
	}
}

func (w *watcher) lock(rw http.ResponseWriter, r *http.Request) {
	ttl, err := strconv.Atoi(r.URL.Query().Get("ttl_ms"))
	if err != nil || ttl <= 0 {
		http.Error(rw, "ttl_ms: a positive integer", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithDeadline(r.Context(), time.Now().Add(time.Duration(ttl)*time.Millisecond))
	defer cancel()
	s := w.open(ctx)
	rev := atomic.AddInt64(&w.revision, 1)
	s.reqc <- fmt.Sprintf("lock %s rev %d", r.URL.Query().Get("key"), rev)
	w.close(ctx, s)
	fmt.Fprintf(rw, "locked %s at revision %d\n", r.URL.Query().Get("key"), rev)
}

func main() {
	opt := svc.Parse("go-cached-streams")
	w := &watcher{fixed: opt.Fixed, streams: map[string]*watchStream{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/lock", w.lock)
	svc.Serve("go-cached-streams", opt.Port, mux)
	os.Exit(1)
}
