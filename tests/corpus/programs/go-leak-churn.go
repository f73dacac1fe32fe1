// go-leak-churn: a Go API whose per-request garbage hides a small retained leak. LEAK (rss,
// from start; a staircase of long plateaus and jumps).
//
// Reproduces the common shape of a leaking Go service: most of what a request allocates
// is garbage (decoding, encoding a response), and a little is retained by mistake — here
// each request records its trace ID in a "recently seen" map that is never pruned. The
// garbage keeps the GC cycling, so between collections the heap reuses the same pages and
// RSS is flat; each time the live heap has grown enough, the runtime raises its heap goal
// (GOGC: twice the live heap) and RSS jumps to meet it. A reference table loaded at start
// (the service's static data) makes the live heap large enough that a cycle takes seconds.
// RSS climbs in a staircase of flat plateaus and jumps of about 0.5-2 MiB; the scavenger
// gives some of a jump back now and then, but the floor never returns. A leak: the map
// grows with every request.
//
// Usage: go-leak-churn [-rate REQ_PER_S] [-keep BYTES] [-garbage BYTES] [-table MIB]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"time"
)

type seen struct {
	at   int64
	peer string
	tags []byte
}

var recent = map[string]seen{}

var table [][]byte

func handle(seq int, keep, garbage int) int {
	id := fmt.Sprintf("trace-%08x-%06d", seq*2654435761, seq)
	tags := make([]byte, keep)
	tags[0] = byte(seq)
	recent[id] = seen{at: time.Now().UnixNano(), peer: "10.0.0.7:443", tags: tags}
	rows := make([]map[string]interface{}, 0, garbage/128)
	for i := 0; i < garbage/128; i++ {
		rows = append(rows, map[string]interface{}{"id": seq*100 + i, "name": "item", "ok": true})
	}
	out, _ := json.Marshal(rows)
	return len(out)
}

func main() {
	rate := flag.Int("rate", 100, "requests per second")
	keep := flag.Int("keep", 256, "bytes retained per request")
	garbage := flag.Int("garbage", 16384, "bytes of garbage per request (about)")
	tableMiB := flag.Int("table", 20, "MiB of reference data loaded at start")
	flag.Parse()
	for i := 0; i < *tableMiB*16; i++ {
		b := make([]byte, 64<<10)
		for j := range b {
			b[j] = byte(i + j)
		}
		table = append(table, b)
	}
	tick := time.NewTicker(10 * time.Millisecond)
	perTick := float64(*rate) / 100
	var due float64
	seq, n := 0, 0
	for range tick.C {
		due += perTick
		for ; due >= 1; due-- {
			seq++
			n += handle(seq, *keep, *garbage)
		}
	}
}
