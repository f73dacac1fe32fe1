// go-stopped-ticker — a stopped time.Ticker strands the goroutine waiting on its channel.
//
// The original bug: a batching queue flushed either every 10 s (a ticker started on the first
// push, with a goroutine waiting on the ticker's channel) or at once when the batch reached its
// size limit.  The size-triggered path stopped the ticker and dropped it - but Stop does not
// close the channel, so the goroutine waiting on it never wakes.  Each size-triggered flush
// stranded one goroutine; a heap diff showed nothing, because the stuck goroutine allocates
// nothing itself.  Only production had enough traffic to fill a batch in 10 s.
//
// What is real: Go's own time.Ticker (Go 1.19) and the runtime's goroutines; nothing is
// simulated but the upload, a counter.
//
// How this file reproduces it: POST /push appends the body to the current batch.  The first
// push of a batch starts a time.Ticker and a goroutine that waits on ticker.C to flush that
// batch; the goroutine knows its batch by number only, so it holds no items.  The 100th push
// flushes at once and calls ticker.Stop().  The waiting goroutine - its stack, its stopped
// ticker and its stop channel, a few KiB in all - stays parked in select for good, exactly as
// in the incident: the heap diff is silent, and only goroutines grow.  Goroutines are not
// threads: the thread count does not move and RSS barely does; the Prometheus series
// go_goroutines (and /debug/pprof/goroutine, grouped by stack: main.(*queue).waitTick) climbs
// by one per flush.
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
	seq    int64 // which batch this is: what its ticker goroutine knows it by
	items  [][]byte
	ticker *time.Ticker
	stop   chan struct{} // closed when the batch is flushed by size (the fix)
}

type queue struct {
	fixed    bool
	mu       sync.Mutex
	cur      *batch
	batches  int64 // batches started
	flushed  int64 // items handed to the sink
	stranded int64 // goroutines left waiting on a stopped ticker
}

// sink stands in for the upload of a batch.
func (q *queue) sink(b *batch) {
	atomic.AddInt64(&q.flushed, int64(len(b.items)))
}

// waitTick is the goroutine started with each batch's ticker.  It holds the ticker, the stop
// channel and the batch's number, not the batch: a stranded one holds nothing else.
func (q *queue) waitTick(ticker *time.Ticker, stop <-chan struct{}, seq int64) {
	select {
	case <-ticker.C:
		ticker.Stop()
		q.mu.Lock()
		b := q.cur
		if b != nil && b.seq == seq {
			q.cur = nil
		} else {
			b = nil
		}
		q.mu.Unlock()
		if b != nil {
			q.sink(b)
		}
	case <-stop:
	}
}

func (q *queue) push(item []byte) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.cur == nil {
		q.batches++
		q.cur = &batch{seq: q.batches, ticker: time.NewTicker(flushEvery), stop: make(chan struct{})}
		go q.waitTick(q.cur.ticker, q.cur.stop, q.cur.seq)
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
