# Draws loss.png from loss.dat. Re-draw after editing: gnuplot loss.gp (in this folder)
set terminal pngcairo size 900,520 enhanced font 'sans,11'
set output 'loss.png'
set title "VAE on MNIST: the loss and its two parts (nats per image)"
set xlabel "epoch"
set ylabel "nats per image"
set grid
set key top right
unset logscale y
set yrange [0:189]
plot 'loss.dat' index 0 using 1:2 with lines lw 2 title "training loss (reconstruction + KL)", \
     'loss.dat' index 1 using 1:2 with lines lw 2 title "training reconstruction", \
     'loss.dat' index 2 using 1:2 with lines lw 2 title "training KL", \
     'loss.dat' index 3 using 1:2 with linespoints lw 2 title "test loss (reconstruction + KL)", \
     'loss.dat' index 4 using 1:2 with linespoints lw 2 title "test reconstruction", \
     'loss.dat' index 5 using 1:2 with linespoints lw 2 title "test KL"
