// go-grpc-load — a small gRPC load generator, the kind of client a team already has for its
// own service, run by leaksoak as drive.exec (scenarios/grpc-conns-grpc.json).  It is no
// target: nothing here leaks.
//
// It dials 127.0.0.1:PORT once (waiting up to 10 s for the server to listen, as a client of a
// service that is starting would), then makes unary calls to /frontend.Profile/Call on that
// one connection, RATE a second on a steady schedule, each for a new user ("user-1",
// "user-2", ...) or, with --same-user, always the same one.  The messages are raw bytes (the
// user id) through a codec of its own, so no generated protobuf code is needed.  It prints
// its totals every 5 s, and exits 1 on the first failed call so that leaksoak ends the run as
// an error rather than judge a target that was not driven.
//
//	go-grpc-load --port PORT [--rate N] [--same-user]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
)

// rawCodec sends and receives []byte as they are.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("rawCodec: %T is not *[]byte", v)
	}
	return *b, nil
}

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	b, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("rawCodec: %T is not *[]byte", v)
	}
	*b = append((*b)[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "raw" }

func run(port int, rate float64, sameUser bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	conn, err := grpc.DialContext(ctx, fmt.Sprintf("127.0.0.1:%d", port), grpc.WithInsecure(),
		grpc.WithBlock(), grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	cancel()
	if err != nil {
		return fmt.Errorf("cannot connect to 127.0.0.1:%d: %v", port, err)
	}
	defer conn.Close()
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	start, lastReport := time.Now(), time.Now()
	for n := 1; ; n++ {
		user := fmt.Sprintf("user-%d", n)
		if sameUser {
			user = "user-1"
		}
		req, reply := []byte(user), []byte(nil)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := conn.Invoke(ctx, "/frontend.Profile/Call", &req, &reply)
		cancel()
		if err != nil {
			return fmt.Errorf("call %d failed: %v", n, err)
		}
		if time.Since(lastReport) >= 5*time.Second {
			fmt.Printf("go-grpc-load: %d calls in %.0f s\n", n, time.Since(start).Seconds())
			lastReport = time.Now()
		}
		<-tick.C
	}
}

func main() {
	port := flag.Int("port", 0, "the server's loopback port (required)")
	rate := flag.Float64("rate", 50, "calls per second")
	sameUser := flag.Bool("same-user", false, "every call for the same user")
	flag.Parse()
	if *port <= 0 || *port > 65535 || *rate <= 0 || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: go-grpc-load --port N [--rate N] [--same-user]")
		os.Exit(2)
	}
	if err := run(*port, *rate, *sameUser); err != nil {
		fmt.Printf("go-grpc-load: %v\n", err)
		os.Exit(1)
	}
}
