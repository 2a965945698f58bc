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

/// The geometry of a convolution over a batch: NCHW images, a square k x k window moved by
/// `stride` pixels, `padding` pixels of zeros around each image.
public struct ConvolutionGeometry: Equatable, Sendable, CustomStringConvertible {
    public var batch: Int, channels: Int, height: Int, width: Int
    public var kernel: Int, stride: Int, padding: Int

    public init(batch: Int, channels: Int, height: Int, width: Int, kernel: Int, stride: Int, padding: Int) {
        (self.batch, self.channels, self.height, self.width) = (batch, channels, height, width)
        (self.kernel, self.stride, self.padding) = (kernel, stride, padding)
    }

    /// Output positions down and across: (H + 2·pad − k) / stride + 1.
    public var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    public var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    /// The values of one patch (a row of R): C·k·k.
    public var patch: Int { channels * kernel * kernel }
    /// The rows of R: B·Ho·Wo.
    public var rows: Int { batch * outHeight * outWidth }
    /// A window exactly as large as the image, without padding: one position per image, whose
    /// window is the whole image. DCGAN's first and last layers (z to 4 x 4, 4 x 4 to one logit).
    public var windowIsWholeImage: Bool { padding == 0 && kernel == height && kernel == width }
    public var isValid: Bool {
        batch > 0 && channels > 0 && kernel > 0 && stride > 0 && padding >= 0 && height + 2 * padding >= kernel && width + 2 * padding >= kernel
    }
    public var description: String { "[\(batch), \(channels), \(height), \(width)] k\(kernel) s\(stride) p\(padding)" }
}

// MARK: - The naive loops: the definitions

/// The pixel a window position sees, or 0 in the padding.
@inline(__always) private func pixel(_ x: UnsafePointer<Float>, _ g: ConvolutionGeometry, _ b: Int, _ c: Int, _ h: Int, _ w: Int) -> Float {
    h < 0 || h >= g.height || w < 0 || w >= g.width ? 0 : x[((b * g.channels + c) * g.height + h) * g.width + w]
}

/// y[b, o, i, j] = Σ_{c, p, q} x[b, c, i·s + p − pad, j·s + q − pad] · W[o, (c, p, q)] + bias[o],
/// the sum over (c, p, q) in that order, from 0 (pixels in the padding are 0).
public func convolutionForwardNaive(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                    _ bias: UnsafePointer<Float>?, _ g: ConvolutionGeometry, outChannels o: Int) {
    let (ho, wo, k) = (g.outHeight, g.outWidth, g.kernel)
    for b in 0..<g.batch {
        for out in 0..<o {
            for i in 0..<ho {
                for j in 0..<wo {
                    var sum: Float = 0
                    for c in 0..<g.channels {
                        for p in 0..<k {
                            for q in 0..<k {
                                let value = pixel(x, g, b, c, i * g.stride + p - g.padding, j * g.stride + q - g.padding)
                                sum = sum.addingProduct(value, weight[out * g.patch + (c * k + p) * k + q])
                            }
                        }
                    }
                    y[((b * o + out) * ho + i) * wo + j] = bias.map { sum + $0[out] } ?? sum
                }
            }
        }
    }
}

/// dW[o, (c, p, q)] += Σ_{b, i, j} x[b, c, i·s + p − pad, j·s + q − pad] · dy[b, o, i, j], the sum
/// over (b, i, j) in that order, from 0, then added to dW.
public func convolutionWeightGradientNaive(_ dw: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                           _ g: ConvolutionGeometry, outChannels o: Int) {
    let (ho, wo, k) = (g.outHeight, g.outWidth, g.kernel)
    for c in 0..<g.channels {
        for p in 0..<k {
            for q in 0..<k {
                for out in 0..<o {
                    var sum: Float = 0
                    for b in 0..<g.batch {
                        for i in 0..<ho {
                            for j in 0..<wo {
                                let value = pixel(x, g, b, c, i * g.stride + p - g.padding, j * g.stride + q - g.padding)
                                sum = sum.addingProduct(value, dy[((b * o + out) * ho + i) * wo + j])
                            }
                        }
                    }
                    dw[out * g.patch + (c * k + p) * k + q] += sum
                }
            }
        }
    }
}

/// dx[b, c, h, w] = the sum, over every window offset (p, q) and position (i, j) that saw pixel
/// (h, w), of Σ_o W[o, (c, p, q)] · dy[b, o, i, j]; each inner sum over o from 0, and the
/// contributions to a pixel added in the order of (p, q). (Contributions that fall into the
/// padding are dropped: those "pixels" are constants.)
public func convolutionInputGradientNaive(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                          _ g: ConvolutionGeometry, outChannels o: Int) {
    let (ho, wo, k) = (g.outHeight, g.outWidth, g.kernel)
    dx.update(repeating: 0, count: g.batch * g.channels * g.height * g.width)
    for c in 0..<g.channels {
        for p in 0..<k {
            for q in 0..<k {
                for b in 0..<g.batch {
                    for i in 0..<ho {
                        for j in 0..<wo {
                            var sum: Float = 0
                            for out in 0..<o { sum = sum.addingProduct(weight[out * g.patch + (c * k + p) * k + q], dy[((b * o + out) * ho + i) * wo + j]) }
                            let h = i * g.stride + p - g.padding, w = j * g.stride + q - g.padding
                            if h >= 0 && h < g.height && w >= 0 && w < g.width { dx[((b * g.channels + c) * g.height + h) * g.width + w] += sum }
                        }
                    }
                }
            }
        }
    }
}

// MARK: - The fast path: patches, then the matmul kernels

/// The positions j whose pixel column j·s + q − pad lies inside the image, for offset q: [low, high).
@inline(__always) private func insideColumns(_ g: ConvolutionGeometry, _ q: Int) -> (low: Int, high: Int) {
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
func col2im(plane planeIndex: Int, _ dx: UnsafeMutablePointer<Float>, _ dPatches: UnsafePointer<Float>, _ g: ConvolutionGeometry) {
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
public func swapOuterAxes(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, outer a: Int, inner b: Int, block n: Int) {
    Parallel.forEachRange(a * b, unit: 1, work: a * b * n) { range in
        for index in range {
            let i = index / b, j = index % b
            (destination + (j * a + i) * n).update(from: source + (i * b + j) * n, count: n)
        }
    }
}
