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

import CHardware

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
// 2. Register blocking: the micro-kernel keeps a 6 x 16 tile of the output in 12 registers while
//    it walks along the sum. Each step loads 2 vectors of B and 6 values of A and does 12 FMAs:
//    the arithmetic, not the memory, sets the pace. An FMA takes about 5 cycles and a core starts
//    two per cycle, so about 10 independent sums must be in flight: 12 are. With AVX-512 the
//    tile is 12 x 16, one 512-bit register per row: twice the arithmetic per instruction.
// 3. Packing: the 16 columns of B a tile needs are copied side by side into a small panel that
//    stays in the L1 cache (see `gemm`).
// 4. Both cores: the output is split into column ranges, one per thread.
// 5. Memory on time: while a tile computes, it asks for the memory the next ones will need
//    (prefetching), which in training has often been pushed out of the caches by the optimizer.
// All three forms of a Linear layer go through this one kernel, and every output value is the
// FMA chain `0 + a0*b0 + a1*b1 + ...` in the order of the naive kernels: fast and naive agree to
// the bit, whatever the tile or the thread that computed a value.

/// How B is stored: row-major `[depth, n]`, or as its transpose `[n, depth]` (the weight matrix
/// read as W^T, for the input gradient).
private enum Layout { case rowMajor, transposed }

/// How deep a block of the sum the kernel takes at a time: a 256 x 16 panel of B is 16 KB and
/// stays in the L1 cache while every row of A passes by.
private let depthBlock = 256

/// How many floats of packed panels a thread fills at a time: 256 KB, half the L2 cache.
private let panelGroupFloats = 64 * 1024

