import Foundation

/// The softmax cross-entropy with switches for the classic mistakes.
private func softmaxWith(stable: Bool = true, oneHot: Bool = true, sum: Bool = false, sign: Float = 1)
    -> ([Float], [Int], Int) throws -> (loss: Float, gradient: [Float])
{
    { z, labels, classes in
        var gradient = [Float](repeating: 0, count: z.count)
        var loss: Float = 0
        let scale: Float = sum ? 1 : 1 / Float(labels.count)
        for (r, label) in labels.enumerated() {
            let row = Array(z[r * classes..<(r + 1) * classes]), largest = stable ? row.max()! : 0
            let e = row.map { exp($0 - largest) }, total = e.reduce(0, +)
            loss -= log(e[label] / total)
            for k in 0..<classes {
                gradient[r * classes + k] = sign * scale * (e[k] / total - (oneHot && k == label ? 1 : 0))
            }
        }
        return (loss * scale, gradient)
    }
}

/// The minibatch deviation with switches for the classic mistakes.
private func deviationWith(unbiased: Bool = false, overFeatures: Bool = false, rootLast: Bool = false,
                           epsilon useEpsilon: Bool = true) -> ([Float], Int, Int, Float) throws -> [Float] {
    { x, batch, features, epsilon in
        let eps = useEpsilon ? epsilon : 0
        var perRow = [Float](repeating: 0, count: batch)
        if overFeatures {
            for b in 0..<batch {
                let row = x[b * features..<(b + 1) * features], mean = row.reduce(0, +) / Float(features)
                perRow[b] = (row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(features) + eps).squareRoot()
            }
        } else {
            var s: Float = 0
            for f in 0..<features {
                let column = (0..<batch).map { x[$0 * features + f] }, mean = column.reduce(0, +) / Float(batch)
                let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(unbiased ? batch - 1 : batch)
                s += rootLast ? variance : (variance + eps).squareRoot()
            }
            s /= Float(features)
            if rootLast { s = (s + eps).squareRoot() }
            perRow = [Float](repeating: s, count: batch)
        }
        var y = [Float]()
        for b in 0..<batch { y += x[b * features..<(b + 1) * features] + [perRow[b]] }
        return y
    }
}

let appendixWrongAnswers: [WrongAnswer] = [
    WrongAnswer("softmax-cross-entropy", "e^z without subtracting the largest", hint: "overflow") {
        SoftmaxCrossEntropyCheck.check(softmaxWith(stable: false))
    },
    WrongAnswer("softmax-cross-entropy", "p, not p − onehot", hint: "missing-one-hot") {
        SoftmaxCrossEntropyCheck.check(softmaxWith(oneHot: false))
    },
    WrongAnswer("softmax-cross-entropy", "a sum over the rows, not a mean", hint: "sum-not-mean") {
        SoftmaxCrossEntropyCheck.check(softmaxWith(sum: true))
    },
    WrongAnswer("softmax-cross-entropy", "the gradient negated", hint: "sign") {
        SoftmaxCrossEntropyCheck.check(softmaxWith(sign: -1))
    },
    WrongAnswer("minibatch-deviation", "the variance divided by B − 1", hint: "unbiased-variance") {
        MinibatchDeviationCheck.check(deviationWith(unbiased: true))
    },
    WrongAnswer("minibatch-deviation", "a deviation per example, over its features", hint: "wrong-axis") {
        MinibatchDeviationCheck.check(deviationWith(overFeatures: true))
    },
    WrongAnswer("minibatch-deviation", "the root of the mean variance", hint: "mean-of-variances") {
        MinibatchDeviationCheck.check(deviationWith(rootLast: true))
    },
    WrongAnswer("minibatch-deviation", "no ε under the root", hint: "epsilon-missing") {
        MinibatchDeviationCheck.check(deviationWith(epsilon: false))
    },
]
