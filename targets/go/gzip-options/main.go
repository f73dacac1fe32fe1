// go-gzip-options — a gzip middleware before CORS leaks a compressor per preflight (gin).
//
// The original bug: a reporting service put a gzip middleware in front of a CORS middleware.
// Browsers send a preflight OPTIONS before each cross-origin report; CORS answers it itself with
// 204 and no body, the gzip writer wrapping the response then fails on close ("request method
// or response status code does not allow body"), and on that error path the compressor was
// never released.  Every preflight leaked one compressor.
//
// What is real: gin 1.8.1, gin-contrib/cors 1.4.0, compress/gzip, and with --contrib
// gin-contrib/gzip 0.0.6 itself (all Debian packages).  What is simulated: the leaking gzip
// middleware - gin-contrib/gzip 0.0.6's handler with the incident's two changes, below -
// because the packaged middleware does not leak; its scenario is go-gzip-options-contrib.
//
// What the packaged middleware does: gin-contrib/gzip 0.0.6 (Debian's
// golang-github-gin-contrib-gzip-dev) registered before gin-contrib/cors 1.4.0 takes the same
// path: cors aborts the preflight with 204, gzip's deferred gz.Close() fails with
// http.ErrBodyNotAllowed (net/http refuses the gzip header on a 204) - but 0.0.6 ignores that
// error and its deferred gzPool.Put(gz) returns the writer to a sync.Pool on every path, so it
// does not leak; nor could a writer merely not Put back leak in Go, since the collector frees it.
// A Go compressor leaks only when something keeps a reference to it.  This file therefore keeps
// the real gin and the real gin-contrib/cors, and runs gin-contrib/gzip 0.0.6's handler with the
// two changes that make the original incident's middleware leak: its pool of compressors
// remembers the writers it lent out (so that shutdown can flush them and a gauge can count
// them), and the compressor is released only after a successful Close.  The preflight's failing
// Close returns early, so the writer - with the ~800 KiB deflate state it kept from serving an
// earlier report - stays lent out for good.  Writers are reused, as in any pool: a report POST
// warms a writer (allocates its deflate state), the next preflight takes it and strands it.
//
// --fixed: the real fix - CORS is registered before gzip, so a preflight never reaches the
// compressor.  The target's code and load are otherwise identical.
// --contrib: the packaged gin-contrib/gzip 0.0.6 itself, registered before cors (the leaky
// order), to show that it does not leak: its compressor goes back to its pool on every path
// (scenario go-gzip-options-contrib, which passes).
package main

import (
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"

	"leaksoak/svc"

	"github.com/gin-contrib/cors"
	contribgzip "github.com/gin-contrib/gzip"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var lentGauge = promauto.NewGauge(prometheus.GaugeOpts{
	Name: "gzip_compressors_lent",
	Help: "Compressors taken from the pool and not yet given back.",
})

// compressorPool lends gzip writers and remembers which are out.
type compressorPool struct {
	mu   sync.Mutex
	free []*gzip.Writer
	lent map[*gzip.Writer]struct{}
}

func (p *compressorPool) get(w io.Writer) *gzip.Writer {
	p.mu.Lock()
	defer p.mu.Unlock()
	var gz *gzip.Writer
	if n := len(p.free); n > 0 {
		gz, p.free = p.free[n-1], p.free[:n-1]
		gz.Reset(w)
	} else {
		gz, _ = gzip.NewWriterLevel(w, gzip.DefaultCompression)
	}
	p.lent[gz] = struct{}{}
	lentGauge.Set(float64(len(p.lent)))
	return gz
}

func (p *compressorPool) put(gz *gzip.Writer) {
	gz.Reset(io.Discard)
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.lent, gz)
	p.free = append(p.free, gz)
	lentGauge.Set(float64(len(p.lent)))
}

// gzipWriter is gin-contrib/gzip's: the response body goes through the compressor.
type gzipWriter struct {
	gin.ResponseWriter
	writer *gzip.Writer
}

func (g *gzipWriter) WriteString(s string) (int, error) {
	g.Header().Del("Content-Length")
	return g.writer.Write([]byte(s))
}

func (g *gzipWriter) Write(data []byte) (int, error) {
	g.Header().Del("Content-Length")
	return g.writer.Write(data)
}

func (g *gzipWriter) WriteHeader(code int) {
	g.Header().Del("Content-Length")
	g.ResponseWriter.WriteHeader(code)
}

// gzipMiddleware is gin-contrib/gzip 0.0.6's Handle with the incident's release-on-success.
func gzipMiddleware(pool *compressorPool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !strings.Contains(c.GetHeader("Accept-Encoding"), "gzip") {
			return
		}
		gz := pool.get(c.Writer)
		c.Header("Content-Encoding", "gzip")
		c.Header("Vary", "Accept-Encoding")
		c.Writer = &gzipWriter{c.Writer, gz}
		c.Next()
		if err := gz.Close(); err != nil {
			// The bug: on a preflight CORS has already sent 204, the gzip header cannot be
			// written, and this path returns without giving the compressor back.
			_ = c.Error(err)
			return
		}
		c.Header("Content-Length", fmt.Sprint(c.Writer.Size()))
		pool.put(gz)
	}
}

func main() {
	var contrib bool
	opt := svc.ParseWith("go-gzip-options", func(fs *flag.FlagSet) {
		fs.BoolVar(&contrib, "contrib", false, "gin-contrib/gzip 0.0.6 before cors")
	})
	gin.SetMode(gin.ReleaseMode)
	pool := &compressorPool{lent: map[*gzip.Writer]struct{}{}}
	corsMw := cors.New(cors.Config{
		AllowOrigins: []string{"http://app.example"},
		AllowMethods: []string{"POST"},
		AllowHeaders: []string{"Content-Type"},
	})
	r := gin.New()
	switch {
	case contrib:
		r.Use(contribgzip.Gzip(contribgzip.DefaultCompression), corsMw)
	case opt.Fixed:
		r.Use(corsMw, gzipMiddleware(pool))
	default:
		r.Use(gzipMiddleware(pool), corsMw)
	}
	r.POST("/report", func(c *gin.Context) {
		body, _ := io.ReadAll(c.Request.Body)
		c.JSON(http.StatusAccepted, gin.H{"accepted": len(body), "id": c.Query("id")})
	})
	svc.Serve("go-gzip-options", opt.Port, r)
	os.Exit(1)
}
