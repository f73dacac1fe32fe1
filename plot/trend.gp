# trend.gp — one scenario across the soaks of a results folder: each gated metric's slope as a
# percentage of its gate, soak after soak, with the gate (100 %) dashed and the first soak where
# a slope rose by more than a quarter of its gate (or the verdict changed) marked.
# `leaksoak soak` and `leaksoak report` run it as
# `gnuplot -e "n_cols=N" -e "rise=K" -c plot/trend.gp DATA OUT TITLE`: the strings come as
# ARG1..ARG3, never parsed as gnuplot commands, and paths start with '/' or './'.
#
#   data     tab-separated, a header line, then "SOAK<TAB>XLABEL<TAB>PCT..." (ARG1)
#   out      the PNG to write (ARG2)
#   title_text  the scenario, already escaped (ARG3)
#   n_cols   how many metric columns follow the label (columns 3 .. 2 + n_cols)
#   rise     the soak number to mark (0: none)

data = ARG1
out = ARG2
title_text = ARG3

set encoding utf8
set termoption noenhanced
set terminal pngcairo size 560,260 font 'sans,8' background '#ffffff'
set output out
set datafile separator "\t"
set datafile missing 'NaN'
set title title_text font ',10'
set ylabel '% of gate'
set key top left horizontal
set grid ytics lc rgb '#dddddd'
set xtics rotate by -25 nomirror
set ytics nomirror
set offsets 0.3, 0.3, 0, 0
if (rise > 0) {
	set arrow 1 from rise, graph 0 to rise, graph 1 nohead lc rgb '#e08000' lw 2 dt 3
	set label 1 'first rise' at rise, graph 0.95 offset 0.5, 0 tc rgb '#e08000'
}
# 0 and a little above the gate always show, however small the slopes.
set yrange [*<0:120<*]
plot for [c = 3:2 + n_cols] data using 1:c:xtic(2) with linespoints pt 7 ps 0.7 lw 1.5 \
	title columnheader(c), \
	100 with lines dt 2 lc rgb '#b00020' title 'gate'
