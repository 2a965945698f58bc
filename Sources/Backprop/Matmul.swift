/// Matrix multiplication in the three forms that backpropagation through a Linear layer needs.
///
/// A Linear layer computes `Y = X · W + b` for a batch:
///
///     forward          Y[B, Out] = X[B, In] · W[In, Out] + b[Out]     matmulForward
///     input gradient  dX[B, In]  = dY[B, Out] · W[In, Out]^T           matmulBackwardInput
///     weight gradient dW[In, Out] += X[B, In]^T · dY[B, Out]           matmulBackwardWeights
///
/// Each form has a naive version first: three nested loops, obviously right, the documentation
/// and the test oracle. The fast version below it computes exactly the same sums, in the same
/// order for every output value, using SIMD registers and both cores.

// MARK: - Naive kernels: the definition

/// `Y[M, N] = X[M, K] · W[K, N] (+ bias[N])`.
public func matmulForwardNaive(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                               _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                               m: Int, k: Int, n: Int) {
    for i in 0..<m {
        for j in 0..<n {
            var sum: Float = 0
            for p in 0..<k { sum = sum.addingProduct(x[i * k + p], w[p * n + j]) }
            y[i * n + j] = bias.map { sum + $0[j] } ?? sum
        }
    }
}

/// `dX[M, K] = dY[M, N] · W[K, N]^T`: each input gradient is a dot product of a row of dY with a
/// row of W.
public func matmulBackwardInputNaive(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>,
                                     _ w: UnsafePointer<Float>, m: Int, k: Int, n: Int) {
    for i in 0..<m {
        for p in 0..<k {
            var sum: Float = 0
            for j in 0..<n { sum = sum.addingProduct(dy[i * n + j], w[p * n + j]) }
            dx[i * k + p] = sum
        }
    }
}

/// `dW[K, N] += X[M, K]^T · dY[M, N]`: a weight's gradient sums, over the batch, its input times
/// its output's gradient. It accumulates, as gradients do.
public func matmulBackwardWeightsNaive(_ dw: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                       _ dy: UnsafePointer<Float>, m: Int, k: Int, n: Int) {
    for p in 0..<k {
        for j in 0..<n {
            var sum: Float = 0
            for i in 0..<m { sum = sum.addingProduct(x[i * k + p], dy[i * n + j]) }
            dw[p * n + j] += sum
        }
    }
}

// MARK: - Fast kernels
//
// How they get fast:
// 1. SIMD: a SIMD8<Float> holds 8 floats, one 256-bit AVX register; `addingProduct` is one fused
//    multiply-add (FMA) instruction doing 8 multiply-adds at once.
// 2. Register blocking: the forward kernel keeps a 4 x 16 tile of Y in 8 registers while it walks
//    along K. Each step loads 2 vectors of W and 4 values of X and does 8 FMAs: the arithmetic,
//    not the memory, sets the pace. Eight independent accumulators also hide the FMA latency.
// 3. Packing: the 16 columns of W a tile needs are copied side by side into a small panel that
//    stays in the L1 cache (see `gemm`).
// 4. Both cores: the output is split into column (or row) ranges, one per thread.
// In the forward and weight-gradient kernels every output value is still the FMA chain
// `0 + x0*w0 + x1*w1 + ...` in the order of the naive kernel, so fast and naive agree to the bit.
// The input-gradient kernel keeps 8 partial sums per dot product (one per lane) and adds them at
// the end: a different order, so it agrees with the naive kernel up to rounding. Every kernel
// computes each value in one fixed order whatever the tile or thread, so runs are reproducible.

public typealias Vector8 = SIMD8<Float>

public extension SIMD8 where Scalar == Float {
    /// Eight floats loaded from `pointer` (no alignment needed).
    @inline(__always) init(_ pointer: UnsafePointer<Float>) { self = UnsafeRawPointer(pointer).loadUnaligned(as: Self.self) }
    @inline(__always) init(_ pointer: UnsafeMutablePointer<Float>) { self.init(UnsafePointer(pointer)) }
    /// Stores the eight floats at `pointer` (no alignment needed).
    @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }
}

