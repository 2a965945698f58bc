# Draws critic-weights.png from critic-weights.dat. Re-draw after editing: gnuplot critic-weights.gp (in this folder)
set terminal pngcairo size 900,520 enhanced font 'sans,11'
set output 'critic-weights.png'
set title "The critic's weights (gradient penalty, λ = 10.0)"
set xlabel "weight"
set ylabel "share of the weights"
set grid
set key top right
set logscale y
set style fill solid 0.6
set boxwidth 0.026090534
set format y '%g'
plot 'critic-weights.dat' index 0 using 1:2 with boxes lw 2 title "weights"
