// e^x for sixteen floats at once, for SiLU's gates (chapter 8): libm's expf is a call per value,
// about a sixth of a diffusion step; this is a handful of vector instructions per sixteen.
//
//     x = k ln 2 + r,   k = round(x / ln 2),   |r| ≤ ln 2 / 2
//     e^x = 2^k · e^r,  e^r by its Taylor polynomial to r⁶ (Horner's rule), 2^k put into the exponent bits
// ln 2 is split in two (Cody and Waite) so that k ln 2 is subtracted without losing r's digits.
// The relative error is under 2e-7 (a few units in the last place; a test checks 1e-6 against
// Double over [−87, 88]). Below −87 the result is 0 (the input is clamped; e^−87 ≈ 1.6e−38).

@inline(__always) func exp16(_ x: Vector16) -> Vector16 {
    // The clamp by masks (one compare and one blend each): the standard library's `clamped` compares the
    // sixteen lanes one at a time, which took most of the time here.
    let low = Vector16(repeating: -87.3), high = Vector16(repeating: 88.3)
    let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
    // k = round(x / ln 2) by the magic number 1.5 · 2^23: adding it leaves k in the low mantissa bits
    let magic = Vector16(repeating: 12_582_912)
    let shifted = clamped * 1.442_695_04 + magic
    let k = shifted - magic
    var r = clamped - k * 0.693_359_375                   // ln 2, high part (exact in few bits)
    r = r - k * -2.121_944_4e-4                             // ln 2, the rest
    var p = Vector16(repeating: 1.0 / 720)
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    // 2^k as a float's bits: k sits in the low bits of `shifted`; add the exponent's bias, move it up
    let bits = unsafeBitCast(shifted, to: SIMD16<UInt32>.self) &- 0x4B40_0000 &+ 127
    return p * unsafeBitCast(bits &<< 23, to: Vector16.self)
}
