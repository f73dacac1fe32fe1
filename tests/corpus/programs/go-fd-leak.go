// go-fd-leak: TCP connections dialled and kept but never closed. LEAK (fds).
//
// Reproduces a Go client that dials a backend for each "subscription" and stores the
// connection in a registry; the unsubscribe path removes the registry key on the caller's
// side only, so the net.Conn stays referenced (no finalizer can close it) and open. The
// backend is an in-process listener that holds its end open too, so each leaked
// subscription costs two descriptors. A leak: descriptors grow until EMFILE.
//
// Usage: go-fd-leak [-every SECONDS]
package main

import (
	"flag"
	"io"
	"net"
	"time"
)

var registry = map[int]net.Conn{}

func serve(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func(c net.Conn) { _, _ = io.Copy(io.Discard, c) }(c)
	}
}

func main() {
	every := flag.Float64("every", 5, "seconds between leaked subscriptions")
	flag.Parse()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go serve(l)
	leak := time.NewTicker(time.Duration(*every * float64(time.Second)))
	work := time.NewTicker(50 * time.Millisecond)
	id := 0
	for {
		select {
		case <-leak.C:
			c, err := net.Dial("tcp", l.Addr().String())
			if err == nil {
				id++
				registry[id] = c
				_, _ = c.Write([]byte("SUBSCRIBE orders\n"))
			}
		case <-work.C:
			for _, c := range registry {
				_ = c.SetDeadline(time.Time{})
				break
			}
		}
	}
}
