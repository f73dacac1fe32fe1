// go-map-staircase: a Go session store that never evicts. LEAK (rss, from start).
//
// Reproduces a service that keeps one entry per session in a global map and never deletes
// it (the logout/expiry path was never written). Every "request" opens a session with a
// fresh ID and a small payload. The live heap grows without bound; Go's heap goal (GOGC)
// lets the heap reach twice the live set before a collection, the map doubles its buckets
// when it fills, and RSS climbs in a staircase — plateaus, jumps, never a fall — because the
// retained entries are all still reachable. A leak: memory grows for as long as requests
// arrive, at a rate set by the request rate and entry size (see the scenario).
//
// Usage: go-map-staircase [-rate REQ_PER_S] [-size PAYLOAD_BYTES]
package main

import (
	"flag"
	"fmt"
	"time"
)

type session struct {
	id      string
	user    string
	created time.Time
	payload []byte
}

var sessions = map[string]*session{}

func handle(seq uint64, size int) {
	id := fmt.Sprintf("sess-%016x-%08x", seq*2654435761, seq)
	p := make([]byte, size)
	for i := range p {
		p[i] = byte(seq + uint64(i))
	}
	sessions[id] = &session{id: id, user: fmt.Sprintf("user%d", seq%977), created: time.Now(), payload: p}
}

func main() {
	rate := flag.Int("rate", 150, "requests per second")
	size := flag.Int("size", 256, "payload bytes per session")
	flag.Parse()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	perTick := float64(*rate) / 100
	var seq uint64
	var due float64
	for range tick.C {
		due += perTick
		for ; due >= 1; due-- {
			seq++
			handle(seq, *size)
		}
	}
}
