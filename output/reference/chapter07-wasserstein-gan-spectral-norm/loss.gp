# Draws loss.png from loss.dat. Re-draw after editing: gnuplot loss.gp (in this folder)
set terminal pngcairo size 900,520 enhanced font 'sans,11'
set output 'loss.png'
set title "WGAN on MNIST: losses"
set xlabel "epoch"
set ylabel "critic: mean D(G(z)) − mean D(x) (+ penalty); G: −mean D(G(z))"
set grid
set key top right
unset logscale y
plot 'loss.dat' index 0 using 1:2 with lines lw 2 title "critic loss", \
     'loss.dat' index 1 using 1:2 with lines lw 2 title "G loss"
