# Draws latest.png from latest.dat. Re-draw after editing: gnuplot latest.gp (in this folder)
set terminal pngcairo size 900,520 enhanced font 'sans,11'
set output 'latest.png'
set title "step 2000"
set xlabel "x"
set ylabel "density, D(x)"
set grid
set key top left
unset logscale y
set yrange [0:1.05]
set xrange [-1.0:8.0]
plot 'latest.dat' index 0 using 1:2 with lines lc rgb 'black' lw 2 title "data", \
     'latest.dat' index 1 using 1:2 with lines lc rgb '#2ca02c' lw 2 title "G's points", \
     'latest.dat' index 2 using 1:2 with lines dt 2 lc rgb '#1f77b4' lw 2 title "D(x)"
