# Draws schedule.png from schedule.dat. Re-draw after editing: gnuplot schedule.gp (in this folder)
set terminal pngcairo size 900,520 enhanced font 'sans,11'
set output 'schedule.png'
set title "x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε: the digit's share and the noise's"
set xlabel "step t"
set ylabel "weight"
set grid
set key center right
unset logscale y
plot 'schedule.dat' index 0 using 1:2 with lines lw 2 title "√ᾱ_t, the digit: linear (this run)", \
     'schedule.dat' index 1 using 1:2 with lines lw 2 title "√(1 − ᾱ_t), the noise: linear (this run)", \
     'schedule.dat' index 2 using 1:2 with lines lw 2 title "√ᾱ_t, the digit: cosine", \
     'schedule.dat' index 3 using 1:2 with lines lw 2 title "√(1 − ᾱ_t), the noise: cosine"