/// The general product `C[M, N] (=, +=) A[M, depth] · B[depth, N]`, A and C row-major.
///
/// B is first *packed*: 16 of its columns, one block of rows, are copied into a small contiguous
/// panel. Read straight from a row-major B, those 16 columns lie one row apart; when a row is 4 KB
/// (1024 floats) every one of them falls into the same L1 cache set and they evict each other. In
/// the panel they are neighbours, and the panel is reused by every row of A.
///
/// The panels of several neighbouring stripes are packed together, a row of B at a time: the
/// copy then reads B along its rows, which the hardware prefetcher follows, instead of jumping a
/// whole row ahead for every 64 bytes. That matters in training, where the optimizer's pass over
/// all the weights has pushed W out of the caches before the next forward pass reads it.
///
/// When the sum is split into blocks, the tile stores its partial sums in C and the next block
/// picks them up: still one FMA chain per value, in order. (Gradient accumulation, which adds to
/// what C already holds, always takes the whole sum at once.)
private func gemm(m: Int, n: Int, depth: Int, _ a: UnsafePointer<Float>, lda: Int,
                  _ b: UnsafePointer<Float>, _ layout: Layout, _ c: UnsafeMutablePointer<Float>, _ finish: TileFinish,
                  bias: UnsafePointer<Float>? = nil) {
    let block: Int
    if case .addTo = finish { block = max(depth, 1) } else { block = depthBlock }
    let kcMax = min(block, depth)
    let groupStripes = max(1, panelGroupFloats / max(1, kcMax * 16))
    let wide = MatmulTile.wide, tileRows = wide ? 12 : 6   // the same tile for the whole product
    Parallel.forEachRange(n, unit: 16, work: m * n * depth) { columns in
        let stripes = columns.count / 16  // full 16-column stripes; the rest below
        let panels = Scratch.forCurrentThread.buffer(
            .matmulPanels, count: min(groupStripes, max(stripes, 1)) * kcMax * 16)
        let tilesPerStripe = (m + tileRows - 1) / tileRows
        for first in stride(from: 0, to: stripes, by: groupStripes) {
            let count = min(groupStripes, stripes - first), j0 = columns.lowerBound + first * 16
            var p0 = 0
            repeat {
                let kc = min(block, depth - p0)
                pack(b, layout, n: n, depth: depth, rows: p0..<(p0 + kc), columns: j0, stripes: count, into: panels)
                let continuing = p0 > 0, blockFinish: TileFinish = p0 + kc >= depth ? finish : .store
                // While the tiles compute, the memory system fetches what they will need next:
                // the rows of C they add to, and the rows of B that the next pack copies.
                let readsC: Bool
                if case .addTo = blockFinish { readsC = true } else { readsC = continuing }
                // the next block of the sum, or the next group
                let nextFirst = p0 + kc < depth ? first : first + groupStripes
                let nextP0 = p0 + kc < depth ? p0 + kc : 0
                let nextRows = nextP0..<(nextP0 + min(block, depth - nextP0))
                let nextCount = layout == .rowMajor ? min(groupStripes, stripes - nextFirst) : 0
                for s in 0..<count {
                    let j = j0 + 16 * s, panel = panels + s * kc * 16
                    if readsC { prefetchTile(c, row: 0, tileRows: tileRows, column: j, ldc: n, rows: m) }
                    var i = 0
                    while i < m {   // six (or twelve) rows at a time (the last tile may be shorter)
                        if readsC { prefetchTile(c, row: i + tileRows, tileRows: tileRows, column: j, ldc: n, rows: m) }
                        if s < nextCount {
                            prefetchRows(of: b, n: n, nextRows, column: columns.lowerBound + (nextFirst + s) * 16,
                                         part: i / tileRows, of: tilesPerStripe)
                        }
                        tile(
                            wide: wide, a + i * lda + p0, lda: lda, rows: min(tileRows, m - i), panel, depth: kc,
                            c + i * n + j, ldc: n,
                            column: j, continuing: continuing, blockFinish, bias: bias)
                        i += tileRows
                    }
                }
                p0 += kc
            } while p0 < depth
        }
        let j = columns.lowerBound + stripes * 16
        if j < columns.upperBound {
            // Fewer than 16 columns left (a layer of 20 outputs leaves 4): they are packed into
            // one panel padded with zeros, over the whole depth, and the tiles write a scratch
            // tile, of which only the real columns are kept. Each value is the same FMA chain from
            // 0 as a scalar loop's, and a 6 x 16 tile runs it for 96 values at once.
            let width = columns.upperBound - j
            let panel = Scratch.forCurrentThread.buffer(.edgePanel, count: max(depth, 1) * 16)
            let scratchTile = Scratch.forCurrentThread.buffer(.edgeTile, count: tileRows * 16)
            for p in 0..<depth {
                for q in 0..<16 {
                    panel[p * 16 + q] = q >= width ? 0 : layout == .rowMajor ? b[p * n + j + q] : b[(j + q) * depth + p]
                }
            }
            var i = 0
            while i < m {
                let rows = min(tileRows, m - i)
                tile(
                    wide: wide, a + i * lda, lda: lda, rows: rows, panel, depth: depth, scratchTile, ldc: 16, column: 0,
                    continuing: false, .store, bias: nil)
                for r in 0..<rows {
                    for q in 0..<width {
                        finish.write(scratchTile[r * 16 + q], to: c + (i + r) * n + j + q, column: j + q, bias: bias)
                    }
                }
                i += tileRows
            }
        }
    }
}

/// Asks for the six rows of C that the tile at `row` will read when it finishes, so that they
/// arrive while the tiles before it are still computing.
@inline(__always)
private func prefetchTile(_ c: UnsafeMutablePointer<Float>, row: Int, tileRows: Int, column: Int, ldc: Int, rows: Int) {
    for r in row..<max(row, min(row + tileRows, rows)) {
        prefetchForWriting(c + r * ldc + column)
        prefetchForWriting(c + r * ldc + column + 15)
    }
}

