import Foundation

/// The gradient penalty of WGAN-GP (Gulrajani, Ahmed, Arjovsky, Dumoulin and Courville, 2017): a
/// critic D is kept near 1-Lipschitz by penalising, at points x̂ between real and fake examples,
/// how far the norm of its input gradient is from 1.
///
///     x̂ = ε x + (1 − ε) x̃,  ε ~ U(0, 1), one ε per example (`interpolate`)
///     g_b = ∂D(x̂_b)/∂x̂_b: [B, N], the critic's *score*'s gradient (no sigmoid: a critic has none)
///     P = λ · mean over b of (‖g_b‖ − 1)²,  ‖g_b‖ over the N values of example b
///
/// P depends on the weights through g, which the backward pass computes; its gradient needs the
/// backward pass differentiated once more (Layers/SecondOrder.swift):
///     forward x̂; backward with dD = 1 (the weights' own gradients skipped) gives g;
///     ḡ_b = dP/dg_b = λ/B · 2 (‖g_b‖ − 1) · g_b / ‖g_b‖;
///     backwardOfBackward(ḡ) adds dP/dθ into the weights' gradients.
/// ‖g‖ is computed as sqrt(Σ g² + 1e-12): where g = 0 (a critic with zero weights) the plain
/// root's slope is infinite and ḡ would be 0/0 = NaN.
public final class GradientPenalty {
    public let weight: Float   // λ
    private let ones = Tensor(shape: [0]), gradientGradient = Tensor(shape: [0])
    /// ‖g_b‖ of each example at the last call.
    public private(set) var norms: [Float] = []

    public init(weight: Float = 10) { self.weight = weight }

    /// P at x̂ [B, N], and dP/dθ added into the critic's parameters' gradients. The critic's score
    /// must be [B, 1]. `columns`: the norm is over each row's first `columns` values (the image, when
    /// a conditional critic's input ends with the label: the label is data, not a place between real
    /// and fake; the penalty leaves its gradient alone). Default: all N.
    public func forwardBackward(_ critic: TwiceDifferentiable, at interpolated: Tensor, columns: Int? = nil) -> Float {
        let b = interpolated.rows, n = interpolated.columns, m = columns ?? n
        precondition(m > 0 && m <= n, "the penalty's columns (\(m)) must be in 1...\(n)")
        let scores = critic.forward(interpolated)
        precondition(scores.shape == [b, 1], "the critic's score must be [B, 1], not \(scores.shape)")
        ones.reshape(to: [b, 1]); ones.fill(1)
        // g = dΣD/dx̂, without adding dΣD/dθ into the weights' gradients (that is not part of the loss).
        let frozen = critic.parameters.map(\.isFrozen)
        critic.parameters.forEach { $0.isFrozen = true }
        let needsInput = critic.needsInputGradient
        critic.needsInputGradient = true
        let g = critic.backward(ones)                                   // [B, N]
        critic.needsInputGradient = needsInput
        zip(critic.parameters, frozen).forEach { $0.isFrozen = $1 }

        gradientGradient.reshape(to: [b, n])
        norms = [Float](repeating: 0, count: b)
        var sum = 0.0
        for row in 0..<b {
            let gRow = g.data + row * n, out = gradientGradient.data + row * n
            var squares: Float = 0
            for j in 0..<m { squares += gRow[j] * gRow[j] }
            let norm = (squares + 1e-12).squareRoot()                   // ‖g_b‖, safe at g = 0
            norms[row] = norm
            sum += Double((norm - 1) * (norm - 1))
            let scale = weight / Float(b) * 2 * (norm - 1) / norm       // dP/dg_b = scale · g_b
            for j in 0..<m { out[j] = scale * gRow[j] }
            for j in m..<n { out[j] = 0 }                                // the label's columns: P does not see them
        }
        _ = critic.backwardOfBackward(gradientGradient)                 // dP/dθ, through the backward pass
        return weight * Float(sum / Double(b))
    }

    /// x̂ = ε x + (1 − ε) x̃ into `into`, one ε ~ U(0, 1) per example (per row), from `rng`.
    public static func interpolate(_ real: Tensor, _ fake: Tensor, into: Tensor, using rng: RandomGenerator) {
        precondition(real.shape == fake.shape, "real \(real.shape) and fake \(fake.shape) differ")
        into.reshape(to: real.shape)
        let n = real.columns
        for row in 0..<real.rows {
            let x = real.data + row * n, xFake = fake.data + row * n, mixed = into.data + row * n
            let e = rng.uniform()                                       // one ε for the whole example
            for j in 0..<n { mixed[j] = e * x[j] + (1 - e) * xFake[j] }
        }
    }
}
