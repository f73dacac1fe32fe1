// go-grpc-conns — a gRPC client connection dialled per call and never closed (grpc-go).
//
// The original bug: a service dialled a gRPC client connection per call to another module and
// never closed it.  A cache in front of those calls hid the bug in a one-cluster test
// environment (every call after the first was a hit); in production, with many clusters, most
// calls missed and dialled.  Each unclosed connection keeps a TCP socket, the transport's
// 32 KiB read buffer and write buffers, and its reader, writer and balancer goroutines; heap
// profiles showed most memory in the transport framer (newFramer) and goroutine dumps showed
// hundreds of parked reader/writer loops.
//
// What is real: grpc-go 1.33 (Debian's golang-google-grpc-dev) on both sides - a gRPC server
// with the standard health service on loopback stands for the other module, in this process.
// What is simulated: the other module's answer (the health status) and the cluster names.
//
// How this file reproduces it: GET /call?user=N answers from a small result cache keyed by N
// (a bounded map; entries live 30 s).  A miss dials grpc.Dial(...) - a ClientConn with its own
// TCP connection - makes the health Check call, caches the answer and drops the ClientConn
// without Close().  Nothing keeps a reference to it but its own goroutines, and that is
// enough: a ClientConn is never collected until it is closed.  A new user per request leaks one
// connection per request: two sockets (both ends) and about 7 goroutines on the two sides,
// with their buffers and stacks.  One user (the test environment) dials once and then hits.
//
// --fixed: the real fix - the call's ClientConn is closed (defer cc.Close()) once it answers.
// Unclosed connections stop at 3,000 (~500 MB), or fewer below ~6,300 FDs, to protect the
// machine: past that the leaky path closes them too.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"leaksoak/svc"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

const (
	cacheSize = 256              // results kept at most: the cache itself is bounded
	cacheTTL  = 30 * time.Second // how long an answer is served from the cache
)

// maxLeaked bounds the leak: 3,000 connections (~500 MB), fewer when the FD limit is lower (the
// Go runtime raises the soft limit to the hard one; each connection costs 2 FDs).
func maxLeaked() int64 {
	var lim syscall.Rlimit
	n := 3000
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur < uint64(2*n+256) {
		n = (int(lim.Cur) - 256) / 2
	}
	if n < 0 {
		n = 0
	}
	return int64(n)
}

// startBackend starts the other module: a real gRPC server with the standard health service.
func startBackend() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go srv.Serve(ln)
	return ln.Addr().String(), nil
}

type result struct {
	status string
	at     time.Time
}

type client struct {
	target string
	fixed  bool
	max    int64 // connections the leak may strand
	leaked int64 // connections dropped without Close
	mu     sync.Mutex
	cache  map[string]result // user -> the last answer; at most cacheSize entries
}

// cached returns a fresh cached answer for user.
func (c *client) cached(user string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.cache[user]
	if !ok || time.Since(r.at) > cacheTTL {
		return "", false
	}
	return r.status, true
}

// remember caches an answer, dropping an arbitrary entry when the cache is full.
func (c *client) remember(user, status string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cache[user]; !ok && len(c.cache) >= cacheSize {
		for k := range c.cache {
			delete(c.cache, k)
			break
		}
	}
	c.cache[user] = result{status, time.Now()}
}

// check dials the other module, makes the call and - the bug - never closes the connection.
func (c *client) check(ctx context.Context) (string, error) {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cc, err := grpc.DialContext(dctx, c.target, grpc.WithInsecure(), grpc.WithBlock())
	if err != nil {
		return "", err
	}
	if c.fixed || atomic.AddInt64(&c.leaked, 1) > c.max {
		defer cc.Close() // the fix
	}
	resp, err := healthpb.NewHealthClient(cc).Check(dctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		return "", err
	}
	return resp.GetStatus().String(), nil
}

func (c *client) call(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("user")
	status, ok := c.cached(user)
	if !ok {
		var err error
		if status, err = c.check(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		c.remember(user, status)
	}
	fmt.Fprintln(w, status)
}

func main() {
	opt := svc.Parse("go-grpc-conns")
	target, err := startBackend()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-grpc-conns: backend: %v\n", err)
		os.Exit(1)
	}
	c := &client{target: target, fixed: opt.Fixed, max: maxLeaked(), cache: map[string]result{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/call", c.call)
	svc.Serve("go-grpc-conns", opt.Port, mux)
	os.Exit(1)
}
