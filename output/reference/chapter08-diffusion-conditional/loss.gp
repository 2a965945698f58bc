# Draws loss.png from loss.dat. Re-draw after editing: gnuplot loss.gp (in this folder)
set terminal pngcairo size 900,520 enhanced font 'sans,11'
set output 'loss.png'
set title "The noise predictor's loss: mean squared error of ε̂ (predicting 0 scores 1)"
set xlabel "epoch"
set ylabel "mean squared error"
set grid
set key top right
set logscale y
plot 'loss.dat' index 0 using 1:2 with lines lw 2 title "training loss", \
     'loss.dat' index 1 using 1:2 with linespoints lw 2 title "epoch mean"
