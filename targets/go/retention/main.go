// go-retention — the trap: memory the Go runtime freed with MADV_FREE stays in RSS.
//
// The original case (not a leak): an operations backend parsed uploaded spreadsheets (40k rows,
// ~500 MB once parsed).  After each upload RSS stayed up, heap profiles showed nothing live,
// and the team chased a leak that was not there.  Go 1.12-1.15 returned freed heap to the
// kernel with madvise(MADV_FREE): the pages stay counted in RSS - as LazyFree in
// /proc/PID/smaps_rollup - until the kernel is short of memory and takes them.  Go 1.16 went
// back to MADV_DONTNEED; GODEBUG=madvdontneed=0 restores the old behaviour, which is how the
// scenario runs this target.
//
// How this file reproduces it: POST /upload parses a spreadsheet of 40,000 rows (the request's
// row repeated) into [][]string - a burst of ~30 MiB of small objects - sums a column, answers,
// and drops the rows.  It then calls debug.FreeOSMemory(), as services do after a big job: a
// full collection, and every free page handed back to the kernel - with MADV_FREE.  Between
// uploads the service is idle.  Raw RSS stays at the burst's height; RSS - LazyFree falls back
// to the live heap after every upload.  A detector that gates raw RSS sees memory that never
// comes back; leaksoak gates RSS - LazyFree and must say pass.
//
// There is no --fixed: nothing is leaking.  The flag is accepted and changes nothing.
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

const rowsPerUpload = 40000

var parseMu sync.Mutex // one upload parsed at a time, as in the original backend

// parse turns the uploaded CSV row into a sheet of rowsPerUpload rows, each cell its own string.
func parse(row string) [][]string {
	sheet := make([][]string, rowsPerUpload)
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

func upload(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	parseMu.Lock()
	defer parseMu.Unlock()
	sheet := parse(string(body))
	cells := 0
	for _, row := range sheet {
		cells += len(row)
	}
	fmt.Fprintf(w, "%d rows, %d cells\n", len(sheet), cells)
	sheet = nil
	debug.FreeOSMemory()
}

func main() {
	opt := svc.Parse("go-retention")
	mux := http.NewServeMux()
	mux.HandleFunc("/upload", upload)
	svc.Serve("go-retention", opt.Port, mux)
	os.Exit(1)
}
