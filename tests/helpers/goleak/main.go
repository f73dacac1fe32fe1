// goleak — a test helper for leaksoak's Go evidence (evidence.go_pprof): an HTTP server with
// net/http/pprof whose every request to /r strands one goroutine in a ticker loop
// (parkedLoop) and keeps 64 KiB in a slice that only grows (retainBlock).  The e2e test
// asserts that the evidence names those two functions.
//
// --heap-only: no stranded goroutine; --flat: neither (a twin that does not leak).
// Prometheus-style /metrics (hand-written: go_goroutines, go_memstats_heap_inuse_bytes) so
// a scenario can gate go_goroutines and compare the heap with RSS.
package main

import (
	"flag"
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"runtime"
	"sync"
	"time"
)

var (
	mu       sync.Mutex
	retained [][]byte
)

// parkedLoop waits on a ticker and a channel nobody ever closes: one stranded goroutine per call.
func parkedLoop(done chan struct{}) {
	t := time.NewTicker(time.Hour)
	for {
		select {
		case <-t.C:
		case <-done:
			t.Stop()
			return
		}
	}
}

// retainBlock keeps 64 KiB per call, reachable forever.
func retainBlock() {
	b := make([]byte, 64<<10)
	for i := range b {
		b[i] = byte(i)
	}
	mu.Lock()
	retained = append(retained, b)
	mu.Unlock()
}

func metrics(w http.ResponseWriter, _ *http.Request) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(w, "# TYPE go_goroutines gauge\ngo_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintf(w, "# TYPE go_memstats_heap_inuse_bytes gauge\ngo_memstats_heap_inuse_bytes %d\n",
		ms.HeapInuse)
}

func main() {
	port := flag.Int("port", 0, "loopback port")
	heapOnly := flag.Bool("heap-only", false, "leak heap only")
	flat := flag.Bool("flat", false, "leak nothing")
	flag.Parse()
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	http.HandleFunc("/metrics", metrics)
	http.HandleFunc("/r", func(w http.ResponseWriter, _ *http.Request) {
		if !*flat {
			retainBlock()
			if !*heapOnly {
				go parkedLoop(make(chan struct{}))
			}
		}
		fmt.Fprintln(w, "ok")
	})
	if err := http.ListenAndServe(fmt.Sprintf("127.0.0.1:%d", *port), nil); err != nil {
		panic(err)
	}
}
