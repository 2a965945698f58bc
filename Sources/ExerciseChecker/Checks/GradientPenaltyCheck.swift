import Backprop
import Foundation

/// `gradient-penalty` (chapter 7): P and dP/dg against the definition, computed in Double with the
/// same draws of ε and a small critic whose gradient is known exactly; the four classic mistakes
/// (and two more) are recognised from their numbers.
public enum GradientPenaltyCheck {
    public static let epsilonPerValue = Hint(
        "epsilon-per-value",
        "ε says where between a real example and a fake one x̂ lies: one ε per example, the same for all its values. "
            + "One per value puts x̂ at a point that is neither on the line between them nor near either.")
    public static let normOverBatch = Hint(
        "norm-over-batch",
        "The critic must be 1-Lipschitz at every point: the norm is taken per example (per row of g), over its N "
            + "values, and the penalty is the mean of the B squared gaps. One norm of the whole batch lets one "
            + "example's steep gradient hide behind the others' flat ones.")
    public static let sigmoid = Hint(
        "penalty-on-sigmoid",
        "The penalty is on the gradient of the critic's raw score D(x̂). A critic has no sigmoid; taking the "
            + "gradient of σ(D) shrinks it by σ'(D) and penalises a different function.")
    public static let rootAtZero = Hint(
        "root-at-zero",
        "Where the gradient is 0 (a critic with zero weights, a dead layer), the slope of the square root is "
            + "infinite: (‖g‖ − 1)/‖g‖ · g is 0/0. Add a tiny constant under the root: sqrt(Σ g² + 1e-12).")
    public static let towardsZero = Hint(
        "norm-towards-zero",
        "The penalty pulls ‖g‖ towards 1, (‖g‖ − 1)², not towards 0: a 1-Lipschitz critic that estimates a "
            + "distance has slope 1 between the distributions, and a penalty on ‖g‖² flattens it.")
    public static let sumNotMean = Hint("sum-not-mean", "P is λ times the *mean* over the batch of (‖g_b‖ − 1)², not the sum.")

    /// The check's critic, D(x) = Σ_k v_k · leaky(Σ_j x_j W[j, k] + c_k) with a slope of 0.2: its
    /// scores and its exact input gradient per row, in Double.
    struct Critic {
        let w: [Double], c: [Double], v: [Double], n: Int, k: Int
        func callAsFunction(_ x: [Double]) -> (scores: [Double], gradients: [Double]) {
            let b = x.count / n
            var scores = [Double](repeating: 0, count: b), gradients = [Double](repeating: 0, count: b * n)
            for row in 0..<b {
                for h in 0..<k {
                    var pre = c[h]
                    for j in 0..<n { pre += x[row * n + j] * w[j * k + h] }
                    scores[row] += v[h] * (pre > 0 ? pre : 0.2 * pre)
                    for j in 0..<n { gradients[row * n + j] += v[h] * (pre > 0 ? 1 : 0.2) * w[j * k + h] }
                }
            }
            return (scores, gradients)
        }
    }

    enum Variant { case right, perValue, overBatch, sigmoid, towardsZero, sum }

    /// P and dP/dg as the definition gives them (or as `variant`'s mistake does), with ε from `draws`.
    static func reference(_ real: [Double], _ fake: [Double], _ b: Int, _ n: Int, _ lambda: Double,
                          _ draws: () -> Float, _ critic: Critic, _ variant: Variant = .right) -> [Double] {
        var mixed = [Double](repeating: 0, count: b * n)
        for row in 0..<b {
            var e = Double(draws())
            for j in 0..<n {
                if variant == .perValue && j > 0 { e = Double(draws()) }
                mixed[row * n + j] = e * real[row * n + j] + (1 - e) * fake[row * n + j]
            }
        }
        var (scores, g) = critic(mixed)
        if variant == .sigmoid {
            for row in 0..<b {
                let s = 1 / (1 + exp(-scores[row]))
                for j in 0..<n { g[row * n + j] *= s * (1 - s) }
            }
        }
        var penalty = 0.0, dg = [Double](repeating: 0, count: b * n)
        let scale = variant == .sum ? 1 : 1 / Double(b)
        if variant == .overBatch {
            let norm = (g.reduce(0) { $0 + $1 * $1 } + 1e-12).squareRoot()
            return [lambda * (norm - 1) * (norm - 1)] + g.map { lambda * 2 * (norm - 1) / norm * $0 }
        }
        for row in 0..<b {
            let norm = ((0..<n).reduce(0.0) { $0 + g[row * n + $1] * g[row * n + $1] } + 1e-12).squareRoot()
            if variant == .towardsZero {
                penalty += lambda * norm * norm * scale
                for j in 0..<n { dg[row * n + j] = lambda * scale * 2 * g[row * n + j] }
            } else {
                penalty += lambda * (norm - 1) * (norm - 1) * scale
                for j in 0..<n { dg[row * n + j] = lambda * scale * 2 * (norm - 1) / norm * g[row * n + j] }
            }
        }
        return [penalty] + dg
    }

    public static func check(_ answer: ([Float], [Float], Int, Int, Float, () -> Float,
                                        ([Float]) -> (scores: [Float], gradients: [Float])) throws
        -> (penalty: Float, gradientOfGradient: [Float])) -> Verdict
    {
        judge {
            let cases: [(name: String, b: Int, n: Int, zero: Bool)] = [
                ("a batch of 4 examples of 6 values", 4, 6, false), ("a batch of 1", 1, 3, false),
                ("a critic whose weights are all 0, so g = 0", 3, 4, true),
            ]
            for (index, (name, b, n, zero)) in cases.enumerated() {
                let numbers = CheckNumbers(seed: 91 + UInt64(index)), k = 5, lambda: Float = 10
                let real = numbers.uniform(b * n), fake = numbers.uniform(b * n)
                let critic = Critic(w: numbers.uniform(n * k).doubles.map { zero ? 0 : $0 },
                                    c: numbers.uniform(k).doubles, v: numbers.uniform(k).doubles.map { zero ? 0 : $0 },
                                    n: n, k: k)
                func draws() -> () -> Float {                       // the same ε every time, drawn in turn
                    let rng = RandomGenerator(seed: 7 + UInt64(index))
                    return { rng.uniform() }
                }
                let yourDraws = draws()
                let (penalty, dg) = try answer(real, fake, b, n, lambda, yourDraws) { x in
                    let (s, g) = critic(x.doubles)
                    return (s.map(Float.init), g.map(Float.init))
                }
                func expected(_ variant: Variant) -> [Double] {
                    reference(real.doubles, fake.doubles, b, n, Double(lambda), draws(), critic, variant)
                }
                let right = expected(.right)
                let variants: [(Variant, Hint)] = [(.perValue, epsilonPerValue), (.overBatch, normOverBatch),
                                                   (.sigmoid, sigmoid), (.towardsZero, towardsZero), (.sum, sumNotMean)]
                let mistakes = (b > 1 && !zero ? variants : variants.filter { $0.0 != .overBatch && $0.0 != .sum })
                    .map { Mistake($0.1, expected($0.0)) }
                try expectClose("", [penalty] + dg, right, shape: [1 + b * n], how: "the definition",
                                tolerance: Tolerance(absolute: 1e-5, relative: 1e-3), mistakes: mistakes,
                                nonFinite: rootAtZero, context: name + ", λ 10",
                                where: { $0 == 0 ? "the penalty P" : "dP/dg\(position($0 - 1, in: [b, n]))" })
            }
            return "P and dP/dg match the definition (4 examples, 1 example, and a critic with g = 0)"
        }
    }
}
