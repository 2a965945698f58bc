import Foundation

// Convolutions as matrix multiplications.
//
// A 2-D convolution slides a small window (C channels x k x k pixels) over the image and, at each
// position, takes a weighted sum of what it sees: a Linear layer applied to every patch, with the
// same weights everywhere. So the fast way is to copy every patch into a row of a matrix, the
// *patch matrix* R ("im2row"), and multiply once:
//
//     x: [B, C, H, W]  ->  R: [B·Ho·Wo, C·k·k]      one row per output position, one column per (c, p, q)
//     W: [C·k·k, O]                                 the weights, patch-major: a Linear layer's [In, Out]
//     R · W + bias: [B·Ho·Wo, O]  ->  y: [B, O, Ho, Wo]
//
// and backward is a Linear layer's backward: dW += Rᵀ·dY, dR = dY·Wᵀ, after which every value of
// dR is added back to the pixel it was copied from ("row2im"). The three products are the same
// matmul kernels as the perceptrons'. The naive loops below are the definitions, written so that
// each sum runs in the same order as the fast path's: fast equals naive bit for bit.

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

/// y[b, o, i, j] = Σ_{c, p, q} x[b, c, i·s + p − pad, j·s + q − pad] · W[(c, p, q), o] + bias[o],
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
                                sum = sum.addingProduct(value, weight[((c * k + p) * k + q) * o + out])
                            }
                        }
                    }
                    y[((b * o + out) * ho + i) * wo + j] = bias.map { sum + $0[out] } ?? sum
                }
            }
        }
    }
}

/// dW[(c, p, q), o] += Σ_{b, i, j} x[b, c, i·s + p − pad, j·s + q − pad] · dy[b, o, i, j], the sum
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
                    dw[((c * k + p) * k + q) * o + out] += sum
                }
            }
        }
    }
}

/// dx[b, c, h, w] = the sum, over every window position (i, j) and offset (p, q) that saw pixel
/// (h, w), of Σ_o dy[b, o, i, j] · W[(c, p, q), o]; each inner sum over o from 0, and the
/// contributions to a pixel added in the order of (i, j), then (p, q). (Contributions that fall
/// into the padding are dropped: those "pixels" are constants.)
public func convolutionInputGradientNaive(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                          _ g: ConvolutionGeometry, outChannels o: Int) {
    let (ho, wo, k) = (g.outHeight, g.outWidth, g.kernel)
    dx.update(repeating: 0, count: g.batch * g.channels * g.height * g.width)
    for b in 0..<g.batch {
        for i in 0..<ho {
            for j in 0..<wo {
                for c in 0..<g.channels {
                    for p in 0..<k {
                        for q in 0..<k {
                            var sum: Float = 0
                            for out in 0..<o { sum = sum.addingProduct(dy[((b * o + out) * ho + i) * wo + j], weight[((c * k + p) * k + q) * o + out]) }
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

/// Copies every patch of `x` into a row of `r`: r[(b, i, j), (c, p, q)] = x[b, c, i·s + p − pad, j·s + q − pad]
/// (0 in the padding). Both cores, each a range of rows.
public func im2row(_ r: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ g: ConvolutionGeometry) {
    let (ho, wo, k, patch) = (g.outHeight, g.outWidth, g.kernel, g.patch)
    Parallel.forEachRange(g.rows, unit: 16, work: g.rows * patch) { rows in
        for row in rows {
            let b = row / (ho * wo), i = row / wo % ho, j = row % wo
            let target = r + row * patch
            for c in 0..<g.channels {
                let plane = x + (b * g.channels + c) * g.height * g.width
                for p in 0..<k {
                    let h = i * g.stride + p - g.padding
                    let line = target + (c * k + p) * k
                    if h < 0 || h >= g.height { line.update(repeating: 0, count: k); continue }
                    for q in 0..<k {
                        let w = j * g.stride + q - g.padding
                        line[q] = w < 0 || w >= g.width ? 0 : plane[h * g.width + w]
                    }
                }
            }
        }
    }
}

/// The reverse of `im2row`: adds every value of `dr` to the pixel its patch copied it from
/// (those from the padding are dropped). dx is overwritten. Both cores, each a range of the
/// (b, c) planes; within a plane the rows are added in order, so each pixel's sum runs in the
/// naive loop's order.
public func row2im(_ dx: UnsafeMutablePointer<Float>, _ dr: UnsafePointer<Float>, _ g: ConvolutionGeometry) {
    let (ho, wo, k, patch) = (g.outHeight, g.outWidth, g.kernel, g.patch)
    let planeSize = g.height * g.width
    Parallel.forEachRange(g.batch * g.channels, unit: 1, work: g.rows * patch) { planes in
        for planeIndex in planes {
            let b = planeIndex / g.channels, c = planeIndex % g.channels
            let plane = dx + planeIndex * planeSize
            plane.update(repeating: 0, count: planeSize)
            for i in 0..<ho {
                for j in 0..<wo {
                    let source = dr + ((b * ho + i) * wo + j) * patch + c * k * k
                    for p in 0..<k {
                        let h = i * g.stride + p - g.padding
                        if h < 0 || h >= g.height { continue }
                        for q in 0..<k {
                            let w = j * g.stride + q - g.padding
                            if w >= 0 && w < g.width { plane[h * g.width + w] += source[p * k + q] }
                        }
                    }
                }
            }
        }
    }
}

/// [B, N, M] -> [B, M, N]: each of `batch` matrices of `rows` x `columns` transposed (positions by
/// channels into channels by positions, and back).
public func transposeEach(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, batch: Int, rows: Int, columns: Int) {
    Parallel.forEachRange(batch * columns, unit: 8, work: batch * rows * columns) { range in
        for index in range {
            let b = index / columns, column = index % columns
            let from = source + b * rows * columns + column, to = destination + b * rows * columns + column * rows
            for row in 0..<rows { to[row] = from[row * columns] }
        }
    }
}
