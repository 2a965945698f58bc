import Foundation
import Backprop

/// Peak signal-to-noise ratio, in decibels: 10 log10(peak² / MSE). Each halving of the error adds
/// 3 dB; an error below 1e-10 of the peak² counts as 100 dB (identical, for any practical purpose).
public func psnr(meanSquaredError mse: Double, peak: Double) -> Double {
    10 * log10(peak * peak / max(mse, 1e-10 * peak * peak))
}

/// The PSNR of `count` values at `a` against those at `b`, for values in [0, 1].
public func psnr(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
    var sum = 0.0
    for i in 0..<count { let d = Double(a[i] - b[i]); sum += d * d }
    return psnr(meanSquaredError: sum / Double(count), peak: 1)
}

/// The PSNR of two 8-bit pictures' pixels.
public func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
    let mse = zip(a, b).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) } / Double(max(a.count, 1))
    return psnr(meanSquaredError: mse, peak: 255)
}

/// The mean PSNR over the rows of two [N, D] tensors of values in [0, 1]: image by image, then averaged.
public func meanPSNR(_ images: Tensor, against clean: Tensor) -> Double {
    let d = images.columns
    return (0..<images.rows).reduce(0.0) { $0 + psnr(images.data + $1 * d, clean.data + $1 * d, count: d) }
        / Double(images.rows)
}
