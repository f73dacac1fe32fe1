// go-stopped-ticker — a stopped time.Ticker strands the goroutine waiting on its channel.
//
// The original bug: a batching queue flushed either every 10 s (a ticker started on the first
// push, with a goroutine waiting on the ticker's channel) or at once when the batch reached its
// size limit.  The size-triggered path stopped the ticker and dropped it - but Stop does not
// close the channel, so the goroutine waiting on it never wakes.  Each size-triggered flush
// stranded one goroutine; a heap diff showed nothing, because the stuck goroutine allocates
// nothing itself.  Only production had enough traffic to fill a batch in 10 s.
//
// How this file reproduces it: POST /push appends the body to the current batch.  The first
// push of a batch starts a time.Ticker and a goroutine that waits on ticker.C to flush; the
// 100th push flushes at once and calls ticker.Stop().  The waiting goroutine - its stack, its
// ticker and the batch it captured - stays parked in chan receive for good.  Goroutines are not
// threads: the thread count does not move; RSS grows by each goroutine's stack and what it holds,
// and the Prometheus series go_goroutines climbs by one per flush.
//
// --fixed: the real fix - each batch also has a stop channel that the goroutine selects on;
// the size-triggered flush closes it and the goroutine returns.
// Stranded goroutines are capped at 200,000 (then the size path also closes the stop channel).
package main

import (
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"leaksoak/svc"
)

const (
	batchSize   = 100
	flushEvery  = 10 * time.Second
	maxStranded = 200000
)

type batch struct {
	items  [][]byte
	ticker *time.Ticker
	stop   chan struct{} // closed when the batch is flushed by size (the fix)
}

type queue struct {
	fixed    bool
	mu       sync.Mutex
	cur      *batch
	flushed  int64 // items handed to the sink
	stranded int64 // goroutines left waiting on a stopped ticker
}

// sink stands in for the upload of a batch.
func (q *queue) sink(b *batch) {
	atomic.AddInt64(&q.flushed, int64(len(b.items)))
}

// waitTick is the goroutine started with each batch's ticker.
func (q *queue) waitTick(b *batch) {
	select {
	case <-b.ticker.C:
		q.mu.Lock()
		if q.cur == b {
			q.cur = nil
		}
		q.mu.Unlock()
		b.ticker.Stop()
		q.sink(b)
	case <-b.stop:
	}
}

func (q *queue) push(item []byte) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.cur == nil {
		q.cur = &batch{ticker: time.NewTicker(flushEvery), stop: make(chan struct{})}
		go q.waitTick(q.cur)
	}
	b := q.cur
	b.items = append(b.items, item)
	if len(b.items) < batchSize {
		return
	}
	q.cur = nil
	b.ticker.Stop() // the bug: the goroutine in waitTick still waits on b.ticker.C
	if q.fixed || atomic.LoadInt64(&q.stranded) >= maxStranded {
		close(b.stop)
	} else {
		atomic.AddInt64(&q.stranded, 1)
	}
	go q.sink(b)
}

func main() {
	opt := svc.Parse("go-stopped-ticker")
	q := &queue{fixed: opt.Fixed}
	mux := http.NewServeMux()
	mux.HandleFunc("/push", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		q.push(body)
		w.WriteHeader(http.StatusAccepted)
	})
	svc.Serve("go-stopped-ticker", opt.Port, mux)
	os.Exit(1)
}
