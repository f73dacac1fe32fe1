// go-conn-pool: a connection pool that grows once to its limit and then stays. NOT A LEAK.
//
// Reproduces a client with a bounded pool of keep-alive connections to a backend (here an
// in-process TCP echo server). Connections are dialled lazily while the load ramps up in
// the first seconds (each new concurrent request finds the pool empty and dials), until the
// pool holds its maximum; afterwards every request borrows and returns a pooled connection.
// Descriptors (two per connection: client and server side) rise once and then stay flat.
// Not a leak: the pool is capped and connections are reused.
//
// Usage: go-conn-pool [-max CONNS] [-ramp SECONDS]
package main

import (
	"bufio"
	"flag"
	"net"
	"time"
)

func serve(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func(c net.Conn) {
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadBytes('\n')
				if err != nil {
					c.Close()
					return
				}
				if _, err := c.Write(line); err != nil {
					c.Close()
					return
				}
			}
		}(c)
	}
}

type pool struct {
	addr string
	idle chan net.Conn
}

func (p *pool) get() (net.Conn, error) {
	select {
	case c := <-p.idle:
		return c, nil
	default:
		return net.Dial("tcp", p.addr)
	}
}

func (p *pool) put(c net.Conn) {
	select {
	case p.idle <- c:
	default:
		c.Close()
	}
}

func request(p *pool, hold time.Duration) {
	c, err := p.get()
	if err != nil {
		return
	}
	_, _ = c.Write([]byte("GET /price?sku=42\n"))
	// A response buffer per request, as a decoder would allocate: garbage that keeps the
	// GC cycling, so the heap settles at its goal within the first seconds.
	buf := make([]byte, 32<<10)
	_, _ = c.Read(buf)
	time.Sleep(hold)
	p.put(c)
}

func main() {
	max := flag.Int("max", 8, "pool size")
	ramp := flag.Float64("ramp", 3, "seconds over which concurrency ramps to the pool size")
	flag.Parse()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go serve(l)
	p := &pool{addr: l.Addr().String(), idle: make(chan net.Conn, *max)}
	start := time.Now()
	for {
		// Concurrency ramps from 1 to max over the ramp, then stays at max.
		conc := 1 + int(float64(*max-1)*time.Since(start).Seconds() / *ramp)
		if conc > *max {
			conc = *max
		}
		done := make(chan struct{}, conc)
		for i := 0; i < conc; i++ {
			go func() { request(p, 20*time.Millisecond); done <- struct{}{} }()
		}
		for i := 0; i < conc; i++ {
			<-done
		}
		time.Sleep(30 * time.Millisecond)
	}
}
