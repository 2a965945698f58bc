# Draws snapshots.png from snapshots.dat: 5 charts side by side. Re-draw after editing: gnuplot snapshots.gp
set terminal pngcairo size 1650,360 enhanced font 'sans,10'
set output 'snapshots.png'
set multiplot layout 1,5 title "The data (black), G (green) and D(x) (dashed)"
set title "step 0"
set xlabel "x"
set ylabel "density, D(x)"
set grid
set key top left
unset logscale y
set yrange [0:1.05]
set xrange [-1.0:8.0]
plot 'snapshots.dat' index 0 using 1:2 with lines lc rgb 'black' lw 2 title "data", \
     'snapshots.dat' index 1 using 1:2 with lines lc rgb '#2ca02c' lw 2 title "G's points", \
     'snapshots.dat' index 2 using 1:2 with lines dt 2 lc rgb '#1f77b4' lw 2 title "D(x)"

set title "step 50"
set xlabel "x"
set ylabel "density, D(x)"
set grid
set key top left
unset logscale y
set yrange [0:1.05]
set xrange [-1.0:8.0]
plot 'snapshots.dat' index 3 using 1:2 with lines lc rgb 'black' lw 2 title "data", \
     'snapshots.dat' index 4 using 1:2 with lines lc rgb '#2ca02c' lw 2 title "G's points", \
     'snapshots.dat' index 5 using 1:2 with lines dt 2 lc rgb '#1f77b4' lw 2 title "D(x)"

set title "step 150"
set xlabel "x"
set ylabel "density, D(x)"
set grid
set key top left
unset logscale y
set yrange [0:1.05]
set xrange [-1.0:8.0]
plot 'snapshots.dat' index 6 using 1:2 with lines lc rgb 'black' lw 2 title "data", \
     'snapshots.dat' index 7 using 1:2 with lines lc rgb '#2ca02c' lw 2 title "G's points", \
     'snapshots.dat' index 8 using 1:2 with lines dt 2 lc rgb '#1f77b4' lw 2 title "D(x)"

set title "step 600"
set xlabel "x"
set ylabel "density, D(x)"
set grid
set key top left
unset logscale y
set yrange [0:1.05]
set xrange [-1.0:8.0]
plot 'snapshots.dat' index 9 using 1:2 with lines lc rgb 'black' lw 2 title "data", \
     'snapshots.dat' index 10 using 1:2 with lines lc rgb '#2ca02c' lw 2 title "G's points", \
     'snapshots.dat' index 11 using 1:2 with lines dt 2 lc rgb '#1f77b4' lw 2 title "D(x)"

set title "step 2000"
set xlabel "x"
set ylabel "density, D(x)"
set grid
set key top left
unset logscale y
set yrange [0:1.05]
set xrange [-1.0:8.0]
plot 'snapshots.dat' index 12 using 1:2 with lines lc rgb 'black' lw 2 title "data", \
     'snapshots.dat' index 13 using 1:2 with lines lc rgb '#2ca02c' lw 2 title "G's points", \
     'snapshots.dat' index 14 using 1:2 with lines dt 2 lc rgb '#1f77b4' lw 2 title "D(x)"

unset multiplot