/// Asks for part `part` of `parts` of the rows of a row-major B, 16 columns from `column`: spread
/// over the tiles of a stripe, a few rows each, so that the requests never pile up.
@inline(__always)
private func prefetchRows(of b: UnsafePointer<Float>, n: Int, _ rows: Range<Int>, column: Int, part: Int, of parts: Int)
{
    let perPart = (rows.count + parts - 1) / parts
    let start = rows.lowerBound + part * perPart
    for p in start..<max(start, min(start + perPart, rows.upperBound)) {
        prefetchForReading(b + p * n + column)
        prefetchForReading(b + p * n + column + 15)
    }
}

/// Copies B[rows, j..<j+16 * stripes] into `stripes` panels, one after the other: in each, the
/// 16 values of a row of B side by side.
@inline(__always)
private func pack(_ b: UnsafePointer<Float>, _ layout: Layout, n: Int, depth: Int, rows: Range<Int>, columns j: Int,
                  stripes: Int, into panels: UnsafeMutablePointer<Float>) {
    let kc = rows.count
    switch layout {
    case .rowMajor:   // along each row of B, 16 values to each panel
        for p in rows {
            let source = b + p * n + j, row = panels + (p - rows.lowerBound) * 16
            for s in 0..<stripes {
                load8(source + 16 * s).store(to: row + s * kc * 16)
                load8(source + 16 * s + 8).store(to: row + s * kc * 16 + 8)
            }
        }
    case .transposed:   // column j + q of B is row j + q of the stored matrix
        for s in 0..<stripes {
            let panel = panels + s * kc * 16
            for q in 0..<16 {
                let source = b + (j + 16 * s + q) * depth
                for p in rows { panel[(p - rows.lowerBound) * 16 + q] = source[p] }
            }
        }
    }
}

/// The register-blocked micro-kernel: a 6 x 16 tile of C in twelve SIMD8 accumulators, which start
/// at zero or, when `continuing`, at the partial sums a previous block left in C. A tile of fewer
/// than 6 rows reads its last row again in place of the missing ones and stores only its own rows:
/// every row goes through the fast path.
@inline(__always)
private func tile6x16(
    _ a: UnsafePointer<Float>, lda: Int, rows: Int, _ b: UnsafePointer<Float>, depth: Int,
    _ c: UnsafeMutablePointer<Float>, ldc: Int, column: Int, continuing: Bool, _ finish: TileFinish,
    bias: UnsafePointer<Float>?
) {
    let r1 = min(1, rows - 1), r2 = min(2, rows - 1), r3 = min(3, rows - 1), r4 = min(4, rows - 1),
        r5 = min(5, rows - 1)
    let a0 = a, a1 = a + r1 * lda, a2 = a + r2 * lda, a3 = a + r3 * lda, a4 = a + r4 * lda, a5 = a + r5 * lda
    var c00 = Vector8(), c01 = Vector8(), c10 = Vector8(), c11 = Vector8(), c20 = Vector8(), c21 = Vector8()
    var c30 = Vector8(), c31 = Vector8(), c40 = Vector8(), c41 = Vector8(), c50 = Vector8(), c51 = Vector8()
    if continuing {
        c00 = load8(c); c01 = load8(c + 8)
        c10 = load8(c + r1 * ldc); c11 = load8(c + r1 * ldc + 8)
        c20 = load8(c + r2 * ldc); c21 = load8(c + r2 * ldc + 8)
        c30 = load8(c + r3 * ldc); c31 = load8(c + r3 * ldc + 8)
        c40 = load8(c + r4 * ldc); c41 = load8(c + r4 * ldc + 8)
        c50 = load8(c + r5 * ldc); c51 = load8(c + r5 * ldc + 8)
    }
    var bp = b
    for p in 0..<depth {
        let b0 = load8(bp), b1 = load8(bp + 8)
        var x = Vector8(repeating: a0[p])
        c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
        x = Vector8(repeating: a1[p])
        c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
        x = Vector8(repeating: a2[p])
        c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
        x = Vector8(repeating: a3[p])
        c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
        x = Vector8(repeating: a4[p])
        c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
        x = Vector8(repeating: a5[p])
        c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
        bp += 16
    }
    finish.write(c00, to: c, column: column, bias: bias); finish.write(c01, to: c + 8, column: column + 8, bias: bias)
    if rows > 1 {
        finish.write(c10, to: c + ldc, column: column, bias: bias)
        finish.write(c11, to: c + ldc + 8, column: column + 8, bias: bias)
    }
    if rows > 2 {
        finish.write(c20, to: c + 2 * ldc, column: column, bias: bias)
        finish.write(c21, to: c + 2 * ldc + 8, column: column + 8, bias: bias)
    }
    if rows > 3 {
        finish.write(c30, to: c + 3 * ldc, column: column, bias: bias)
        finish.write(c31, to: c + 3 * ldc + 8, column: column + 8, bias: bias)
    }
    if rows > 4 {
        finish.write(c40, to: c + 4 * ldc, column: column, bias: bias)
        finish.write(c41, to: c + 4 * ldc + 8, column: column + 8, bias: bias)
    }
    if rows > 5 {
        finish.write(c50, to: c + 5 * ldc, column: column, bias: bias)
        finish.write(c51, to: c + 5 * ldc + 8, column: column + 8, bias: bias)
    }
}

