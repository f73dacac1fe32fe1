// go-grpc-conns — a gRPC client connection per call, never closed (grpc-go).
//
// The original bug: a service created a gRPC client connection per call to another module
// (behind a cache that hid it in a one-cluster test environment) and never closed it.  Each
// connection keeps a TCP socket, the transport's 32 KiB read buffer and write buffers, and its
// reader, writer and balancer goroutines; heap profiles showed most memory in the transport
// framer and goroutine dumps showed hundreds of parked reader/writer loops.
//
// How this file reproduces it, with the real grpc-go (Debian's golang-google-grpc-dev): the
// process runs a gRPC health server on loopback, as the other module.  GET /call?user=N finds
// the connection for user N in a cache keyed by target and user; a new user gets
// grpc.Dial(...), a ClientConn with its own TCP connection, which makes the health Check call
// and is never closed.  Every new user adds two sockets (both ends) and 7 goroutines on the
// two sides (measured: 100 users, 715 goroutines), with their buffers and stacks.
//
// --fixed: one ClientConn for the target, shared by every call (what grpc-go is designed for).
// The cache stops adding connections at 3,000 (~500 MB), or fewer below ~6,300 FDs, to protect
// the machine.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"

	"leaksoak/svc"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// maxConns bounds the leak: 3,000 connections (~500 MB), fewer when the FD limit is lower (the
// Go runtime raises the soft limit to the hard one; each connection costs 2 FDs).
func maxConns() int {
	var lim syscall.Rlimit
	n := 3000
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur < uint64(2*n+256) {
		n = (int(lim.Cur) - 256) / 2
	}
	if n < 0 {
		n = 0
	}
	return n
}

// backend is the other module: a real gRPC server with the standard health service.
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

type connCache struct {
	target string
	fixed  bool
	max    int // connections the leak may hold
	mu     sync.Mutex
	conns  map[string]*grpc.ClientConn // "target|user" -> its connection; nothing removes one
	shared *grpc.ClientConn
}

func dial(target string) (*grpc.ClientConn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return grpc.DialContext(ctx, target, grpc.WithInsecure(), grpc.WithBlock())
}

// conn returns the connection for a user's call: the leak's per-user connection, or the one
// shared connection of --fixed.
func (c *connCache) conn(user string) (*grpc.ClientConn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fixed || len(c.conns) >= c.max {
		if c.shared == nil {
			cc, err := dial(c.target)
			if err != nil {
				return nil, err
			}
			c.shared = cc
		}
		return c.shared, nil
	}
	key := c.target + "|" + user
	if cc, ok := c.conns[key]; ok {
		return cc, nil
	}
	cc, err := dial(c.target)
	if err != nil {
		return nil, err
	}
	c.conns[key] = cc
	return cc, nil
}

func (c *connCache) call(w http.ResponseWriter, r *http.Request) {
	cc, err := c.conn(r.URL.Query().Get("user"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	resp, err := healthpb.NewHealthClient(cc).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	fmt.Fprintln(w, resp.GetStatus())
}

func main() {
	opt := svc.Parse("go-grpc-conns")
	target, err := startBackend()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-grpc-conns: backend: %v\n", err)
		os.Exit(1)
	}
	c := &connCache{target: target, fixed: opt.Fixed, max: maxConns(),
		conns: map[string]*grpc.ClientConn{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/call", c.call)
	svc.Serve("go-grpc-conns", opt.Port, mux)
	os.Exit(1)
}
