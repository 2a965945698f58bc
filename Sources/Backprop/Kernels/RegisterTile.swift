// The register tile of the convolution kernels: a block of sums held in SIMD registers while one
// long FMA chain per value runs over a table of offsets. The forward pass and both gradients are
// this tile with different tables (see each kernel's file); the matrix product has its own tile,
// of the same idea, in Matmul.swift.

/// The tile's shape: rows (positions, window values or pixels) x lanes (channels).
enum DirectTile {
    static func shape(wide: Bool) -> (rows: Int, lanes: Int) { wide ? (8, 32) : (6, 16) }
}

/// One tile: row r reads `images + bases[r] + offsets[d]` for d in 0..<depth, times the panel's
/// `lanes` values of d, into `sums[r]` (`lanes` floats), as `finish` says; from 0, or from the
/// partial sums `sums` holds when `continuing`. 8 rows x 32 in
/// 512-bit registers where the build has AVX-512, else 6 x 16.
@inline(__always)
func directTile(
    wide: Bool, _ images: UnsafePointer<Float>, _ bases: UnsafePointer<Int>, rows: Int, _ offsets: UnsafePointer<Int>,
    depth: Int, _ panel: UnsafePointer<Float>, panelRows: UnsafePointer<Int>? = nil,
    _ sums: UnsafeMutablePointer<Float>, continuing: Bool = false, _ finish: TileFinish
) {
    if wide {
        directTile8(
            images, bases, rows: rows, offsets, depth: depth, panel, panelRows, sums, continuing: continuing, finish)
    } else {
        directTile6(
            images, bases, rows: rows, offsets, depth: depth, panel, panelRows, sums, continuing: continuing, finish)
    }
}

/// Eight rows x 32, two 512-bit registers each. Eight rows leave the general registers free for
/// their eight addresses, the offset table and the panel (twelve rows did not: the compiler kept
/// some addresses on the stack and read them back every step). A tile of fewer rows repeats its
/// last row and keeps only its own.
@inline(__always)
func directTile8(_ images: UnsafePointer<Float>, _ bases: UnsafePointer<Int>, rows: Int, _ offsets: UnsafePointer<Int>,
                         depth: Int, _ panel: UnsafePointer<Float>, _ panelRows: UnsafePointer<Int>?,
                         _ sums: UnsafeMutablePointer<Float>, continuing: Bool, _ finish: TileFinish) {
    @inline(__always) func row(_ r: Int) -> UnsafePointer<Float> { images + bases[min(r, rows - 1)] }
    @inline(__always) func start(_ r: Int, _ half: Int) -> Vector16 {
        continuing && r < rows ? load16(sums + r * 32 + half * 16) : Vector16()
    }
    let a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5), a6 = row(6), a7 = row(7)
    var c0 = start(0, 0), d0 = start(0, 1), c1 = start(1, 0), d1 = start(1, 1), c2 = start(2, 0), d2 = start(2, 1)
    var c3 = start(3, 0), d3 = start(3, 1), c4 = start(4, 0), d4 = start(4, 1), c5 = start(5, 0), d5 = start(5, 1)
    var c6 = start(6, 0), d6 = start(6, 1), c7 = start(7, 0), d7 = start(7, 1)
    var w = panel
    for d in 0..<depth {
        // the panel's rows picked by a table (a window's values outside the image skipped)
        if let panelRows { w = panel + panelRows[d] }
        let offset = offsets[d], b = load16(w), e = load16(w + 16)
        var x = Vector16(repeating: a0[offset]); c0 = c0.addingProduct(x, b); d0 = d0.addingProduct(x, e)
        x = Vector16(repeating: a1[offset]); c1 = c1.addingProduct(x, b); d1 = d1.addingProduct(x, e)
        x = Vector16(repeating: a2[offset]); c2 = c2.addingProduct(x, b); d2 = d2.addingProduct(x, e)
        x = Vector16(repeating: a3[offset]); c3 = c3.addingProduct(x, b); d3 = d3.addingProduct(x, e)
        x = Vector16(repeating: a4[offset]); c4 = c4.addingProduct(x, b); d4 = d4.addingProduct(x, e)
        x = Vector16(repeating: a5[offset]); c5 = c5.addingProduct(x, b); d5 = d5.addingProduct(x, e)
        x = Vector16(repeating: a6[offset]); c6 = c6.addingProduct(x, b); d6 = d6.addingProduct(x, e)
        x = Vector16(repeating: a7[offset]); c7 = c7.addingProduct(x, b); d7 = d7.addingProduct(x, e)
        w += 32
    }
    @inline(__always) func put(_ v: Vector16, _ r: Int, _ half: Int) {
        let target = sums + r * 32 + half * 16
        if r < rows { finish.write(v, to: target, column: 0) }
    }
    put(c0, 0, 0); put(d0, 0, 1); put(c1, 1, 0); put(d1, 1, 1); put(c2, 2, 0); put(d2, 2, 1); put(c3, 3, 0);
    put(d3, 3, 1)
    put(c4, 4, 0); put(d4, 4, 1); put(c5, 5, 0); put(d5, 5, 1); put(c6, 6, 0); put(d6, 6, 1); put(c7, 7, 0);
    put(d7, 7, 1)
}

/// Six rows x 16, for 256-bit registers (two each, twelve in all).
@inline(__always)
func directTile6(_ images: UnsafePointer<Float>, _ bases: UnsafePointer<Int>, rows: Int, _ offsets: UnsafePointer<Int>,
                         depth: Int, _ panel: UnsafePointer<Float>, _ panelRows: UnsafePointer<Int>?,
                         _ sums: UnsafeMutablePointer<Float>, continuing: Bool, _ finish: TileFinish) {
    @inline(__always) func row(_ r: Int) -> UnsafePointer<Float> { images + bases[min(r, rows - 1)] }
    @inline(__always) func start(_ r: Int) -> Vector16 { continuing && r < rows ? load16(sums + r * 16) : Vector16() }
    let a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5)
    var c0 = start(0), c1 = start(1), c2 = start(2), c3 = start(3), c4 = start(4), c5 = start(5)
    var w = panel
    for d in 0..<depth {
        if let panelRows { w = panel + panelRows[d] }
        let offset = offsets[d], b = load16(w)
        c0 = c0.addingProduct(Vector16(repeating: a0[offset]), b);
        c1 = c1.addingProduct(Vector16(repeating: a1[offset]), b)
        c2 = c2.addingProduct(Vector16(repeating: a2[offset]), b);
        c3 = c3.addingProduct(Vector16(repeating: a3[offset]), b)
        c4 = c4.addingProduct(Vector16(repeating: a4[offset]), b);
        c5 = c5.addingProduct(Vector16(repeating: a5[offset]), b)
        w += 16
    }
    @inline(__always) func put(_ v: Vector16, _ r: Int) {
        if r < rows { finish.write(v, to: sums + r * 16, column: 0) }
    }
    put(c0, 0); put(c1, 1); put(c2, 2); put(c3, 3); put(c4, 4); put(c5, 5)
}
