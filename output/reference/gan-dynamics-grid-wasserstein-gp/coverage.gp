# Draws coverage.png from coverage.dat. Re-draw after editing: gnuplot coverage.gp (in this folder)
set terminal pngcairo size 900,520 enhanced font 'sans,11'
set output 'coverage.png'
set title "What G's points cover"
set xlabel "step"
set ylabel "share"
set grid
set key bottom right
unset logscale y
set yrange [0:1.05]
plot 'coverage.dat' index 0 using 1:2 with linespoints lw 2 title "modes covered (share of 25)", \
     'coverage.dat' index 1 using 1:2 with linespoints lw 2 title "good points"
