// go-cached-streams — etcd's clientv3 opens a watch stream per request: streams cached by text.
//
// The original bug (etcd clientv3's watcher, before 3.2.20): the client kept one gRPC watch
// stream per request context in a map keyed by the context formatted as text.  A context with a
// deadline prints the time remaining, so formatting the same context twice gave two different
// strings: every lookup missed and opened a new stream, and closing recomputed the key and
// deleted nothing.  A lock/unlock loop of 10 keys a second took a service from ~100 MB to over
// 1 GB; the profile blamed the formatting and the stream constructor (newWatcherGrpcStream).
//
// What is real: the etcd server 3.4.23 (Debian's etcd-server) and its Go client, clientv3 3.4.23
// (golang-etcd-server-dev, import path go.etcd.io/etcd/clientv3), over grpc-go.  3.4 fixed the
// formatted deadline, but its watcher still caches streams under an unstable key: in
// clientv3/watch.go, Watch looks its stream up by streamKeyFromCtx(ctx), which is
// fmt.Sprintf("%+v", md) of the context's *outgoing gRPC metadata*.  A context that carries
// per-request metadata - a request ID, as tracing middleware adds - formats differently on
// every call, so every Watch opens a new gRPC watch stream (newWatcherGrpcStream, its run and
// serveSubstream goroutines, and on the server a watch stream with its send and receive
// loops).  A stream ends only when its last watch is cancelled; a context never cancelled keeps
// it for good: the same class of bug, an unstable key for cached streams, in the real client
// against the real server.  What is simulated: the service around it (an order store).
//
// How this file reproduces it: the target starts its own etcd as a child (so it is sampled as
// part of the target's tree, and ends with it) on two free loopback ports, with a temporary data
// directory in $TMPDIR (or /tmp) that is removed at exit - not after a SIGKILL, when the
// kernel kills etcd too but the directory stays.  POST /order?id=N watches
// orders/N, puts it, and waits for its own write through the watch.  The watch's context is
// made from context.Background() with the request's ID in the outgoing gRPC metadata, and is
// never cancelled: the author thought the watch ended with its first event.  Every request
// leaves a gRPC watch stream open on both sides: goroutines, stream buffers and server-side
// watchers grow with the request count, in both processes.  The client's HTTP/2 connection is
// shared, so FDs do not grow.
//
// --fixed: the real fix - the watch's context is cancelled once the event has arrived, which
// closes the watch and, its last one, the stream.  Leaked watches stop at 20,000 (then the leak
// cancels too), to protect the machine.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"leaksoak/svc"

	"go.etcd.io/etcd/clientv3"
	"google.golang.org/grpc/metadata"
)

const maxLeaked = 20000

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// etcdServer is the child etcd and its data directory.
type etcdServer struct {
	cmd      *exec.Cmd
	dataDir  string
	endpoint string
}

// startEtcd starts a one-member etcd on free loopback ports; it dies with this process.
func startEtcd(bin string) (*etcdServer, error) {
	client, err := freePort()
	if err != nil {
		return nil, err
	}
	peer, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "go-cached-streams-etcd-")
	if err != nil {
		return nil, err
	}
	curl := fmt.Sprintf("http://127.0.0.1:%d", client)
	purl := fmt.Sprintf("http://127.0.0.1:%d", peer)
	cmd := exec.Command(bin, "--name", "leaksoak", "--data-dir", dir,
		"--listen-client-urls", curl, "--advertise-client-urls", curl,
		"--listen-peer-urls", purl, "--initial-advertise-peer-urls", purl,
		"--initial-cluster", "leaksoak="+purl, "--logger", "zap", "--log-level", "error")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &etcdServer{cmd: cmd, dataDir: dir, endpoint: curl}, nil
}

// stop ends etcd and removes its data directory.
func (e *etcdServer) stop() {
	e.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { e.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		e.cmd.Process.Kill()
		<-done
	}
	os.RemoveAll(e.dataDir)
}

// connect opens the client and waits until etcd answers.
func connect(endpoint string) (*clientv3.Client, error) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint},
		DialTimeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err = cli.Get(ctx, "health")
		cancel()
		if err == nil || time.Now().After(deadline) {
			return cli, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type orders struct {
	cli    *clientv3.Client
	fixed  bool
	leaked int64 // watches never cancelled
}

// order writes orders/N and waits for the write through a watch, as the service did: the
// watch is created first (so that it sees the write at once, not in etcd's 100 ms catch-up of
// watches that start in the past), then the order is put, then its event is read.
func (o *orders) order(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	reqID := fmt.Sprintf("req-%s-%d", id, time.Now().UnixNano())
	key := "orders/" + id
	// The bug: a context of its own (the watch should outlive nothing) with the request's
	// metadata - so clientv3 keys a new stream by it - and no cancel.
	wctx, cancel := context.WithCancel(metadata.AppendToOutgoingContext(context.Background(),
		"x-request-id", reqID))
	if o.fixed || atomic.AddInt64(&o.leaked, 1) > maxLeaked {
		defer cancel() // the fix
	}
	wch := o.cli.Watch(wctx, key, clientv3.WithCreatedNotify())
	if err := next(wch, func(resp clientv3.WatchResponse) bool { return resp.Created }); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	ctx := metadata.AppendToOutgoingContext(r.Context(), "x-request-id", reqID)
	if _, err := o.cli.Put(ctx, key, "placed"); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	var rev int64
	if err := next(wch, func(resp clientv3.WatchResponse) bool {
		if len(resp.Events) > 0 {
			rev = resp.Events[0].Kv.ModRevision
		}
		return rev != 0
	}); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	fmt.Fprintf(w, "order %s placed at revision %d\n", id, rev)
}

// next reads wch until done says a response is the one awaited, for at most 5 s.
func next(wch clientv3.WatchChan, done func(clientv3.WatchResponse) bool) error {
	timeout := time.After(5 * time.Second)
	for {
		select {
		case resp, ok := <-wch:
			if !ok {
				return fmt.Errorf("watch: closed")
			}
			if err := resp.Err(); err != nil {
				return fmt.Errorf("watch: %v", err)
			}
			if done(resp) {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("watch: no answer in 5 s")
		}
	}
}

func main() {
	etcdBin := "etcd"
	opt := svc.ParseWith("go-cached-streams", func(fs *flag.FlagSet) {
		fs.StringVar(&etcdBin, "etcd", "etcd", "the etcd server to start")
	})
	srv, err := startEtcd(etcdBin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-cached-streams: etcd: %v\n", err)
		os.Exit(1)
	}
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	go func() {
		<-sigc
		srv.stop()
		os.Exit(0)
	}()
	cli, err := connect(srv.endpoint)
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-cached-streams: etcd at %s: %v\n", srv.endpoint, err)
		srv.stop()
		os.Exit(1)
	}
	o := &orders{cli: cli, fixed: opt.Fixed}
	mux := http.NewServeMux()
	mux.HandleFunc("/order", o.order)
	svc.Serve("go-cached-streams", opt.Port, mux)
	srv.stop()
	os.Exit(1)
}