@inline(__always) private func load8(_ p: UnsafePointer<Float>) -> Vector8 {
    UnsafeRawPointer(p).loadUnaligned(as: Vector8.self)
}

@inline(__always) private func store8(_ v: Vector8, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector8.self)
}

/// How a kernel writes its sums into C: replace, add to what is there (gradients), or add a bias.
private enum Epilogue { case store, accumulate, bias(UnsafePointer<Float>) }

@inline(__always) private func finish8(_ sum: Vector8, _ c: UnsafeMutablePointer<Float>, _ column: Int,
                                       _ epilogue: Epilogue) {
    switch epilogue {
    case .store: store8(sum, c)
    case .accumulate: store8(load8(c) + sum, c)
    case .bias(let b): store8(sum + load8(b + column), c)
    }
}

@inline(__always) private func finish1(_ sum: Float, _ c: UnsafeMutablePointer<Float>, _ column: Int,
                                       _ epilogue: Epilogue) {
    switch epilogue {
    case .store: c.pointee = sum
    case .accumulate: c.pointee += sum
    case .bias(let b): c.pointee = sum + b[column]
    }
}

/// How deep a block of K the forward kernel takes at a time: a 256 x 16 panel of W is 16 KB and
/// stays in the L1 cache while every row of X passes by.
private let depthBlock = 256

/// The general product `C[M, N] (=, +=) A[M, K] · B[K, N]`, all row-major.
///
/// B is first *packed*: 16 of its columns, one block of K rows, are copied into a small contiguous
/// panel. Read straight from B, those 16 columns lie one row of B apart; when a row is 4 KB (1024
/// floats) every one of them falls into the same L1 cache set and they evict each other. In the
/// panel they are neighbours, and the panel is reused by every row of A.
///
/// When the sum over K is split into blocks, the tile stores its partial sums in C and the next
/// block picks them up: still one FMA chain per value, in order. (Gradient accumulation, which
/// adds to what C already holds, always takes all of K at once.)
private func gemm(m: Int, n: Int, depth: Int, _ a: UnsafePointer<Float>, lda: Int,
                  _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, _ epilogue: Epilogue) {
    let block: Int
    if case .accumulate = epilogue { block = max(depth, 1) } else { block = depthBlock }
    Parallel.forEachRange(n, unit: 16, work: m * n * depth) { columns in
        let panel = Scratch.forCurrentThread.buffer(0, count: min(block, depth) * 16)
        var j = columns.lowerBound
        while j + 16 <= columns.upperBound {
            var p0 = 0
            repeat {
                let kc = min(block, depth - p0)
                for p in 0..<kc { panel.advanced(by: p * 16).update(from: b + (p0 + p) * n + j, count: 16) }
                let continuing = p0 > 0, last = p0 + kc >= depth
                let finish: Epilogue = last ? epilogue : .store
                var i = 0
                while i + 4 <= m {   // four rows at a time
                    tile4x16(a + i * lda + p0, lda: lda, panel, depth: kc, c + i * n + j, ldc: n, column: j,
                             continuing: continuing, finish)
                    i += 4
                }
                for row in i..<m {   // the last rows, one at a time
                    row1(a + row * lda + p0, panel, ldb: 16, depth: kc, c + row * n + j, width: 16, column: j,
                         continuing: continuing, finish)
                }
                p0 += kc
            } while p0 < depth
            j += 16
        }
        if j < columns.upperBound {   // fewer than 16 columns left: read them from B directly
            for row in 0..<m {
                row1(a + row * lda, b + j, ldb: n, depth: depth, c + row * n + j, width: columns.upperBound - j,
                     column: j, continuing: false, epilogue)
            }
        }
    }
}

