/*
 * runfiles — the names of what leaksoak leaves on disk: a run's folder, a soak's folder and
 * the folder that holds the soaks.  One place spells each name; every layer writes, reads,
 * clears and reserves them by these constants.  A pure list: no logic, no allocation.
 *
 * Like the exit codes (diag.h), the names are part of what leaksoak promises the outside (a
 * CI job reads junit.xml, a dashboard summary.json), and every layer needs them: scenario/
 * reserves the soak's names, record/ writes the data files, evidence/ its files, out/ reads
 * and writes the rest, cli/ clears a reused folder.  base/ is the one folder all of them may
 * include, so the list lives here; what each file holds is said where it is written
 * (record/results.h for the data files, leaksoak(1) RESULTS for all).
 *
 * To add a file: name it here, and put it in RUNFILES_OF_A_RUN or RUNFILES_OF_A_SOAK when
 * it is one of those; then write and read it by its constant.
 */
#ifndef LEAKSOAK_RUNFILES_H
#define LEAKSOAK_RUNFILES_H

/* ---- a run's folder (leaksoak run, watch; results/<name>/<UTC timestamp>/) ------------- */
#define RUNFILE_SUMMARY		"summary.json"		/* the verdict; a soak's report too */
#define RUNFILE_SAMPLES		"samples.csv"		/* a row per sample, flushed */
#define RUNFILE_PLOT_PNG	"rss.png"		/* the plot (leaksoak plot) */
#define RUNFILE_PLOT_SVG	"rss.svg"		/* the plot, --format svg */
#define RUNFILE_PLOT_LOG	"plot.log"		/* gnuplot's messages, when any */
#define RUNFILE_TARGET_LOG	"target.log"		/* the target's stdout and stderr */
#define RUNFILE_DRIVE_LOG	"drive.log"		/* drive.exec's stdout and stderr */
#define RUNFILE_RUN_LOG		"run.log"		/* in a soak: the run's own output */

/* Evidence (evidence/): /proc snapshots, evidence.http_get bodies, profiles. */
#define RUNFILE_EVIDENCE_START		"evidence-start.json"
#define RUNFILE_EVIDENCE_END		"evidence-end.json"
#define RUNFILE_EVIDENCE_HTTP_START	"evidence-http-start"
#define RUNFILE_EVIDENCE_HTTP_END	"evidence-http-end"
#define RUNFILE_HEAPTRACK_BASE		"heaptrack"	/* heaptrack.zst or heaptrack.gz */
#define RUNFILE_HEAPTRACK_LEAKS		"heaptrack-leaks.txt"
#define RUNFILE_GO_HEAP_START		"go-heap-start.pb.gz"
#define RUNFILE_GO_HEAP_END		"go-heap-end.pb.gz"
#define RUNFILE_GO_GOROUTINE_START	"go-goroutine-start.txt"
#define RUNFILE_GO_GOROUTINE_END	"go-goroutine-end.txt"
#define RUNFILE_GO_HEAP_TOP		"go-heap-top.txt"
#define RUNFILE_JVM_HISTOGRAM_START	"jvm-histogram-start.txt"
#define RUNFILE_JVM_HISTOGRAM_END	"jvm-histogram-end.txt"

/* ---- a soak's folder (leaksoak soak, report; beside one folder per run) ----------------- */
/* RUNFILE_SUMMARY (the report), and: */
#define RUNFILE_JUNIT		"junit.xml"
#define RUNFILE_INDEX		"index.html"
#define RUNFILE_TRENDS		"trends"		/* a folder: N-NAME.png and .tsv */

/* ---- the folder that holds the soaks (results/soak/) ------------------------------------ */
#define RUNFILE_HISTORY_INDEX	"history.tsv"

/*
 * What a run writes that a soak reads as the run's outcome, as an initialiser: a soak that
 * reuses a run's folder removes them first, so that a stale one is never reported as this
 * run's.  (Logs and evidence are overwritten or named by the new summary.)
 */
#define RUNFILES_OF_A_RUN { RUNFILE_SUMMARY, RUNFILE_SAMPLES, RUNFILE_PLOT_PNG, \
			    RUNFILE_PLOT_SVG, RUNFILE_PLOT_LOG }

/*
 * What a soak writes into its folder beside the run folders, as an initialiser: names no
 * scenario may take, since a scenario's name is its run's folder.
 */
#define RUNFILES_OF_A_SOAK { RUNFILE_SUMMARY, RUNFILE_JUNIT, RUNFILE_INDEX, RUNFILE_TRENDS }

#endif
