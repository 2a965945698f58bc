import Backprop
import Foundation

/// The forward process of a diffusion model (Ho, Jain and Abbeel, 2020): T small steps that each
/// add a little Gaussian noise, until nothing of the image is left.
///
///     one step:      x_t = √(1 − β_t) x_{t−1} + √β_t ε_t,   ε_t ~ N(0, 1),   t = 1 ... T
///     in one jump:   x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε,   ᾱ_t = Π_{s ≤ t} (1 − β_s)
///
/// The jump holds because a sum of independent Gaussians is Gaussian: the signal shrinks by
/// √(1 − β) per step and the noises' variances add up to 1 − ᾱ_t. So training can pick any t and
/// make x_t at once. β grows linearly from 1e-4 to 0.02 over T = 1,000 steps (the paper's), or
/// follows the cosine schedule (Nichol and Dhariwal, 2021), which destroys the image more evenly.
public struct NoiseSchedule: Sendable {
    public enum Kind: String, CaseIterable, Sendable { case linear, cosine }
    public let kind: Kind
    /// β_t and ᾱ_t for t = 1 ... T, at index t − 1.
    public let betas: [Double], alphaBars: [Double]
    public var steps: Int { betas.count }

    public init(_ kind: Kind = .linear, steps: Int = 1000) {
        precondition(steps >= 2, "a schedule needs at least 2 steps")
        self.kind = kind
        switch kind {
        case .linear:
            betas = (0..<steps).map { 1e-4 + (0.02 - 1e-4) * Double($0) / Double(steps - 1) }
        case .cosine:   // ᾱ(t) = f(t)/f(0), f(t) = cos²((t/T + s)/(1 + s) · π/2), s = 0.008; β clipped at 0.999
            func f(_ t: Int) -> Double { pow(cos((Double(t) / Double(steps) + 0.008) / 1.008 * .pi / 2), 2) }
            betas = (1...steps).map { min(1 - f($0) / f($0 - 1), 0.999) }
        }
        var product = 1.0
        alphaBars = betas.map { product *= 1 - $0; return product }
    }

    /// x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε into `into`, for one t per image (`t[b]` in 1 ... T).
    ///     x0, noise: [B, N]   t: B steps   into: [B, N]
    public func noisy(_ x0: Tensor, noise: Tensor, at t: [Int], into: Tensor) {
        precondition(x0.shape == noise.shape && x0.rows == t.count,
                     "noisy: x0 \(x0.shape), noise \(noise.shape), \(t.count) steps")
        into.reshape(to: x0.shape)
        let n = x0.count / x0.rows
        for (b, step) in t.enumerated() {
            precondition((1...steps).contains(step), "noisy: t = \(step) is not in 1...\(steps)")
            let signal = Float(alphaBars[step - 1].squareRoot()), spread = Float((1 - alphaBars[step - 1]).squareRoot())
            let xs = x0.data + b * n, es = noise.data + b * n, ys = into.data + b * n
            for i in 0..<n { ys[i] = signal * xs[i] + spread * es[i] }
        }
    }
}
