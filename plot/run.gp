# run.gp — draw one leaksoak run: RSS over time with its fitted growth and its gate, then
# threads and FDs, then the Prometheus series of sample.prometheus when it has any.
# `leaksoak plot` runs it as
# `gnuplot -e "var=NUMBER" ... -c plot/run.gp CSV OUT TERM TITLE RSS_UNIT SERIES COLUMNS`: the
# strings come as ARG1..ARG7, never parsed as gnuplot commands, and paths start with '/' or
# './' (never '<' or '|', which gnuplot would open as a pipe).
#
#   csv, out      samples.csv to read and the image to write (ARG1, ARG2)
#   term          'pngcairo' or 'svg' (ARG3)
#   title_text    scenario, verdict and slope, already formatted (ARG4)
#   warmup, tend  the warm-up end and the last sample, in seconds
#   fit_from      where the fit of the gated memory series began: warmup, or later where
#                 leaksoak found that start-up went on past it (shaded as "start-up")
#   decided       when an early verdict settled the run (0: it ran its whole duration)
#   stride        plot every stride-th row (long soaks have ~1M rows; the eye needs ~20k)
#   last_point    the 0-based index of the last data line to read: a torn last line (a run
#                 killed while writing it) is left out
#   rss_div, rss_unit   1 and 'KiB', or 1024 and 'MiB' (rss_unit is ARG5)
#   rss_lo        the RSS axis minimum (its maximum follows the data, fit and gate)
#   th_lo, th_hi, fd_lo, fd_hi
#                 the thread and FD axis ranges (given, as a flat series has no range to
#                 autoscale to)
#   has_lazy      1 when lazyfree_kib has values: RSS − LazyFree is drawn too
#   has_anon      1 when the file has rss_anon_kib: anonymous RSS is drawn too
#   has_fit, fit_slope, fit_icpt, fit_net, fit_anon
#                 the Theil–Sen line of the gated memory series (KiB/min, KiB at t = 0);
#                 fit_anon = 1 when that is anonymous RSS, fit_net = 1 when net of LazyFree
#   has_gate, gate
#                 the gate in KiB/min, drawn from the fitted value at the fit start, so growth
#                 steeper than this dashed line is growth beyond the gate
#   n_ser         how many Prometheus series of samples.csv have readings to draw; their
#                 names and their columns, space-separated, are ARG6 and ARG7.  The first is
#                 drawn on the left axis, the others on the right (a goroutine count and a heap
#                 in bytes do not share a scale)
#
# Columns of samples.csv (harness/record/results.h): 1 t_s, 2 rss_kib, 3 threads, 4 fds, 7 lazyfree_kib,
# 10 rss_anon_kib.

csv = ARG1
out = ARG2
term = ARG3
title_text = ARG4
rss_unit = ARG5
ser_names = ARG6
ser_cols = ARG7

set encoding utf8
set fit quiet
set fit logfile '/dev/null'
# noenhanced after the terminal is chosen (choosing one resets it): a '_' in a scenario or
# metric name is a character, not a subscript.
if (term eq 'svg') {
	set terminal svg size 1200,800 dynamic font 'sans,12' background '#ffffff' noenhanced
} else {
	set terminal pngcairo size 1200,800 font 'sans,10' background '#ffffff' noenhanced
}
set termoption noenhanced
set output out
set datafile separator ','
# Empty lazyfree_kib cells (before the first LazyFree reading) are missing, not zero.
set datafile missing ''

set multiplot title title_text font ',13'
set lmargin 12
set rmargin 12

# Top panel: memory (less tall when the series panel takes the bottom).
set origin 0, (n_ser > 0 ? 0.50 : 0.32)
set size 1, (n_ser > 0 ? 0.44 : 0.62)
set grid lc rgb '#dddddd'
set key top left opaque box lc rgb '#bbbbbb'
set xrange [0:tend]
set format x ''
set ylabel sprintf('RSS (%s)', rss_unit)
set yrange [rss_lo:*]
if (warmup > 0) {
	set object 1 rect from 0, graph 0 to warmup, graph 1 behind fc rgb '#ececec' fs solid 1.0 noborder
	set label 1 'warm-up' at warmup / 2, graph 0.97 center tc rgb '#777777'
}
# The start-up found in the data past the warm-up: not fitted either.
if (fit_from > warmup) {
	set object 4 rect from warmup, graph 0 to fit_from, graph 1 behind fc rgb '#f6efe1' fs solid 1.0 noborder
	set label 4 'start-up' at (warmup + fit_from) / 2, graph 0.97 center tc rgb '#8c6d31'
}
# The moment of decision: an early verdict ended the run here.
if (decided > 0) {
	set arrow 3 from decided, graph 0 to decided, graph 1 nohead dt 3 lw 1.5 lc rgb '#9467bd'
	set label 3 sprintf('verdict settled at %.1f s', decided) at decided, graph 0.90 right offset -0.5, 0 tc rgb '#9467bd'
}

