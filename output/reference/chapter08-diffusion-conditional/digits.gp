# Draws digits.png from digits.dat. Re-draw after editing: gnuplot digits.gp (in this folder)
set terminal pngcairo size 900,520 enhanced font 'sans,11'
set output 'digits.png'
set title "Which digits the diffusion model draws (2,000 samples, epoch 5)"
set xlabel "digit"
set ylabel "share of the samples"
set grid
set key top right
unset logscale y
set yrange [0:*]
set xrange [-0.7:9.7]
set xtics 1
set boxwidth 0.8
plot 'digits.dat' index 0 using 1:2 with boxes fill solid 0.5 lw 2 title "samples", \
     'digits.dat' index 1 using 1:2 with lines lw 2 title "perfect coverage"