/// The same tile for machines with 512-bit registers (AVX-512): twelve rows of 16 columns, each row
/// one register, so each step does 12 FMAs of 16 lanes, twice the work per instruction of the
/// 6 x 16 tile, and still 12 independent sums in flight. Every value is the same FMA chain as in
/// the 6 x 16 tile (and the naive loop), so the results do not change.
@inline(__always)
private func tile12x16(
    _ a: UnsafePointer<Float>, lda: Int, rows: Int, _ b: UnsafePointer<Float>, depth: Int,
    _ c: UnsafeMutablePointer<Float>, ldc: Int, column: Int, continuing: Bool, _ finish: TileFinish,
    bias: UnsafePointer<Float>?
) {
    @inline(__always) func row(_ r: Int) -> Int { min(r, rows - 1) }
    let a0 = a, a1 = a + row(1) * lda, a2 = a + row(2) * lda, a3 = a + row(3) * lda, a4 = a + row(4) * lda,
        a5 = a + row(5) * lda
    let a6 = a + row(6) * lda, a7 = a + row(7) * lda, a8 = a + row(8) * lda, a9 = a + row(9) * lda,
        a10 = a + row(10) * lda
    let a11 = a + row(11) * lda
    var c0 = Vector16(), c1 = Vector16(), c2 = Vector16(), c3 = Vector16(), c4 = Vector16(), c5 = Vector16()
    var c6 = Vector16(), c7 = Vector16(), c8 = Vector16(), c9 = Vector16(), c10 = Vector16(), c11 = Vector16()
    if continuing {
        c0 = load16(c); c1 = load16(c + row(1) * ldc); c2 = load16(c + row(2) * ldc); c3 = load16(c + row(3) * ldc)
        c4 = load16(c + row(4) * ldc); c5 = load16(c + row(5) * ldc); c6 = load16(c + row(6) * ldc);
        c7 = load16(c + row(7) * ldc)
        c8 = load16(c + row(8) * ldc); c9 = load16(c + row(9) * ldc); c10 = load16(c + row(10) * ldc);
        c11 = load16(c + row(11) * ldc)
    }
    var bp = b
    for p in 0..<depth {
        let b0 = load16(bp)
        c0 = c0.addingProduct(Vector16(repeating: a0[p]), b0); c1 = c1.addingProduct(Vector16(repeating: a1[p]), b0)
        c2 = c2.addingProduct(Vector16(repeating: a2[p]), b0); c3 = c3.addingProduct(Vector16(repeating: a3[p]), b0)
        c4 = c4.addingProduct(Vector16(repeating: a4[p]), b0); c5 = c5.addingProduct(Vector16(repeating: a5[p]), b0)
        c6 = c6.addingProduct(Vector16(repeating: a6[p]), b0); c7 = c7.addingProduct(Vector16(repeating: a7[p]), b0)
        c8 = c8.addingProduct(Vector16(repeating: a8[p]), b0); c9 = c9.addingProduct(Vector16(repeating: a9[p]), b0)
        c10 = c10.addingProduct(Vector16(repeating: a10[p]), b0);
        c11 = c11.addingProduct(Vector16(repeating: a11[p]), b0)
        bp += 16
    }
    finish.write(c0, to: c, column: column, bias: bias)
    if rows > 1 { finish.write(c1, to: c + ldc, column: column, bias: bias) }
    if rows > 2 { finish.write(c2, to: c + 2 * ldc, column: column, bias: bias) }
    if rows > 3 { finish.write(c3, to: c + 3 * ldc, column: column, bias: bias) }
    if rows > 4 { finish.write(c4, to: c + 4 * ldc, column: column, bias: bias) }
    if rows > 5 { finish.write(c5, to: c + 5 * ldc, column: column, bias: bias) }
    if rows > 6 { finish.write(c6, to: c + 6 * ldc, column: column, bias: bias) }
    if rows > 7 { finish.write(c7, to: c + 7 * ldc, column: column, bias: bias) }
    if rows > 8 { finish.write(c8, to: c + 8 * ldc, column: column, bias: bias) }
    if rows > 9 { finish.write(c9, to: c + 9 * ldc, column: column, bias: bias) }
    if rows > 10 { finish.write(c10, to: c + 10 * ldc, column: column, bias: bias) }
    if rows > 11 { finish.write(c11, to: c + 11 * ldc, column: column, bias: bias) }
}

