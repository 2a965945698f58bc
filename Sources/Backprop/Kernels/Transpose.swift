// A 16 x 16 block turned round in registers.
//
// The convolution kernels keep their sums as [positions, channels] (a tile's lanes are channels),
// while y is [B, O, H, W]: every channel a plane of positions. And the weight gradient needs dy,
// whose channels are planes, with the channels of each position side by side. Either way a block
// must be transposed. Value by value that is a load and a store per value, each to another line.
// Sixteen registers of sixteen values can do it instead with 64 shuffles: load 16 rows, shuffle,
// store 16 columns, each a whole 64-byte line.
//
// The shuffle: number the values of the block by their row i and column j, 4 bits each, and write
// the 8 bits as i3 i2 i1 i0 j3 j2 j1 j0. One round takes rows 2k and 2k + 1 and makes new row k
// of the even-numbered values of both (the first 8 from row 2k, the next 8 from row 2k + 1) and
// new row k + 8 of their odd-numbered values. A value's new row is j0 i3 i2 i1 and its new column
// i0 j3 j2 j1: the 8 bits turn one place to the right. Four rounds turn them four places, to
// j3 j2 j1 j0 i3 i2 i1 i0: row and column have changed places. Each half-gathering line compiles
// to one permute instruction (vpermt2ps).

/// target[c · targetStride + r] = source[r · sourceStride + c] for r, c in 0..<16.
@inline(__always)
func transpose16x16(
    _ source: UnsafePointer<Float>, stride sourceStride: Int, into target: UnsafeMutablePointer<Float>,
    stride targetStride: Int
) {
    @inline(__always) func row(_ r: Int) -> Vector16 {
        UnsafeRawPointer(source + r &* sourceStride).loadUnaligned(as: Vector16.self)
    }
    var v0 = row(0), v1 = row(1), v2 = row(2), v3 = row(3), v4 = row(4), v5 = row(5), v6 = row(6), v7 = row(7)
    var v8 = row(8), v9 = row(9), v10 = row(10), v11 = row(11), v12 = row(12), v13 = row(13), v14 = row(14),
        v15 = row(15)
    @inline(__always) func evens(_ a: Vector16, _ b: Vector16) -> Vector16 {
        Vector16(lowHalf: a.evenHalf, highHalf: b.evenHalf)
    }
    @inline(__always) func odds(_ a: Vector16, _ b: Vector16) -> Vector16 {
        Vector16(lowHalf: a.oddHalf, highHalf: b.oddHalf)
    }
    for _ in 0..<4 {
        (v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15) =
            (
                evens(v0, v1), evens(v2, v3), evens(v4, v5), evens(v6, v7), evens(v8, v9), evens(v10, v11),
                evens(v12, v13), evens(v14, v15),
                odds(v0, v1), odds(v2, v3), odds(v4, v5), odds(v6, v7), odds(v8, v9), odds(v10, v11), odds(v12, v13),
                odds(v14, v15)
            )
    }
    @inline(__always) func put(_ v: Vector16, _ c: Int) {
        UnsafeMutableRawPointer(target + c &* targetStride).storeBytes(of: v, as: Vector16.self)
    }
    put(v0, 0); put(v1, 1); put(v2, 2); put(v3, 3); put(v4, 4); put(v5, 5); put(v6, 6); put(v7, 7)
    put(v8, 8); put(v9, 9); put(v10, 10); put(v11, 11); put(v12, 12); put(v13, 13); put(v14, 14); put(v15, 15)
}
