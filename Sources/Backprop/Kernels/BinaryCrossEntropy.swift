import Foundation

// The binary cross-entropy on logits, for large batches of outputs (a VAE's 128 x 784 pixels).
// The naive loop below is the definition (`BCEWithLogitsLoss` in Learning/Losses.swift runs it on
// small batches): per value, a Double exp and log1p from the C library and a Float sigmoid, about
// 20 ns; on 100,352 values that was a third of chapter 5's step. The fast kernel has both cores
// work at once, eight values at a time, with e^x and log(1 + x) written as polynomials in SIMD
// registers (about 1 ns a value). The results agree with the naive loop to about 1e-6 relative
// (a test checks it), not bit for bit: the C library's exp is another approximation. The GANs'
// losses (one logit per image) stay on the naive loop, so their runs are unchanged.

// MARK: - The definition

/// The definition, value by value: the terms max(z, 0) − z t + log(1 + e^−|z|) summed (in
/// Double), and the gradients scale · (sigmoid(z) − t).
public func binaryCrossEntropyNaive(
    logits z: UnsafePointer<Float>, targets t: UnsafePointer<Float>, gradient g: UnsafeMutablePointer<Float>,
    count n: Int, scale: Float
) -> Double {
    var sum = 0.0
    for i in 0..<n {
        let zi = Double(z[i])
        sum += max(zi, 0) - zi * Double(t[i]) + log1p(exp(-abs(zi)))
        g[i] = scale * (sigmoid(z[i]) - t[i])
    }
    return sum
}

// MARK: - The fast kernel

/// e^x for x ≤ 0, eight at a time. Write x = n ln 2 + r with n an integer and |r| ≤ ln 2 / 2;
/// then e^x = 2^n · e^r: 2^n is put straight into a float's exponent bits, and e^r is its Taylor
/// series to r^7 (the next term is below 3e-9 of the result). Below -87, e^x underflows a Float's
/// normal range; it is taken as e^-87 ≈ 1.6e-38, which changes nothing that is added to 1.
@inline(__always) func expOfNonPositive(_ x: Vector8) -> Vector8 {
    let x = x.replacing(with: -87, where: x .< -87)
    let n = (x * 1.442_695_04).rounded(.toNearestOrEven)                 // x / ln 2, to the nearest integer
    let r = x - n * 0.693_145_751_953_125 - n * 1.428_606_765_330_187e-6  // ln 2 in two parts: r is exact
    var p = Vector8(repeating: 1 / 5040)
    p = p * r + 1 / 720; p = p * r + 1 / 120; p = p * r + 1 / 24
    p = p * r + 1 / 6; p = p * r + 0.5; p = p * r + 1; p = p * r + 1         // e^r = 1 + r + r²/2 + ... + r^7/5040
    // n as an integer without a slow conversion: adding 1.5 · 2^23 puts it in the low bits of the
    // sum's mantissa. Then 2^n is the float whose exponent field holds n + 127.
    let magic = Vector8(repeating: 12_582_912)
    let integer = unsafeBitCast(n + magic, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    let exponent = (integer &+ 127) &<< 23
    return p * unsafeBitCast(exponent, to: Vector8.self)
}

/// log(1 + e) for 0 ≤ e ≤ 1, eight at a time, through log(1 + e) = 2 atanh(s) with s = e / (2 + e)
/// ≤ 1/3: 2 (s + s³/3 + s⁵/5 + ... + s¹³/13), the next term below 2e-9 of the result. For small e it
/// keeps full relative accuracy (log(1 + e) ≈ e), which computing log of 1 + e would lose.
@inline(__always) func log1pOfUnitInterval(_ e: Vector8) -> Vector8 {
    let s = e / (2 + e), q = s * s
    var p = Vector8(repeating: 1 / 13)
    p = p * q + 1 / 11; p = p * q + 1 / 9; p = p * q + 1 / 7; p = p * q + 1 / 5; p = p * q + 1 / 3; p = p * q + 1
    return 2 * s * p
}

/// The loss terms max(z, 0) − z t + log(1 + e^−|z|) and gradients scale · (sigmoid(z) − t) of
/// eight logits; returns the terms (the gradients go to `g`).
@inline(__always) func binaryCrossEntropy8(
    _ z: Vector8, _ t: Vector8, scale: Float, gradient g: inout Vector8
) -> Vector8 {
    let positive = z .>= 0
    let minusAbs: Vector8 = (-z).replacing(with: z, where: .!positive)        // −|z|
    let e = expOfNonPositive(minusAbs)                                        // e^−|z| ∈ (0, 1]: never overflows
    let onePlusE: Vector8 = 1 + e
    let s: Vector8 = (1 / onePlusE).replacing(with: e / onePlusE, where: .!positive)   // sigmoid(z) from the same e
    g = scale * (s - t)
    let relu: Vector8 = z.replacing(with: 0, where: .!positive)               // max(z, 0)
    return relu - z * t + log1pOfUnitInterval(e)
}

/// How many values a chunk holds. The chunks are the same whatever the thread count, and their
/// sums are added in order, so the result does not depend on the threads.
let crossEntropyChunk = 4096

/// The fast binary cross-entropy: writes the gradients, returns the sum of the loss terms.
/// `partials` holds one Double per chunk (kept by the caller, so nothing is allocated per step).
func binaryCrossEntropyFast(
    logits z: UnsafePointer<Float>, targets t: UnsafePointer<Float>, gradient g: UnsafeMutablePointer<Float>,
    count n: Int, scale: Float, partials: UnsafeMutablePointer<Double>
) -> Double {
    let chunks = (n + crossEntropyChunk - 1) / crossEntropyChunk
    let body: (Int) -> Void = { chunk in
        let start = chunk * crossEntropyChunk, end = min(start + crossEntropyChunk, n)
        var sums = SIMD8<Double>(repeating: 0)
        var i = start
        var gradient = Vector8()
        while i + 8 <= end {
            let terms = binaryCrossEntropy8(Vector8(z + i), Vector8(t + i), scale: scale, gradient: &gradient)
            gradient.store(to: g + i)
            sums += SIMD8<Double>(terms)
            i += 8
        }
        if i < end {                                          // the last few: padded into one more vector
            var zs = Vector8(), ts = Vector8()
            for k in 0..<(end - i) { zs[k] = z[i + k]; ts[k] = t[i + k] }
            let terms = binaryCrossEntropy8(zs, ts, scale: scale, gradient: &gradient)
            for k in 0..<(end - i) { g[i + k] = gradient[k]; sums[k] += Double(terms[k]) }
        }
        partials[chunk] = sums.sum()
    }
    if n >= 4 * crossEntropyChunk {
        Parallel.forEach(pieces: chunks, body)
    } else {
        for chunk in 0..<chunks { body(chunk) }
    }
    var total = 0.0
    for chunk in 0..<chunks { total += partials[chunk] }
    return total
}