/// Which tile the kernel uses: 12 x 16 in 512-bit registers where the build targets AVX-512, else
/// 6 x 16. Both compute every value with the same FMA chain; the tests switch between them to show
/// it (either runs anywhere: without AVX-512 the wide one is merely slow). An atomic word, like
/// `Parallel.threads`, since tests change it while others multiply.
public enum MatmulTile {
    public static var wide: Bool {
        get { atomicLoad(word) != 0 }
        set { atomicStore(word, newValue ? 1 : 0) }
    }
    private static let word: UnsafeMutablePointer<Int> = {
        let word = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        word.initialize(to: hardwareHasWideVectors() ? 1 : 0)
        return word
    }()
}

/// One tile of C, `rows` (up to 12 when `wide`, else 6) x 16.
@inline(__always)
private func tile(wide: Bool, _ a: UnsafePointer<Float>, lda: Int, rows: Int, _ b: UnsafePointer<Float>, depth: Int,
                  _ c: UnsafeMutablePointer<Float>, ldc: Int, column: Int, continuing: Bool, _ finish: TileFinish,
                  bias: UnsafePointer<Float>?) {
    if wide {
        tile12x16(a, lda: lda, rows: rows, b, depth: depth, c, ldc: ldc, column: column, continuing: continuing, finish,
                  bias: bias)
    } else {
        tile6x16(a, lda: lda, rows: rows, b, depth: depth, c, ldc: ldc, column: column, continuing: continuing, finish,
                 bias: bias)
    }
}

/// Fast `Y[M, N] = X[M, K] · W[K, N] (+ bias[N])`; the same values as `matmulForwardNaive`.
public func matmulForward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                          _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, m: Int, k: Int, n: Int) {
    gemm(m: m, n: n, depth: k, x, lda: k, w, .rowMajor, y, bias == nil ? .store : .addBias, bias: bias)
}

/// The largest weight matrix (16 MB, well inside the 32 MB L3 cache) that the input gradient
/// reads again for every group of panels (see `matmulBackwardInput`).
private let cachedWeightFloats = 4 * 1024 * 1024

