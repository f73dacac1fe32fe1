// go-retention — the trap: memory the Go runtime freed with MADV_FREE stays in RSS.
//
// The original case (not a leak): an operations backend parsed uploaded spreadsheets (40k rows,
// ~500 MB once parsed).  After each upload RSS stayed up, heap profiles showed nothing live,
// and the team chased a leak that was not there.  Go 1.12-1.15 returned freed heap to the
// kernel with madvise(MADV_FREE): the pages stay counted in RSS - as LazyFree in
// /proc/PID/smaps_rollup - until the kernel is short of memory and takes them.  Go 1.16 went
// back to MADV_DONTNEED; GODEBUG=madvdontneed=0 restores the old behaviour, which is how the
// go-retention scenario runs this target (Go 1.19 here).  GODEBUG=madvdontneed=1 - the remedy the
// incident used - is its twin, go-retention-madvdontneed: raw RSS falls back after each upload.
//
// What is real: Go's runtime, its allocator and its scavenger, with the GODEBUG switch that
// chooses MADV_FREE or MADV_DONTNEED.  What is simulated: the spreadsheet (one uploaded CSV row
// repeated) and its parser.
//
// How this file reproduces it: POST /upload parses a spreadsheet into [][]string, each cell its
// own string - a burst of small objects - counts its cells, answers, and drops the rows.  The
// body is one CSV row whose first field is the upload's number N; the sheet is that row
// repeated 1,000 x N times (at most 60,000 rows, ~25 MiB once parsed): uploads grow, as a
// month's sheets do, so each burst reaches above the last one's pages.  It then calls debug.FreeOSMemory(), as services do after a big job: a
// full collection, and every free page handed back to the kernel - with MADV_FREE.  Between
// uploads the service is idle.  Raw RSS climbs to the largest burst's height and stays
// there; RSS - LazyFree falls back to the live heap after every upload.  A detector that gates raw RSS sees memory that never
// comes back; leaksoak gates RSS - LazyFree and must say pass.
//
// There is no --fixed: nothing is leaking, and the flag is refused.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"leaksoak/svc"
)

const (
	rowsPerStep = 1000
	maxSteps    = 60
)

var parseMu sync.Mutex // one upload parsed at a time, as in the original backend

// parse turns the uploaded CSV row into the sheet it stands for, each cell its own string.
func parse(row string) [][]string {
	n, err := strconv.Atoi(strings.SplitN(row, ",", 2)[0])
	if err != nil || n < 0 || n >= maxSteps {
		n = maxSteps - 1
	}
	sheet := make([][]string, rowsPerStep*(n+1))
	for i := range sheet {
		line := strconv.Itoa(i) + "," + row
		cells := strings.Split(line, ",")
		for j, c := range cells {
			cells[j] = strings.Clone(c)
		}
		sheet[i] = cells
	}
	return sheet
}

func summarise(sheet [][]string) (rows, cells int) {
	for _, row := range sheet {
		cells += len(row)
	}
	return len(sheet), cells
}

func upload(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	parseMu.Lock()
	defer parseMu.Unlock()
	rows, cells := summarise(parse(string(body)))
	fmt.Fprintf(w, "%d rows, %d cells\n", rows, cells)
	debug.FreeOSMemory() // the sheet is garbage now: collect it and hand its pages back

}

func main() {
	opt := svc.Parse("go-retention")
	if opt.Fixed {
		fmt.Fprintln(os.Stderr, "go-retention: --fixed: nothing to fix, this target does not leak")
		os.Exit(2)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/upload", upload)
	svc.Serve("go-retention", opt.Port, mux)
	os.Exit(1)
}