# Slopes are per minute, time is in seconds.  The fitted line is half transparent: on a clean
# leak it lies right on the samples, which should still show.
fit_y0 = fit_icpt + fit_slope / 60.0 * fit_from
fitline(x) = (fit_icpt + fit_slope / 60.0 * x) / rss_div
gateline(x) = (fit_y0 + gate / 60.0 * (x - fit_from)) / rss_div
# An empty title leaves a series out of the key; its points are all NaN then too.
net_title = has_lazy ? 'RSS − LazyFree' : ''
fit_series = (fit_anon ? 'anonymous RSS' : 'RSS') . (fit_net ? ' − LazyFree' : '')
fit_title = !has_fit ? '' : (fit_anon || fit_net) ? sprintf('Theil–Sen fit (%s)', fit_series) : 'Theil–Sen fit'
gate_title = has_fit && has_gate ? sprintf('gate %g KiB/min', gate) : ''

# A file from before rss_anon_kib has no column 10: its clause is left out rather than drawn
# from nothing, which gnuplot would warn about.  The macro holds no string from outside.
anon_clause = has_anon ? "csv skip 1 every stride::0::last_point using 1:($10 / rss_div) with lines lw 1 lc rgb '#7f7f7f' title 'anonymous RSS'," : ""
plot csv skip 1 every stride::0::last_point using 1:($2 / rss_div) with lines lw 1 lc rgb '#1f77b4' title 'RSS', \
     csv skip 1 every stride::0::last_point using 1:(has_lazy ? ($2 - $7) / rss_div : NaN) \
	with lines lw 1 lc rgb '#2ca02c' title net_title, \
     @anon_clause \
     [fit_from:tend] (has_fit ? fitline(x) : NaN) with lines lw 2.5 lc rgb '#50d62728' \
	title fit_title, \
     [fit_from:tend] (has_fit && has_gate ? gateline(x) : NaN) with lines lw 2 dt 2 \
	lc rgb '#ff7f0e' title gate_title

# Next panel: threads (left axis) and FDs (right axis); the bottom one without series.
unset object 1
unset label 1
unset label 3
unset object 4
unset label 4
set origin 0, (n_ser > 0 ? 0.27 : 0.02)
set size 1, (n_ser > 0 ? 0.25 : 0.32)
if (warmup > 0) {
	set object 2 rect from 0, graph 0 to warmup, graph 1 behind fc rgb '#ececec' fs solid 1.0 noborder
}
if (n_ser == 0) {
	set format x '%g'
	set xlabel 'time since start (s)'
}
set ylabel 'threads'
set y2label 'FDs'
set ytics nomirror
set y2tics
set yrange [th_lo:th_hi]
set y2range [fd_lo:fd_hi]
# Counts are whole numbers: no 2.2 threads on a narrow axis.
if (th_hi - th_lo <= 10) { set ytics 1 nomirror }
if (fd_hi - fd_lo <= 10) { set y2tics 1 }
plot csv skip 1 every stride::0::last_point using 1:3 with steps lw 1.5 lc rgb '#9467bd' title 'threads', \
     csv skip 1 every stride::0::last_point using 1:4 axes x1y2 with steps lw 1.5 lc rgb '#8c564b' title 'FDs'

# Bottom panel, when sample.prometheus scraped series: the target's own metrics as it
# reported them (empty cells, before the first good scrape, are gaps).
if (n_ser > 0) {
	set origin 0, 0.02
	set size 1, 0.27
	set format x '%g'
	set xlabel 'time since start (s)'
	set ylabel word(ser_names, 1)
	set autoscale y
	set autoscale y2
	set ytics auto nomirror
	unset y2tics
	unset y2label
	if (n_ser == 1) {
		plot csv skip 1 every stride::0::last_point using 1:(column(word(ser_cols, 1) + 0)) \
			with lines lw 1.5 lc rgb '#17becf' title word(ser_names, 1)
	} else {
		set y2tics auto
		set y2label 'other series'
		plot csv skip 1 every stride::0::last_point using 1:(column(word(ser_cols, 1) + 0)) \
			with lines lw 1.5 lc rgb '#17becf' title word(ser_names, 1), \
		     for [i=2:n_ser] csv skip 1 every stride::0::last_point \
			using 1:(column(word(ser_cols, i) + 0)) axes x1y2 with lines lw 1.5 \
			title word(ser_names, i)
	}
}

unset multiplot