/// Fast `dX[M, K] = dY[M, N] · W[K, N]^T`. One of the two factors must be packed across its rows,
/// value by value, which is slower than copying whole rows. So the kernel computes the transpose
/// `dX^T[K, M] = W · dY^T` instead: it packs dY (one batch) rather than the whole weight matrix
/// (8 times larger for a 1024 x 1024 layer and a batch of 128), and W is read in place, six rows
/// at a time. dX^T goes to scratch memory and is turned back into dX at the end, a batch-sized
/// copy. W is read for every group of panels a thread packs (`gemm`), from the L3 cache when it
/// fits there. A larger W is read block by block (its K rows, 256 columns of the sum), each block
/// once per stripe of the batch: that pays when the block stays in the caches meanwhile (at most
/// 1 MB) and a thread's stripes make one group (a batch of up to 256). Otherwise W is packed as
/// W^T directly, so that it is read from memory only once, and so is any batch that is not a
/// multiple of 16 (the kernel's tile width), whose leftover columns would take the slow path.
/// Every value is the same FMA chain either way.
public func matmulBackwardInput(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>,
                                _ w: UnsafePointer<Float>, m: Int, k: Int, n: Int) {
    let blockStaysCached = m <= 256 && k * depthBlock <= 256 * 1024
    if m % 16 == 0 && (k * n <= cachedWeightFloats || blockStaysCached) {
        let dxT = Scratch.forCurrentThread.buffer(.transposedInputGradient, count: k * m)   // dX^T: [K, M]
        gemm(m: k, n: m, depth: n, w, lda: n, dy, .transposed, dxT, .store)
        transpose(dxT, rows: k, columns: m, into: dx)
    } else {
        gemm(m: m, n: k, depth: n, dy, lda: n, w, .transposed, dx, .store)
    }
}

/// Fast `dW[K, N] += X[M, K]^T · dY[M, N]`: X is transposed into scratch memory first (a small
/// copy, the size of one batch), then it is the same kernel with the batch as the depth.
public func matmulBackwardWeights(_ dw: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                  _ dy: UnsafePointer<Float>, m: Int, k: Int, n: Int) {
    let xT = Scratch.forCurrentThread.buffer(.transposedInput, count: k * m)   // X^T: [K, M]
    transpose(x, rows: m, columns: k, into: xT)
    gemm(m: k, n: n, depth: m, xT, lda: m, dy, .rowMajor, dw, .addTo)
}

/// `destination[c, r] = source[r, c]` for a `[rows, columns]` source. Both cores copy, each a range
/// of the source's columns. Eight rows are read side by side, along their length: the hardware
/// prefetcher follows eight such streams, and each column's eight values land next to each other.
private func transpose(
    _ source: UnsafePointer<Float>, rows: Int, columns: Int, into destination: UnsafeMutablePointer<Float>
) {
    Parallel.forEachRange(columns, unit: 16, work: rows * columns * 4) { range in
        for band in stride(from: 0, to: rows, by: 8) {
            let bandEnd = min(band + 8, rows)
            for column in range {
                let target = destination + column &* rows
                for r in band..<bandEnd { target[r] = source[r &* columns &+ column] }
            }
        }
    }
}

/// `sums[j] += Σ_i values[i, j]` for a `[rows, columns]` matrix (a bias's gradient: dY summed over
/// the batch). Each column is summed row after row, as the naive loop would; eight columns at a
/// time in SIMD and the columns split over the cores, which changes no result.
public func addColumnSums(
    of values: UnsafePointer<Float>, rows: Int, columns: Int, to sums: UnsafeMutablePointer<Float>
) {
    Parallel.forEachRange(columns, unit: 64, work: rows * columns) { range in
        var j = range.lowerBound
        while j + 8 <= range.upperBound {
            var sum = Vector8(sums + j)
            for i in 0..<rows { sum += Vector8(values + i * columns + j) }
            sum.store(to: sums + j)
            j += 8
        }
        while j < range.upperBound {
            var sum = sums[j]
            for i in 0..<rows { sum += values[i * columns + j] }
            sums[j] = sum
            j += 1
        }
    }
}
