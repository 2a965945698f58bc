# Draws frechet.png from frechet.dat. Re-draw after editing: gnuplot frechet.gp (in this folder)
set terminal pngcairo size 900,520 enhanced font 'sans,11'
set output 'frechet.png'
set title "Digit score: Fréchet distance to the test digits (lower is better)"
set xlabel "epoch"
set ylabel "Fréchet distance of classifier features"
set grid
set key top right
set logscale y
plot 'frechet.dat' index 0 using 1:2 with linespoints lw 2 title "2,000 samples"
