// go-audit-slice: a slow Go leak — an in-memory audit trail that is only ever appended to.
// LEAK (rss, from start; slow, about 2x its gate).
//
// Reproduces a service that records every request in a package-level slice "until the
// shipper flushes it", and the shipper was never started. Each request appends one record
// with a short string and a small detail buffer. The slice doubles its backing array when it
// is full (the old array becomes garbage), the records stay reachable, and RSS creeps up in
// small steps. A leak: the retained set grows linearly with requests and is never released;
// the rate is chosen to be only 1.5-3x the gate, the kind of leak that takes hours to hurt.
//
// Usage: go-audit-slice [-rate REQ_PER_S] [-size DETAIL_BYTES]
package main

import (
	"flag"
	"fmt"
	"time"
)

type record struct {
	at     int64
	route  string
	status int
	detail []byte
}

var trail []record

func handle(seq uint64, size int) {
	d := make([]byte, size)
	for i := range d {
		d[i] = byte(seq >> uint(i%8))
	}
	trail = append(trail, record{at: time.Now().UnixNano(), route: fmt.Sprintf("/api/v1/items/%d", seq%5000), status: 200, detail: d})
}

func main() {
	rate := flag.Int("rate", 20, "requests per second")
	size := flag.Int("size", 320, "detail bytes per record")
	flag.Parse()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	perTick := float64(*rate) / 20
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
