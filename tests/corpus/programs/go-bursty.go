// go-bursty: periodic batch jobs that allocate a lot and free it all. NOT A LEAK.
//
// Reproduces a service that every few seconds builds a report: it loads a batch of rows
// (about 12 MiB at the defaults), aggregates them and drops the batch; between batches it serves light
// requests. RSS jumps at each burst, the runtime's scavenger returns part of the freed heap
// between bursts, and the next burst reuses it: the peaks and troughs repeat at the same
// level. Not a leak: nothing from a batch survives it.
//
// Usage: go-bursty [-every SECONDS] [-rows N]
package main

import (
	"flag"
	"fmt"
	"time"
)

type row struct {
	key   string
	vals  [16]float64
	notes []byte
}

func batch(n, gen int) float64 {
	rows := make([]*row, 0, n)
	for i := 0; i < n; i++ {
		r := &row{key: fmt.Sprintf("acct-%d-%d", gen, i), notes: make([]byte, 128)}
		for j := range r.vals {
			r.vals[j] = float64(i*j + gen)
		}
		rows = append(rows, r)
	}
	sum := 0.0
	for _, r := range rows {
		for _, v := range r.vals {
			sum += v
		}
	}
	return sum
}

func main() {
	every := flag.Float64("every", 3, "seconds between batches")
	n := flag.Int("rows", 40000, "rows per batch")
	flag.Parse()
	bt := time.NewTicker(time.Duration(*every * float64(time.Second)))
	work := time.NewTicker(20 * time.Millisecond)
	gen := 0
	total := batch(*n, gen)
	var sink []byte
	for {
		select {
		case <-bt.C:
			gen++
			total += batch(*n, gen)
		case <-work.C:
			sink = make([]byte, 8192)
			sink[1] = byte(total)
		}
	}
}