/// The register-blocked micro-kernel: a 4 x 16 tile of C in eight SIMD8 accumulators, which start
/// at zero or, when `continuing`, at the partial sums a previous block of K left in C.
@inline(__always)
private func tile4x16(_ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, depth: Int,
                      _ c: UnsafeMutablePointer<Float>, ldc: Int, column: Int, continuing: Bool, _ epilogue: Epilogue) {
    var c00 = Vector8(), c01 = Vector8(), c10 = Vector8(), c11 = Vector8()
    var c20 = Vector8(), c21 = Vector8(), c30 = Vector8(), c31 = Vector8()
    if continuing {
        c00 = load8(c); c01 = load8(c + 8); c10 = load8(c + ldc); c11 = load8(c + ldc + 8)
        c20 = load8(c + 2 * ldc); c21 = load8(c + 2 * ldc + 8); c30 = load8(c + 3 * ldc); c31 = load8(c + 3 * ldc + 8)
    }
    var ap = a, bp = b
    for _ in 0..<depth {
        let b0 = load8(bp), b1 = load8(bp + 8)
        let a0 = Vector8(repeating: ap[0]), a1 = Vector8(repeating: ap[lda])
        let a2 = Vector8(repeating: ap[2 * lda]), a3 = Vector8(repeating: ap[3 * lda])
        c00 = c00.addingProduct(a0, b0); c01 = c01.addingProduct(a0, b1)
        c10 = c10.addingProduct(a1, b0); c11 = c11.addingProduct(a1, b1)
        c20 = c20.addingProduct(a2, b0); c21 = c21.addingProduct(a2, b1)
        c30 = c30.addingProduct(a3, b0); c31 = c31.addingProduct(a3, b1)
        ap += 1
        bp += 16
    }
    finish8(c00, c, column, epilogue); finish8(c01, c + 8, column + 8, epilogue)
    finish8(c10, c + ldc, column, epilogue); finish8(c11, c + ldc + 8, column + 8, epilogue)
    finish8(c20, c + 2 * ldc, column, epilogue); finish8(c21, c + 2 * ldc + 8, column + 8, epilogue)
    finish8(c30, c + 3 * ldc, column, epilogue); finish8(c31, c + 3 * ldc + 8, column + 8, epilogue)
}

/// One row of C, `width` columns: 8 columns per register, then single columns.
@inline(__always)
private func row1(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, ldb: Int, depth: Int,
                  _ c: UnsafeMutablePointer<Float>, width: Int, column: Int, continuing: Bool, _ epilogue: Epilogue) {
    var j = 0
    while j + 8 <= width {
        var sum = continuing ? load8(c + j) : Vector8()
        var bp = b + j
        for p in 0..<depth {
            sum = sum.addingProduct(Vector8(repeating: a[p]), load8(bp))
            bp += ldb
        }
        finish8(sum, c + j, column + j, epilogue)
        j += 8
    }
    while j < width {
        var sum: Float = continuing ? c[j] : 0
        var bp = b + j
        for p in 0..<depth {
            sum = sum.addingProduct(a[p], bp.pointee)
            bp += ldb
        }
        finish1(sum, c + j, column + j, epilogue)
        j += 1
    }
}

/// Fast `Y[M, N] = X[M, K] · W[K, N] (+ bias[N])`; the same values as `matmulForwardNaive`.
public func matmulForward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                          _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, m: Int, k: Int, n: Int) {
    gemm(m: m, n: n, depth: k, x, lda: k, w, y, bias.map { .bias($0) } ?? .store)
}

/// Fast `dW[K, N] += X[M, K]^T · dY[M, N]`: X is transposed into scratch memory first (a small
/// copy, the size of one batch), then it is the same kernel with the batch as the depth.
public func matmulBackwardWeights(_ dw: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                  _ dy: UnsafePointer<Float>, m: Int, k: Int, n: Int) {
    let xT = Scratch.forCurrentThread.buffer(1, count: k * m)   // X^T: [K, M]
    for i in 0..<m { for p in 0..<k { xT[p * m + i] = x[i * k + p] } }
    gemm(m: k, n: n, depth: m, xT, lda: m, dy, dw, .accumulate)
}

