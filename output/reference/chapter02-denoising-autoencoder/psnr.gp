# Draws psnr.png from psnr.dat. Re-draw after editing: gnuplot psnr.gp (in this folder)
set terminal pngcairo size 900,520 enhanced font 'sans,11'
set output 'psnr.png'
set title "Denoising: PSNR of the test images (higher is better)"
set xlabel "epoch"
set ylabel "PSNR (dB)"
set grid
set key center right
unset logscale y
plot 'psnr.dat' index 0 using 1:2 with linespoints lw 2 title "denoised", \
     'psnr.dat' index 1 using 1:2 with lines lw 2 title "noisy input (baseline)"
