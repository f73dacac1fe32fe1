// go-keyspace-cache: a cache that fills from a finite keyspace of random keys, then is flat.
// NOT A LEAK.
//
// Reproduces a read-through cache in front of a slow backend (user profiles, product pages)
// whose keys come from a finite set: every request asks for a random key of the keyspace;
// a miss builds the value (~1 KiB) and stores it, a hit copies it into the response. It has
// no eviction because it needs none: the keyspace bounds it. Random draws fill it as in the
// coupon-collector problem: after n draws from K keys it holds K(1 - e^(-n/K)), so the fill
// is fast at first and decelerates — with the defaults (20,000 keys, 2,600 requests/s, time
// constant K/rate ~ 7.7 s) 50 % at ~5 s, 90 % at ~18 s, 99 % at ~35 s, 99.9 % at ~53 s —
// and RSS, following the Go heap goal (about twice the live heap), rises with it and then
// stays flat. A 5 s warm-up sees a slope of tens of MiB/min that is about to stop. Not a
// leak: the retained set is bounded by keyspace x value size (~22 MiB live).
//
// Usage: go-keyspace-cache [-rate REQ_PER_S] [-keys K] [-size VALUE_BYTES]
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"time"
)

type profile struct {
	id    int
	name  string
	value []byte
}

func main() {
	rate := flag.Int("rate", 2600, "requests per second")
	keys := flag.Int("keys", 20000, "keyspace size")
	size := flag.Int("size", 1024, "value bytes")
	flag.Parse()
	cache := map[string]*profile{}
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	tick := time.NewTicker(10 * time.Millisecond)
	perTick := float64(*rate) / 100
	var due float64
	sink := 0
	for range tick.C {
		due += perTick
		for ; due >= 1; due-- {
			id := rng.Intn(*keys)
			key := fmt.Sprintf("user:%d", id)
			p, ok := cache[key]
			if !ok {
				v := make([]byte, *size)
				for i := range v {
					v[i] = byte(id + i)
				}
				p = &profile{id: id, name: fmt.Sprintf("User %d", id), value: v}
				cache[key] = p
			}
			// The response: a copy of the cached value with a header, garbage once sent.
			resp := make([]byte, 0, len(p.value)+64)
			resp = append(resp, fmt.Sprintf("HTTP/1.1 200 OK\r\nX-User: %s\r\n\r\n", p.name)...)
			resp = append(resp, p.value...)
			sink += len(resp)
		}
	}
	fmt.Println(sink)
}
