import Foundation

// Convolutions as matrix multiplications.
//
// A 2-D convolution slides a small window (C channels x k x k pixels) over the image and, at each
// position, takes a weighted sum of what it sees: the same small Linear layer applied to every
// patch. So the fast way is to copy every patch into a column of a matrix, the *patch matrix* P
// ("im2col"), and multiply once:
//
//     x: [B, C, H, W]  ->  P: [C·k·k, B·Ho·Wo]      one row per (c, p, q), one column per output position
//     W: [O, C·k·k]                                 the weights, PyTorch's [O, C, k, k]
//     W · P: [O, B·Ho·Wo]  ->  y: [B, O, Ho, Wo]    (+ bias)
//
// and backward: dW += dY·Pᵀ, dP = Wᵀ·dY, after which every value of dP is added back to the pixel
// it was copied from ("col2im"). The three products are the matmul kernels of the perceptrons.
// The naive loops below are the definitions, written so that each sum runs in the same order as
// the fast path's: fast equals naive bit for bit.
//
// The direct kernels (ConvolutionForward.swift and its two gradients) read the windows in place
// instead and are faster; im2col and col2im remain for the input gradient onto an image's few
// colours, and as the plainest statement of what a convolution is.

/// The positions j whose pixel column j·s + q − pad lies inside the image, for offset q: [low, high).
@inline(__always) func insideColumns(_ g: ConvolutionGeometry, _ q: Int) -> (low: Int, high: Int) {
    func floorDivision(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
    let low = min(g.outWidth, max(0, -floorDivision(q - g.padding, g.stride)))            // ⌈(pad − q) / s⌉
    let high = max(low, min(g.outWidth, floorDivision(g.width - 1 + g.padding - q, g.stride) + 1))
    return (low, high)
}

/// Copies every patch of `x` into a column of `patches`: P[(c, p, q), (b, i, j)] =
/// x[b, c, i·s + p − pad, j·s + q − pad] (0 in the padding). Each row of P is one offset (p, q) of
/// one channel, seen from every position: it is written from start to end. Both cores, each a
/// range of rows.
public func im2col(_ patches: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ g: ConvolutionGeometry) {
    let (ho, wo, k) = (g.outHeight, g.outWidth, g.kernel)
    let columns = g.rows, plane = g.height * g.width
    Parallel.forEachRange(g.patch, unit: 1, work: g.patch * columns) { rows in
        for row in rows {
            let c = row / (k * k), p = row / k % k, q = row % k
            var target = patches + row * columns
            let (jLow, jHigh) = insideColumns(g, q)
            for b in 0..<g.batch {
                let image = x + (b * g.channels + c) * plane
                for i in 0..<ho {
                    let h = i * g.stride + p - g.padding
                    if h < 0 || h >= g.height { target.update(repeating: 0, count: wo); target += wo; continue }
                    let line = image + h * g.width + q - g.padding
                    for j in 0..<jLow { target[j] = 0 }
                    if g.stride == 1 {
                        (target + jLow).update(from: line + jLow, count: jHigh - jLow)
                    } else {
                        for j in jLow..<jHigh { target[j] = line[j * g.stride] }
                    }
                    for j in jHigh..<wo { target[j] = 0 }
                    target += wo
                }
            }
        }
    }
}

/// The reverse of `im2col`: adds every value of `dPatches` to the pixel its patch copied it from
/// (those from the padding are dropped). dx is overwritten. Both cores, each a range of the
/// (b, c) planes; within a plane the offsets (p, q) are added in order, so each pixel's sum runs
/// in the naive loop's order.
public func col2im(_ dx: UnsafeMutablePointer<Float>, _ dPatches: UnsafePointer<Float>, _ g: ConvolutionGeometry) {
    Parallel.forEachRange(g.batch * g.channels, unit: 1, work: g.patch * g.rows) { planes in
        for plane in planes { col2im(plane: plane, dx, dPatches, g) }
    }
}

/// col2im of one plane (b, c) of dx, on the calling thread.
func col2im(
    plane planeIndex: Int, _ dx: UnsafeMutablePointer<Float>, _ dPatches: UnsafePointer<Float>, _ g: ConvolutionGeometry
) {
    let (ho, wo, k) = (g.outHeight, g.outWidth, g.kernel)
    let columns = g.rows, plane = g.height * g.width
    let b = planeIndex / g.channels, c = planeIndex % g.channels
    let image = dx + planeIndex * plane
    image.update(repeating: 0, count: plane)
    for p in 0..<k {
        for q in 0..<k {
            let source = dPatches + ((c * k + p) * k + q) * columns + b * ho * wo
            let (jLow, jHigh) = insideColumns(g, q)
            for i in 0..<ho {
                let h = i * g.stride + p - g.padding
                if h < 0 || h >= g.height { continue }
                let line = image + h * g.width + q - g.padding, values = source + i * wo
                for j in jLow..<jHigh { line[j * g.stride] += values[j] }
            }
        }
    }
}

/// [A, B, N] -> [B, A, N]: swaps the two outer axes of blocks of N values ([O, B, Ho·Wo] to
/// [B, O, Ho·Wo] and back). Whole blocks are copied, on both cores.
public func swapOuterAxes(
    _ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, outer a: Int, inner b: Int,
    block n: Int
) {
    Parallel.forEachRange(a * b, unit: 1, work: a * b * n) { range in
        for index in range {
            let i = index / b, j = index % b
            (destination + (j * a + i) * n).update(from: source + (i * b + j) * n, count: n)
        }
    }
}
