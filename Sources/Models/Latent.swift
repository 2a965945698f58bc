import Backprop

/// Where a generator's input z comes from.
public enum Latent: String, CaseIterable, Sendable {
    case normal    // z ~ N(0, 1)
    case uniform   // z ~ U(-1, 1)

    /// Fills `z` with `count` latent vectors of `size` numbers: [count, size].
    public func sample(_ z: Tensor, count: Int, size: Int, using rng: RandomGenerator) {
        z.reshape(to: [count, size])
        switch self {
        case .normal: z.fillNormal(using: rng)
        case .uniform: z.fillUniform(using: rng, low: -1, high: 1)
        }
    }

    /// The vectors a GAN chapter keeps for its whole run, each from its own generator so that they
    /// are the same whatever else draws random numbers: 64 for the grid drawn every epoch
    /// ([64, size], seed + 7919) and the ends of `walks` latent walks ([2 walks, size], seed + 104,729).
    public func fixed(size: Int, walks: Int, seed: UInt64) -> (grid: Tensor, ends: Tensor) {
        let grid = Tensor(shape: [0]), ends = Tensor(shape: [0])
        sample(grid, count: 64, size: size, using: RandomGenerator(seed: seed &+ 7919))
        sample(ends, count: 2 * walks, size: size, using: RandomGenerator(seed: seed &+ 104_729))
        return (grid, ends)
    }

    /// How the chapters write it: "N(0, 1)".
    public var formula: String { self == .normal ? "N(0, 1)" : "U(-1, 1)" }
}
