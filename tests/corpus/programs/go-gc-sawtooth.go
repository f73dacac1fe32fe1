// go-gc-sawtooth: a Go service with a fixed live set and heavy garbage churn. NOT A LEAK.
//
// Reproduces a JSON API: at start it loads a reference table (the live set, built once),
// then every request decodes a request body, builds a response from the table and encodes
// it, all into garbage. The heap rises to the GC's goal, is collected, rises again: a
// sawtooth in the heap whose floor (the live set) settles within the first seconds. RSS
// follows the heap goal and then stays within a band. Not a leak: nothing per request is
// retained, so the floor does not rise however long it runs.
//
// Usage: go-gc-sawtooth [-rate REQ_PER_S] [-table ENTRIES]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"time"
)

type item struct {
	ID    int      `json:"id"`
	Name  string   `json:"name"`
	Tags  []string `json:"tags"`
	Price float64  `json:"price"`
}

var table []item

func handle(seq int) int {
	body := fmt.Sprintf(`{"ids":[%d,%d,%d,%d],"page":%d}`, seq%len(table), (seq*7)%len(table), (seq*13)%len(table), (seq*31)%len(table), seq%10)
	var req struct {
		IDs  []int `json:"ids"`
		Page int   `json:"page"`
	}
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		return 0
	}
	resp := make([]item, 0, 64)
	for i := 0; i < 64; i++ {
		resp = append(resp, table[(req.IDs[i%4]+i)%len(table)])
	}
	out, _ := json.Marshal(resp)
	return len(out)
}

func main() {
	rate := flag.Int("rate", 300, "requests per second")
	n := flag.Int("table", 40000, "reference table entries")
	flag.Parse()
	for i := 0; i < *n; i++ {
		table = append(table, item{ID: i, Name: fmt.Sprintf("item-%06d", i), Tags: []string{"a", "bb", fmt.Sprint(i % 17)}, Price: float64(i) / 7})
	}
	tick := time.NewTicker(10 * time.Millisecond)
	perTick := float64(*rate) / 100
	var due float64
	seq, total := 0, 0
	for range tick.C {
		due += perTick
		for ; due >= 1; due-- {
			seq++
			total += handle(seq)
		}
	}
	_ = total
}