/// Fast `dX[M, K] = dY[M, N] · W[K, N]^T`. Every value is a dot product of two contiguous rows,
/// so this kernel multiplies 8 neighbours at once and keeps 2 x 4 dot products in registers
/// (2 rows of dY against 4 rows of W), adding the 8 lanes together at the end.
public func matmulBackwardInput(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>,
                                _ w: UnsafePointer<Float>, m: Int, k: Int, n: Int) {
    Parallel.forEachRange(k, unit: 4, work: m * n * k) { wRows in
        var p = wRows.lowerBound
        while p + 4 <= wRows.upperBound {   // four rows of W stay in L1 while all of dY passes by
            var i = 0
            while i + 2 <= m {
                dot2x4(dy + i * n, w + p * n, n: n, dx + i * k + p, ldx: k)
                i += 2
            }
            if i < m { for q in p..<(p + 4) { dx[i * k + q] = dot(dy + i * n, w + q * n, n: n) } }
            p += 4
        }
        for q in p..<wRows.upperBound {
            for i in 0..<m { dx[i * k + q] = dot(dy + i * n, w + q * n, n: n) }
        }
    }
}

/// The 8 lanes of a vector added in a fixed order, so every path sums them alike.
@inline(__always) private func horizontalSum(_ v: Vector8) -> Float {
    let half = v.lowHalf + v.highHalf
    let quarter = half.lowHalf + half.highHalf
    return quarter[0] + quarter[1]
}

/// One dot product: 8 lanes at a time, then the lanes summed, then the leftover elements.
@inline(__always) private func dot(_ u: UnsafePointer<Float>, _ v: UnsafePointer<Float>, n: Int) -> Float {
    var acc = Vector8()
    var j = 0
    while j + 8 <= n { acc = acc.addingProduct(load8(u + j), load8(v + j)); j += 8 }
    var sum = horizontalSum(acc)
    while j < n { sum = sum.addingProduct(u[j], v[j]); j += 1 }
    return sum
}

/// Eight dot products at once: rows u0, u1 of dY against rows w0...w3 of W.
@inline(__always)
private func dot2x4(_ u: UnsafePointer<Float>, _ w: UnsafePointer<Float>, n: Int,
                    _ out: UnsafeMutablePointer<Float>, ldx: Int) {
    let u0 = u, u1 = u + n
    let w0 = w, w1 = w + n, w2 = w + 2 * n, w3 = w + 3 * n
    var s00 = Vector8(), s01 = Vector8(), s02 = Vector8(), s03 = Vector8()
    var s10 = Vector8(), s11 = Vector8(), s12 = Vector8(), s13 = Vector8()
    var j = 0
    while j + 8 <= n {
        let x0 = load8(u0 + j), x1 = load8(u1 + j)
        let v0 = load8(w0 + j), v1 = load8(w1 + j), v2 = load8(w2 + j), v3 = load8(w3 + j)
        s00 = s00.addingProduct(x0, v0); s01 = s01.addingProduct(x0, v1)
        s02 = s02.addingProduct(x0, v2); s03 = s03.addingProduct(x0, v3)
        s10 = s10.addingProduct(x1, v0); s11 = s11.addingProduct(x1, v1)
        s12 = s12.addingProduct(x1, v2); s13 = s13.addingProduct(x1, v3)
        j += 8
    }
    var t00 = horizontalSum(s00), t01 = horizontalSum(s01), t02 = horizontalSum(s02), t03 = horizontalSum(s03)
    var t10 = horizontalSum(s10), t11 = horizontalSum(s11), t12 = horizontalSum(s12), t13 = horizontalSum(s13)
    while j < n {
        t00 = t00.addingProduct(u0[j], w0[j]); t01 = t01.addingProduct(u0[j], w1[j])
        t02 = t02.addingProduct(u0[j], w2[j]); t03 = t03.addingProduct(u0[j], w3[j])
        t10 = t10.addingProduct(u1[j], w0[j]); t11 = t11.addingProduct(u1[j], w1[j])
        t12 = t12.addingProduct(u1[j], w2[j]); t13 = t13.addingProduct(u1[j], w3[j])
        j += 1
    }
    out[0] = t00; out[1] = t01; out[2] = t02; out[3] = t03
    out[ldx] = t10; out[ldx + 1] = t11; out[ldx + 2] = t12; out[ldx + 3] = t13
}
