import Foundation

/// dx, dW and db written out as a learner would, with switches for the classic mistakes.
private func linearBackwardWith(transposeError: Bool = false, batchMean: Bool = false, sign: Float = 1)
    -> LinearBackwardCheck.Answer
{
    { x, w, dy, batch, inputs, outputs in
        var dx = [Float](repeating: 0, count: batch * inputs), dw = [Float](repeating: 0, count: inputs * outputs)
        var db = [Float](repeating: 0, count: outputs)
        for b in 0..<batch {
            for o in 0..<outputs {
                db[o] += sign * dy[b * outputs + o]
                for i in 0..<inputs {
                    // W read as if it were [Out, In] (the transposition forgotten).
                    let weight = transposeError ? w[o * inputs + i] : w[i * outputs + o]
                    dx[b * inputs + i] += sign * dy[b * outputs + o] * weight
                    dw[i * outputs + o] += sign * x[b * inputs + i] * dy[b * outputs + o]
                }
            }
        }
        if batchMean {
            dw = dw.map { $0 / Float(batch) }
            db = db.map { $0 / Float(batch) }
        }
        return (dx, dw, db)
    }
}

let chapter01WrongAnswers: [WrongAnswer] = [
    WrongAnswer("linear-backward", "dy times W, not W transposed", hint: "not-transposed") {
        LinearBackwardCheck.check(linearBackwardWith(transposeError: true))
    },
    WrongAnswer("linear-backward", "dW and db as batch means", hint: "batch-mean") {
        LinearBackwardCheck.check(linearBackwardWith(batchMean: true))
    },
    WrongAnswer("linear-backward", "every gradient negated", hint: "sign") {
        LinearBackwardCheck.check(linearBackwardWith(sign: -1))
    },
    WrongAnswer("linear-backward", "a loop one past the end", hint: nil, status: .crashed) {
        LinearBackwardCheck.check { x, w, dy, batch, inputs, outputs in
            var dx = [Float](repeating: 0, count: batch * inputs)
            for b in 0..<batch {
                for i in 0...inputs {   // 0...inputs: one too many
                    for o in 0..<outputs { dx[b * inputs + i] += dy[b * outputs + o] * w[i * outputs + o] }
                }
            }
            return (dx, [], [])
        }
    },
    WrongAnswer("linear-backward", "a loop that never ends", hint: nil, status: .timedOut) {
        LinearBackwardCheck.check { x, w, dy, batch, inputs, outputs in
            var dx = [Float](repeating: 0, count: batch * inputs)
            var i = 0
            while i < inputs {   // i is never increased
                for b in 0..<batch { dx[b * inputs + i] = dy[b * outputs] * w[i * outputs] }
            }
            return (dx, [], [])
        }
    },

    WrongAnswer("sigmoid-backward", "the (1 − y) forgotten", hint: "missing-one-minus-y") {
        SigmoidBackwardCheck.check { y, dy in zip(y, dy).map { $1 * $0 } }
    },
    WrongAnswer("sigmoid-backward", "σ applied to y again", hint: "applied-twice") {
        SigmoidBackwardCheck.check { y, dy in
            zip(y, dy).map { y, dy in let s = 1 / (1 + exp(-y)); return dy * s * (1 - s) }
        }
    },
    WrongAnswer("sigmoid-backward", "dy forgotten", hint: "chain-rule") {
        SigmoidBackwardCheck.check { y, _ in y.map { $0 * (1 - $0) } }
    },
    WrongAnswer("sigmoid-backward", "the gradient negated", hint: "sign") {
        SigmoidBackwardCheck.check { y, dy in zip(y, dy).map { -$1 * $0 * (1 - $0) } }
    },

    WrongAnswer("adam-update", "no bias correction", hint: "no-bias-correction") {
        AdamCheck.check(adamWith(biasCorrection: false))
    },
    WrongAnswer("adam-update", "ε under the square root", hint: "epsilon-inside-root") {
        AdamCheck.check(adamWith(epsilonInside: true))
    },
    WrongAnswer("adam-update", "v averages g, not g²", hint: "v-not-squared") {
        AdamCheck.check(adamWith(square: false))
    },
    WrongAnswer("adam-update", "w += instead of w −=", hint: "ascends") {
        AdamCheck.check(adamWith(direction: 1))
    },
    WrongAnswer("adam-update", "weight decay left out", hint: "weight-decay-ignored") {
        AdamCheck.check(adamWith(decay: false))
    },
]

/// Adam as the paper writes it (m̂, v̂), with switches for the classic mistakes.
private func adamWith(biasCorrection: Bool = true, epsilonInside: Bool = false, square: Bool = true,
                      direction: Float = -1, decay: Bool = true) -> AdamCheck.Answer {
    { w, grad, m, v, t, lr, beta1, beta2, eps, weightDecay in
        for i in 0..<w.count {
            let g = grad[i] + (decay ? weightDecay * w[i] : 0)
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * (square ? g * g : g)
            let mHat = biasCorrection ? m[i] / (1 - pow(beta1, Float(t))) : m[i]
            let vHat = biasCorrection ? v[i] / (1 - pow(beta2, Float(t))) : v[i]
            w[i] += direction * lr * mHat / (epsilonInside ? (vHat + eps).squareRoot() : vHat.squareRoot() + eps)
        }
    }
}
