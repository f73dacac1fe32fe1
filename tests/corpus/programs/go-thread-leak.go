// go-thread-leak: OS threads leaked by goroutines locked to their thread. LEAK (threads).
//
// Reproduces a Go service that calls into a thread-affine subsystem (a C library, a
// namespace switch, a UI toolkit) through a goroutine that does runtime.LockOSThread and
// then waits for a reply. When the peer never replies — here, a reply channel nobody ever
// sends on, as after a timeout path that forgot to signal — the goroutine blocks forever and
// keeps its OS thread: the Go scheduler must start a new thread for the other goroutines.
// One such call every few seconds adds one thread each time, forever. A leak: threads and
// their stacks are never given back. Ordinary requests keep running beside it.
//
// Usage: go-thread-leak [-every SECONDS]
package main

import (
	"flag"
	"runtime"
	"time"
)

var pending []chan int

func lockedCall() {
	reply := make(chan int)
	pending = append(pending, reply)
	go func() {
		runtime.LockOSThread()
		// The thread-affine work would be here; its completion is never signalled.
		<-reply
		runtime.UnlockOSThread()
	}()
}

func main() {
	every := flag.Float64("every", 4, "seconds between leaked locked calls")
	flag.Parse()
	leak := time.NewTicker(time.Duration(*every * float64(time.Second)))
	work := time.NewTicker(20 * time.Millisecond)
	var sink []byte
	for {
		select {
		case <-leak.C:
			lockedCall()
		case <-work.C:
			sink = make([]byte, 4096)
			sink[0] = 1
		}
	}
}
