import Foundation

/// The workbook's own random numbers: xoshiro256** (Blackman and Vigna, 2018), seeded through
/// SplitMix64. Small, fast, and fully described by four 64-bit words, so a checkpoint can store
/// the generator and a resumed run draws exactly the numbers an uninterrupted run would have.
///
/// It is a class so that every part of a model (initialisers, dropout, shuffling, noise) can share
/// one stream: the whole run then depends on one seed.
public final class RandomGenerator: RandomNumberGenerator {
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        // SplitMix64 spreads any seed, even 0, over the four words of state.
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// Restores a generator from its saved state (see `stateWords`).
    public convenience init(stateWords w: [UInt64]) {
        self.init(seed: 0)
        restore(stateWords: w)
    }

    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    /// Puts the generator back to a saved state: it then repeats the numbers it drew from there.
    public func restore(stateWords w: [UInt64]) {
        precondition(w.count == 4 && w.contains { $0 != 0 }, "a generator state is four words, not all zero")
        state = (w[0], w[1], w[2], w[3])
    }

    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits (xoshiro256**).
    public func next() -> UInt64 { Self.step(&state) }

    /// One step of xoshiro256**: the next 64 bits from `state`, which moves on.
    @inline(__always) private static func step(_ state: inout (UInt64, UInt64, UInt64, UInt64)) -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    /// A uniform Float in [0, 1): the top 24 bits, exactly representable.
    public func uniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// A uniform Float in [low, high).
    public func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * uniform() }

    /// A uniform integer in 0..<n.
    public func index(below n: Int) -> Int {
        var generator = self
        return Int.random(in: 0..<n, using: &generator)
    }

    /// Two independent standard normal values from two uniforms (the Box-Muller transform):
    /// radius sqrt(-2 ln u1), angle 2 pi u2.
    public func normalPair() -> (Float, Float) { Self.normalPair(&state) }

    @inline(__always) private static func normalPair(_ state: inout (UInt64, UInt64, UInt64, UInt64)) -> (Float, Float)
    {
        let u1 = (Double(step(&state) >> 11) + 1) * 0x1p-53  // in (0, 1]: the log stays finite
        let u2 = Double(step(&state) >> 11) * 0x1p-53
        let radius = (-2 * log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        return (Float(radius * cos(angle)), Float(radius * sin(angle)))
    }

    /// Fills `count` values at `pointer` with draws from N(mean, std^2).
    ///
    /// A pair costs two cheap draws and a dear transform (a logarithm, a cosine and a sine), so
    /// the pairs are split over the cores: each thread first steps a copy of the state past the
    /// draws of the pairs before its own, then transforms its pairs. The values, and the state
    /// the generator ends in, are exactly those of one thread drawing them all in order.
    public func fillNormal(_ pointer: UnsafeMutablePointer<Float>, count: Int, mean: Float = 0, std: Float = 1) {
        let pairs = (count + 1) / 2, start = state
        Parallel.forEachRange(pairs, unit: 64, work: pairs * 200) { range in
            var local = start
            for _ in 0..<(2 * range.lowerBound) { _ = Self.step(&local) }
            for pair in range {
                let (a, b) = Self.normalPair(&local)
                pointer[2 * pair] = mean + std * a
                if 2 * pair + 1 < count { pointer[2 * pair + 1] = mean + std * b }
            }
        }
        for _ in 0..<(2 * pairs) { _ = Self.step(&state) }
    }

    /// Fills `count` values at `pointer` with draws from U[low, high).
    public func fillUniform(_ pointer: UnsafeMutablePointer<Float>, count: Int, low: Float, high: Float) {
        for i in 0..<count { pointer[i] = uniform(low, high) }
    }

    /// Shuffles an array in place (Fisher-Yates), using this generator only.
    public func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))   // the tiny modulo bias is irrelevant here
            array.swapAt(i, j)
        }
    }
}

public extension Tensor {
    /// Fills the tensor with draws from N(mean, std^2).
    func fillNormal(using rng: RandomGenerator, mean: Float = 0, std: Float = 1) {
        rng.fillNormal(data, count: count, mean: mean, std: std)
    }

    /// Fills the tensor with draws from U[low, high).
    func fillUniform(using rng: RandomGenerator, low: Float, high: Float) {
        rng.fillUniform(data, count: count, low: low, high: high)
    }
}

