import Foundation

// The two cross-entropies: on logits with binary targets (chapter 3's D) and of a softmax over
// classes (appendix A's classifier). Forward against the definition computed stably in Double,
// backward against central differences of that definition, on ordinary and on extreme logits.

private let meanNotSum = Hint(
    "sum-not-mean",
    "The loss is a mean over the values, so each value's gradient carries a factor 1/N. A sum makes the "
        + "loss, and every step, grow with the batch size.")
private let sign = Hint("sign", "The gradient points uphill: the direction in which the loss grows. Check its sign.")

/// `bce-logits`.
public enum BinaryCrossEntropyCheck {
    public static let overflow = Hint(
        "overflow",
        "At logits of ±100, e^100 is beyond a Float (its largest is about 3.4e38) and σ(100) rounds to exactly 1, "
            + "so log(1 − σ) is log 0. Rearrange the loss so that e is only raised to powers ≤ 0 and no log is "
            + "taken of something that can round to 0.")

    /// The loss of one value, stably: max(z, 0) − z t + log(1 + e^−|z|).
    static func term(_ z: Double, _ t: Double) -> Double { max(z, 0) - z * t + log1p(exp(-abs(z))) }

    public static func check(_ answer: ([Float], [Float]) throws -> (loss: Float, gradient: [Float])) -> Verdict {
        judge {
            let numbers = CheckNumbers(seed: 11)
            let cases: [(String, [Float], [Float])] = [
                ("16 logits in [−5, 5]", numbers.uniform(16, -5, 5), numbers.uniform(16, 0, 1)),
                ("one logit", [0.7], [0.9]),
                ("logits of ±100", [100, -100, 100, -100, 30, -30], [1, 0, 0, 1, 0.9, 0.9]),
            ]
            for (name, z, t) in cases {
                let n = Double(z.count), td = t.doubles
                func loss(_ z: [Double]) -> Double { zip(z, td).reduce(0) { $0 + term($1.0, $1.1) } / n }
                let expected = loss(z.doubles)
                let gradient = centralDifferences(z.doubles, loss)
                let got = try answer(z, t)
                try expectClose("the loss", got.loss, expected, how: "the definition",
                                mistakes: [Mistake(meanNotSum, [expected * n])], nonFinite: overflow, context: name)
                try expectClose("dz", got.gradient, gradient, shape: [z.count], how: "central difference",
                                mistakes: [Mistake(meanNotSum, gradient.map { $0 * n }),
                                           Mistake(sign, gradient.map { -$0 })],
                                nonFinite: overflow, context: name)
            }
            return "the loss and dz match the definition and central differences (16 logits, one, and ±100)"
        }
    }
}

/// `softmax-cross-entropy`.
public enum SoftmaxCrossEntropyCheck {
    public static let overflow = Hint(
        "overflow",
        "e^z overflows a Float beyond z ≈ 88. A softmax does not change if the same number is subtracted from "
            + "every logit of a row: choose one that keeps every power ≤ 0.")
    public static let oneHot = Hint(
        "missing-one-hot",
        "−log p_label depends on z_label twice: through the softmax's sum, like every logit, and directly. "
            + "The direct path gives the label's logit a gradient that the others do not get.")

    public static func check(_ answer: ([Float], [Int], Int) throws -> (loss: Float, gradient: [Float])) -> Verdict {
        judge {
            let numbers = CheckNumbers(seed: 12)
            let cases: [(String, [Float], [Int], Int)] = [
                ("4 rows of 10 classes", numbers.uniform(40, -3, 3), [3, 0, 9, 3], 10),
                ("one row", [0.5, -1, 2], [2], 3),
                ("logits of ±200", [200, -200, 0, 150, 210, -5], [0, 2], 3),
            ]
            for (name, z, labels, classes) in cases {
                let rows = Double(labels.count)
                func loss(_ z: [Double]) -> Double {
                    var sum = 0.0
                    for (r, label) in labels.enumerated() {
                        let row = z[r * classes..<(r + 1) * classes], largest = row.max()!
                        sum += largest + log(row.reduce(0) { $0 + exp($1 - largest) }) - z[r * classes + label]
                    }
                    return sum / rows
                }
                let expected = loss(z.doubles)
                let gradient = centralDifferences(z.doubles, loss)
                let withoutOneHot = gradient.enumerated().map { index, g in
                    labels[index / classes] == index % classes ? g + 1 / rows : g
                }
                let got = try answer(z, labels, classes)
                try expectClose("the loss", got.loss, expected, how: "the definition",
                                mistakes: [Mistake(meanNotSum, [expected * rows])], nonFinite: overflow, context: name)
                try expectClose("dz", got.gradient, gradient, shape: [labels.count, classes], how: "central difference",
                                mistakes: [Mistake(oneHot, withoutOneHot), Mistake(meanNotSum, gradient.map { $0 * rows }),
                                           Mistake(sign, gradient.map { -$0 })], nonFinite: overflow, context: name)
            }
            return "the loss and dz match the definition and central differences (4 rows, one row, logits of ±200)"
        }
    }
}
