// goleak — a test helper for leaksoak's Go evidence (evidence.go_pprof): an HTTP server with
// net/http/pprof whose every request to /r strands one goroutine in a ticker loop
// (parkedLoop) and keeps 64 KiB in a slice that only grows (retainBlock).  The e2e test
// asserts that the evidence names those two functions.
//
// --goroutines: the stranded goroutines alone (their stacks and runtime structures grow, no
// heap of the program's own).
// --offheap: neither; each request maps 64 KiB with mmap and writes it, memory outside the Go
// heap (as cgo's C allocations are), so RSS grows while the heap stays flat.
// --flat: nothing leaks (a twin).
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
	"syscall"
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

var mapped [][]byte

// mapOffHeap maps 64 KiB the Go heap knows nothing of, writes it and keeps it.
func mapOffHeap() {
	b, err := syscall.Mmap(-1, 0, 64<<10, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = 1
	}
	mu.Lock()
	mapped = append(mapped, b)
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
	offHeap := flag.Bool("offheap", false, "leak memory outside the Go heap only")
	goroutines := flag.Bool("goroutines", false, "leak goroutines only")
	flat := flag.Bool("flat", false, "leak nothing")
	flag.Parse()
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	http.HandleFunc("/metrics", metrics)
	http.HandleFunc("/r", func(w http.ResponseWriter, _ *http.Request) {
		switch {
		case *offHeap:
			mapOffHeap()
		case *goroutines:
			go parkedLoop(make(chan struct{}))
		case !*flat:
			retainBlock()
			go parkedLoop(make(chan struct{}))
		}
		fmt.Fprintln(w, "ok")
	})
	if err := http.ListenAndServe(fmt.Sprintf("127.0.0.1:%d", *port), nil); err != nil {
		panic(err)
	}
}
