import Foundation

/// `adam-update`: three steps from the same start, each against the update as the paper defines
/// it (m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t), w −= lr · m̂ / (√v̂ + ε)), computed in Double.
public enum AdamCheck {
    public typealias Answer = (inout [Float], [Float], inout [Float], inout [Float], Int, Float, Float, Float, Float,
                               Float) throws -> Void

    public static let biasCorrection = Hint(
        "no-bias-correction",
        "m and v start at 0, so after a few steps they are far smaller than the gradients they average. "
            + "The paper corrects for that start; without it the first steps are too short.")
    public static let epsilonPlace = Hint(
        "epsilon-inside-root",
        "ε keeps the division safe; it is added to the root of v̂, not under it. The difference shows when "
            + "gradients are tiny.")
    public static let notSquared = Hint(
        "v-not-squared", "v is a running average of the *squared* gradient: the scale of the steps, not their direction.")
    public static let ascends = Hint(
        "ascends", "The update must go downhill: against the gradient.")
    public static let decay = Hint(
        "weight-decay-ignored", "Weight decay adds weightDecay · w to the gradient before anything else.")

    struct Settings { let lr: Float = 0.01, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, decay: Float = 0.01 }

    /// Three updates in Double; `variant` bends the formula the way a known mistake does.
    static func reference(_ w0: [Float], _ grads: [[Float]], _ s: Settings, variant: String = "") -> [[Double]] {
        var w = w0.doubles, m = [Double](repeating: 0, count: w0.count), v = m
        let (lr, b1, b2, eps) = (Double(s.lr), Double(s.beta1), Double(s.beta2), Double(s.eps))
        var after: [[Double]] = []
        for (step, grad) in grads.enumerated() {
            let t = Double(step + 1)
            for i in 0..<w.count {
                let g = Double(grad[i]) + (variant == "decay" ? 0 : Double(s.decay) * w[i])
                m[i] = b1 * m[i] + (1 - b1) * g
                v[i] = b2 * v[i] + (1 - b2) * (variant == "square" ? g : g * g)
                let (mHat, vHat) = variant == "bias" ? (m[i], v[i]) : (m[i] / (1 - pow(b1, t)), v[i] / (1 - pow(b2, t)))
                let update = lr * mHat / (variant == "epsilon" ? (vHat + eps).squareRoot() : vHat.squareRoot() + eps)
                w[i] += variant == "ascend" ? update : -update
            }
            after.append(w)
        }
        return after
    }

    public static func check(_ answer: Answer) -> Verdict {
        judge {
            let numbers = CheckNumbers(seed: 13), s = Settings()
            let cases: [(String, Int, Float)] = [("10 weights", 10, 1), ("tiny gradients (1e-5)", 6, 1e-5),
                                                 ("one weight", 1, 1)]
            for (name, n, scale) in cases {
                let w0 = numbers.uniform(n)
                let grads = (0..<3).map { _ in numbers.uniform(n).map { $0 * scale } }
                let expected = reference(w0, grads, s)
                let variants = [("bias", biasCorrection), ("epsilon", epsilonPlace), ("square", notSquared),
                                ("ascend", ascends), ("decay", decay)].map { ($0.1, reference(w0, grads, s, variant: $0.0)) }
                var w = w0, m = [Float](repeating: 0, count: n), v = m
                for step in 0..<3 {
                    try answer(&w, grads[step], &m, &v, step + 1, s.lr, s.beta1, s.beta2, s.eps, s.decay)
                    try expectClose("w after step \(step + 1)", w, expected[step], shape: [n], how: "the paper's update",
                                    tolerance: Tolerance(absolute: 1e-6, relative: 1e-5),
                                    mistakes: variants.map { Mistake($0.0, $0.1[step]) }, nonFinite: notSquared,
                                    context: "\(name); lr 0.01, β1 0.9, β2 0.999, ε 1e-8, weight decay 0.01")
                }
            }
            return "three steps match the paper's update (10 weights, tiny gradients, one weight)"
        }
    }
}
