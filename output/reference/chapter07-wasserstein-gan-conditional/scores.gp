# Draws scores.png from scores.dat. Re-draw after editing: gnuplot scores.gp (in this folder)
set terminal pngcairo size 900,520 enhanced font 'sans,11'
set output 'scores.png'
set title "WGAN on MNIST: the critic's scores"
set xlabel "epoch"
set ylabel "mean score (any real number)"
set grid
set key top right
unset logscale y
plot 'scores.dat' index 0 using 1:2 with lines lw 2 title "D(x), real images", \
     'scores.dat' index 1 using 1:2 with lines lw 2 title "D(G(z)), fakes"
