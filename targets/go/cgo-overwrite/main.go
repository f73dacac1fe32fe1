// go-cgo-overwrite — C-malloc'd values overwritten in a Go map without C.free (cgo).
//
// The original bug: a proxy in front of a key-value store fetched values through a C client
// library; values above a size threshold lived in C-malloc'd memory, invisible to the Go heap
// profiler.  A multi-get split its keys by bucket and fanned out one goroutine per bucket - but
// the closure captured the outer key list instead of its own subset, so every goroutine fetched
// every key.  The results were merged into a map, and a duplicate key overwrote the previous
// C-owned value without freeing it.  Only large values leaked, and pprof showed nothing.
//
// What is real: cgo and the C allocator (C.CBytes, C.free), goroutines and a Go map.  What is
// simulated: the C client library and its store - a value is copied into C memory the way the
// client handed it back - because the original client is not packaged.
//
// How this file reproduces it: GET /getm?keys=a,b,... splits the keys into buckets by hash and
// starts a goroutine per bucket.  The leaky closure ranges over `keys` (the outer list), not
// `subset`.  A value of 4 KiB or more is copied into C memory with C.CBytes (C.malloc + copy),
// a smaller one stays in Go memory, as in the original client.  The merge stores each result in
// a map[string]*value; a duplicate overwrites the entry, and the C buffer it held is never
// freed.  After the response the merge frees what the map still holds - one buffer per key.
// The leak stops at 1 GiB of lost buffers (then overwrites free), to protect the machine.
//
// --fixed: the real fix - each goroutine fetches its own subset, and replacing a value frees
// the old C buffer first.
package main

// #include <stdlib.h>
import "C"

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"leaksoak/svc"
)

const (
	buckets    = 4
	cThreshold = 4096    // values this large live in C memory
	maxLeaked  = 1 << 30 // past this many leaked bytes, overwrites free (protects the machine)
)

var leaked int64 // bytes of C buffers overwritten without C.free

// value is a fetched value: Go bytes, or a C buffer that the caller must C.free.
type value struct {
	goBytes []byte
	cBuf    unsafe.Pointer
	n       int
}

func (v *value) free() {
	if v.cBuf != nil {
		C.free(v.cBuf)
		v.cBuf = nil
	}
}

// store is the key-value store: "small-N" keys hold 64-byte values, "large-N" 256 KiB.
var store = map[string][]byte{}

func init() {
	sizes := map[string]int{"small": 64, "large": 256 * 1024}
	for kind, size := range sizes {
		for i := 1; i <= 8; i++ {
			k := fmt.Sprintf("%s-%d", kind, i)
			store[k] = []byte(strings.Repeat(k+";", size/(len(k)+1)+1)[:size])
		}
	}
}

// fetch is the C client's get: a large value is copied into C.malloc'd memory.
func fetch(key string) *value {
	data := store[key]
	if len(data) < cThreshold {
		return &value{goBytes: append([]byte(nil), data...), n: len(data)}
	}
	return &value{cBuf: C.CBytes(data), n: len(data)}
}

func bucketOf(key string) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % buckets)
}

type result struct {
	key string
	val *value
}

// multiGet fans out one goroutine per bucket and merges the results into a map.
func multiGet(keys []string, fixed bool) map[string]*value {
	subsets := make([][]string, buckets)
	for _, k := range keys {
		subsets[bucketOf(k)] = append(subsets[bucketOf(k)], k)
	}
	results := make(chan result)
	var wg sync.WaitGroup
	for _, subset := range subsets {
		if len(subset) == 0 {
			continue
		}
		subset := subset
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := keys // the bug: the closure uses the outer key list
			if fixed {
				mine = subset
			}
			for _, k := range mine {
				results <- result{k, fetch(k)}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()
	merged := map[string]*value{}
	for r := range results {
		if old, ok := merged[r.key]; ok {
			if fixed || old.cBuf == nil || atomic.AddInt64(&leaked, int64(old.n)) > maxLeaked {
				old.free()
			}
		}
		merged[r.key] = r.val // the leak: an overwritten C buffer is never freed
	}
	return merged
}

func handle(fixed bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		keys := strings.Split(r.URL.Query().Get("keys"), ",")
		merged := multiGet(keys, fixed)
		total := 0
		for _, v := range merged {
			total += v.n
			v.free()
		}
		fmt.Fprintf(w, "%d keys, %d bytes\n", len(merged), total)
	}
}

func main() {
	opt := svc.Parse("go-cgo-overwrite")
	mux := http.NewServeMux()
	mux.HandleFunc("/getm", handle(opt.Fixed))
	svc.Serve("go-cgo-overwrite", opt.Port, mux)
	os.Exit(1)
}
