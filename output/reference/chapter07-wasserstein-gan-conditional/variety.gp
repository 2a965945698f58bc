# Draws variety.png from variety.dat. Re-draw after editing: gnuplot variety.gp (in this folder)
set terminal pngcairo size 900,520 enhanced font 'sans,11'
set output 'variety.png'
set title "Variety of the fixed-z samples (real images = 1)"
set xlabel "epoch"
set ylabel "relative mean distance"
set grid
set key top right
unset logscale y
plot 'variety.dat' index 0 using 1:2 with linespoints lw 2 title "samples"
