// go-lru-cache: a bounded LRU cache that fills and then plateaus. NOT A LEAK.
//
// Reproduces a read-through cache in front of a slow backend: keys are drawn from a space
// much larger than the cache, so nearly every request misses at first and inserts a ~2 KiB
// value. Once the cache holds its capacity, every insert evicts the least recently used
// entry: memory rises while it fills (a few seconds; the heap goal settles within ~15) and then stays
// flat, with GC churn from the evicted values. Not a leak: the retained set is capped at
// capacity x value size. The scenario's warm-up covers the fill.
//
// Usage: go-lru-cache [-rate REQ_PER_S] [-cap ENTRIES] [-size VALUE_BYTES]
package main

import (
	"container/list"
	"flag"
	"fmt"
	"math/rand"
	"time"
)

type entry struct {
	key   string
	value []byte
}

type lru struct {
	cap   int
	order *list.List
	items map[string]*list.Element
}

func (c *lru) get(key string, size int) []byte {
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*entry).value
	}
	v := make([]byte, size)
	for i := range v {
		v[i] = key[i%len(key)]
	}
	c.items[key] = c.order.PushFront(&entry{key: key, value: v})
	if c.order.Len() > c.cap {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.items, old.Value.(*entry).key)
	}
	return v
}

func main() {
	rate := flag.Int("rate", 1000, "requests per second")
	capacity := flag.Int("cap", 4000, "cache capacity in entries")
	size := flag.Int("size", 2048, "value bytes")
	flag.Parse()
	c := &lru{cap: *capacity, order: list.New(), items: map[string]*list.Element{}}
	rng := rand.New(rand.NewSource(1))
	tick := time.NewTicker(10 * time.Millisecond)
	perTick := float64(*rate) / 100
	var due float64
	n := 0
	for range tick.C {
		due += perTick
		for ; due >= 1; due-- {
			n += len(c.get(fmt.Sprintf("product:%d", rng.Intn(1000000)), *size))
		}
	}
}
