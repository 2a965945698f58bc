// How a register tile's sums leave the registers: the one choice every kernel's tile makes at its
// end, the matrix product's (Matmul.swift) and the convolutions' (RegisterTile.swift) alike.

/// Where a tile's sums go, once its FMA chains have run:
/// - `store`: into the output (a forward pass; or partial sums a later block continues);
/// - `addTo`: added to what the output holds (gradients accumulate; a pixel's separate chains);
/// - `addToZero`: added to 0 and stored, the first of such chains, without reading zeros from
///   memory (0 + v is v, except that it turns −0 into +0, as adding to a zeroed total does);
/// - `addBias`: plus the bias of each output column (a Linear layer's forward pass; the bias is
///   passed beside, so that the choice itself is one byte the tiles branch on cheaply).
/// Whether a tile starts from 0 or from partial sums already in the output is the tile's own
/// argument (`continuing`), since a block of a long sum may continue and then store.
enum TileFinish: Equatable {
    case store, addTo, addToZero, addBias

    @inline(__always)
    func write(_ sum: Vector16, to c: UnsafeMutablePointer<Float>, column: Int = 0, bias: UnsafePointer<Float>? = nil) {
        switch self {
        case .store: store16(sum, c)
        case .addTo: store16(load16(c) + sum, c)
        case .addToZero: store16(Vector16() + sum, c)
        case .addBias: store16(sum + load16(bias! + column), c)
        }
    }

    @inline(__always)
    func write(_ sum: Vector8, to c: UnsafeMutablePointer<Float>, column: Int = 0, bias: UnsafePointer<Float>? = nil) {
        switch self {
        case .store: store8(sum, c)
        case .addTo: store8(load8(c) + sum, c)
        case .addToZero: store8(Vector8() + sum, c)
        case .addBias: store8(sum + load8(bias! + column), c)
        }
    }

    @inline(__always)
    func write(_ sum: Float, to c: UnsafeMutablePointer<Float>, column: Int = 0, bias: UnsafePointer<Float>? = nil) {
        switch self {
        case .store: c.pointee = sum
        case .addTo: c.pointee += sum
        case .addToZero: c.pointee = 0 + sum
        case .addBias: c.pointee = sum + bias![column]
        }
    }
}
