// The vector types of the kernels and the few ways they touch memory, shared by the matrix product
// and the convolutions: whole registers loaded and stored at any address, and one channel of a
// tile's sums scattered to the places its positions have in the output.

/// Eight floats: one 256-bit AVX register (two halves of one where the build has only SSE).
public typealias Vector8 = SIMD8<Float>

/// Sixteen floats: one 512-bit AVX-512 register, or two 256-bit ones.
public typealias Vector16 = SIMD16<Float>

public extension SIMD8 where Scalar == Float {
    /// Eight floats loaded from `pointer` (no alignment needed).
    @inline(__always) init(_ pointer: UnsafePointer<Float>) {
        self = UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
    }
    @inline(__always) init(_ pointer: UnsafeMutablePointer<Float>) { self.init(UnsafePointer(pointer)) }
    /// Stores the eight floats at `pointer` (no alignment needed).
    @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }
}

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> Vector8 { Vector8(p) }
@inline(__always) func store8(_ v: Vector8, _ p: UnsafeMutablePointer<Float>) { v.store(to: p) }
@inline(__always) func load16(_ p: UnsafePointer<Float>) -> Vector16 {
    UnsafeRawPointer(p).loadUnaligned(as: Vector16.self)
}
/// The first `n` (< 16) values at `p`, the rest of the lanes 0: a loop's short end.
@inline(__always) func partial16(_ p: UnsafePointer<Float>, _ n: Int) -> Vector16 {
    var v = Vector16(repeating: 0)
    for j in 0..<n { v[j] = p[j] }
    return v
}

@inline(__always) func store16(_ v: Vector16, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector16.self)
}

/// out[targets[r]] = values[r · every] for r in 0..<count: one channel of the kept sums to its plane.
@inline(__always) func scatter(
    _ values: UnsafePointer<Float>, every: Int, count: Int, to out: UnsafeMutablePointer<Float>,
    at targets: UnsafePointer<Int>
) {
    var value = values
    for r in 0..<count { out[targets[r]] = value.pointee; value += every }
}
