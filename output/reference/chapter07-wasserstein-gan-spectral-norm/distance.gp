# Draws distance.png from distance.dat: 2 charts side by side. Re-draw after editing: gnuplot distance.gp
set terminal pngcairo size 900,390 enhanced font 'sans,10'
set output 'distance.png'
set multiplot layout 1,2 title "Two distances between G's digits and real ones, epoch by epoch"
set title "The critic's estimate"
set xlabel "epoch"
set ylabel "mean D(x) − mean D(G(z))"
set grid
set key top right
unset logscale y
plot 'distance.dat' index 0 using 1:2 with linespoints lw 2 title "W estimate"

set title "Appendix A's Fréchet distance"
set xlabel "epoch"
set ylabel "Fréchet distance"
set grid
set key top right
set logscale y
plot 'distance.dat' index 1 using 1:2 with linespoints lw 2 title "Fréchet distance"

unset multiplot
