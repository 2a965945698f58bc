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

    /// How the chapters write it: "N(0, 1)".
    public var formula: String { self == .normal ? "N(0, 1)" : "U(-1, 1)" }
}
