// Package svc is the common shell of leaksoak's Go targets: the same command line as the C
// targets (--port N, --fixed), a /healthz the harness polls for readiness, /metrics served by the
// real Prometheus Go client (client_golang), so go_goroutines, go_memstats_* and
// process_open_fds can be read beside what /proc shows, and the runtime's own profiles under
// /debug/pprof/ (net/http/pprof: heap, goroutine, ...), which is how the engineers in the seed
// write-ups found each leak.  Everything else a target registers itself.
package svc

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options is the command line every target accepts.
type Options struct {
	Port  int  // loopback port to listen on
	Fixed bool // take the corrected code path
}

// Parse reads --port and --fixed; a bad command line exits 2 with a one-line message.
func Parse(name string) Options { return ParseWith(name, nil) }

// ParseWith is Parse for a target with options of its own, which extra adds to the flag set.
func ParseWith(name string, extra func(*flag.FlagSet)) Options {
	var o Options
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.IntVar(&o.Port, "port", 0, "loopback port to listen on")
	fs.BoolVar(&o.Fixed, "fixed", false, "take the corrected code path")
	if extra != nil {
		extra(fs)
	}
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(os.Args[1:]); err != nil || fs.NArg() > 0 || o.Port <= 0 || o.Port > 65535 {
		fmt.Fprintf(os.Stderr, "%s: usage: %s --port N [--fixed]\n", name, name)
		os.Exit(2)
	}
	return o
}

// Serve answers /healthz, /metrics and /debug/pprof/ itself and everything else with app, on
// 127.0.0.1:port.
// It returns only on failure, after printing why; the caller exits 1.
func Serve(name string, port int, app http.Handler) {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("/metrics", promhttp.Handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index) // heap, goroutine, allocs, ... by name
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/", app)
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err == nil {
		err = http.Serve(ln, mux)
	}
	fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
}
