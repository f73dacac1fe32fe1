// go-map-delete-churn — a global map of log lines keyed by never-repeating trace IDs.
//
// The original bug: a service collected each request's log lines in a global map from trace ID
// to lines, uploaded them at the end of the request and deleted the key.  Trace IDs never
// repeat; memory climbed with the request count although few requests were in flight.
//
// What a Go map does with that churn: delete clears the slot and a later insert reuses it, so a
// map with a small live set does NOT grow however many keys pass through it (measured with Go
// 1.19: 3,000,000 inserted-then-deleted keys at 16 live keep the heap flat at ~300 KiB).  Its
// buckets never shrink, but they only grow with the live set.  So in Go the map grows when keys
// outlive their delete, and here that happens the way it does in request-scoped logging: the
// access-log line is written by a defer registered first in the handler, and defers run last -
// after the upload's defer has deleted the key.  The late line re-creates the trace's entry
// under a key that will never be seen again, and nothing deletes it: the map holds one entry
// (key, slice, the line) per request, and its buckets double as it grows and never come back.
//
// What is real: Go's own map (Go 1.19).  What is simulated: the log upload (a checksum) - and,
// because a Go map reuses deleted slots, the entry's survival comes from the late access-log
// line above, not from the map keeping deleted entries as the write-up said.
//
// How this file reproduces it: GET /r?trace=ID logs a few dozen lines under ID in the global
// map, uploads and deletes them, then its access-log defer adds the final line.
//
// --fixed: the real fix - no global map: the lines live on the request's own logger, which is
// uploaded at the end and is garbage with the request, late line included.
package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"leaksoak/svc"
)

const linesPerRequest = 32

// traceLogs is the global map of the leak.
var (
	mu        sync.Mutex
	traceLogs = map[string][]string{}
	uploaded  int64 // bytes handed to the log store
)

func logLine(trace, line string) {
	mu.Lock()
	traceLogs[trace] = append(traceLogs[trace], line)
	mu.Unlock()
}

func uploadAndForget(trace string) {
	mu.Lock()
	lines := traceLogs[trace]
	delete(traceLogs, trace)
	mu.Unlock()
	atomic.AddInt64(&uploaded, int64(len(strings.Join(lines, "\n"))))
}

// requestLogger is the fix: a request's lines, kept on the request.
type requestLogger struct{ lines []string }

func (l *requestLogger) log(line string) { l.lines = append(l.lines, line) }

func (l *requestLogger) upload() {
	atomic.AddInt64(&uploaded, int64(len(strings.Join(l.lines, "\n"))))
}

// accessLine is the request's summary: who asked, and how long each step took.
func accessLine(r *http.Request, start time.Time, steps []time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s ua=%q took=%s steps=", r.RemoteAddr, r.Method, r.URL.String(),
		r.UserAgent(), time.Since(start))
	for i, d := range steps {
		fmt.Fprintf(&b, "%d:%dns,", i, d.Nanoseconds())
	}
	return b.String()
}

func handleLeaky(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	trace := r.URL.Query().Get("trace")
	steps := make([]time.Duration, 0, linesPerRequest)
	defer func() { logLine(trace, accessLine(r, start, steps)) }() // registered first, runs last
	defer uploadAndForget(trace)
	for i := 0; i < linesPerRequest; i++ {
		steps = append(steps, time.Since(start))
		logLine(trace, fmt.Sprintf("trace=%s step=%d resolved shard %d in %s", trace, i, i%7,
			steps[i]))
	}
	fmt.Fprintln(w, "ok")
}

func handleFixed(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	trace := r.URL.Query().Get("trace")
	l := &requestLogger{}
	steps := make([]time.Duration, 0, linesPerRequest)
	defer func() { l.log(accessLine(r, start, steps)) }()
	defer l.upload()
	for i := 0; i < linesPerRequest; i++ {
		steps = append(steps, time.Since(start))
		l.log(fmt.Sprintf("trace=%s step=%d resolved shard %d in %s", trace, i, i%7, steps[i]))
	}
	fmt.Fprintln(w, "ok")
}

func main() {
	opt := svc.Parse("go-map-delete-churn")
	mux := http.NewServeMux()
	if opt.Fixed {
		mux.HandleFunc("/r", handleFixed)
	} else {
		mux.HandleFunc("/r", handleLeaky)
	}
	svc.Serve("go-map-delete-churn", opt.Port, mux)
	os.Exit(1)
}
