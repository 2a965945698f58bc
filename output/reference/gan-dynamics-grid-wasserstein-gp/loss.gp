# Draws loss.png from loss.dat. Re-draw after editing: gnuplot loss.gp (in this folder)
set terminal pngcairo size 900,520 enhanced font 'sans,11'
set output 'loss.png'
set title "Losses"
set xlabel "step"
set ylabel "loss"
set grid
set key top right
unset logscale y
plot 'loss.dat' index 0 using 1:2 with linespoints lw 2 title "D", \
     'loss.dat' index 1 using 1:2 with linespoints lw 2 title "G"
