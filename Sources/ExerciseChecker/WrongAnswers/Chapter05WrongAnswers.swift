import Foundation

let chapter05WrongAnswers: [WrongAnswer] = [
    WrongAnswer("reparameterize-backward", "dσ/dlog σ² taken as σ", hint: "missing-half") {
        ReparameterizeBackwardCheck.check { dz, eps, lv in
            (dz, (0..<dz.count).map { dz[$0] * eps[$0] * exp(lv[$0] / 2) })
        }
    },
    WrongAnswer("reparameterize-backward", "log σ² treated as σ", hint: "sigma-not-log-variance") {
        ReparameterizeBackwardCheck.check { dz, eps, _ in (dz, zip(dz, eps).map { $0 * $1 }) }
    },
    WrongAnswer("reparameterize-backward", "σ² where σ belongs", hint: "variance-not-sigma") {
        ReparameterizeBackwardCheck.check { dz, eps, lv in
            (dz, (0..<dz.count).map { dz[$0] * eps[$0] * exp(lv[$0]) / 2 })
        }
    },
    WrongAnswer("reparameterize-backward", "dμ = dz · ε", hint: "mean-gradient") {
        ReparameterizeBackwardCheck.check { dz, eps, lv in
            (zip(dz, eps).map { $0 * $1 }, (0..<dz.count).map { dz[$0] * eps[$0] * exp(lv[$0] / 2) / 2 })
        }
    },
    WrongAnswer("reparameterize-backward", "both gradients negated", hint: "sign") {
        ReparameterizeBackwardCheck.check { dz, eps, lv in
            (dz.map { -$0 }, (0..<dz.count).map { -dz[$0] * eps[$0] * exp(lv[$0] / 2) / 2 })
        }
    },

    WrongAnswer("kl-gradient", "the 1/2 dropped", hint: "missing-half") {
        KLGradientCheck.check { mu, lv, b in (mu.map { 2 * $0 / Float(b) }, lv.map { (exp($0) - 1) / Float(b) }) }
    },
    WrongAnswer("kl-gradient", "summed over the batch", hint: "sum-not-mean") {
        KLGradientCheck.check { mu, lv, _ in (mu, lv.map { (exp($0) - 1) / 2 }) }
    },
    WrongAnswer("kl-gradient", "the 1 of d(log σ²) dropped", hint: "missing-log-term") {
        KLGradientCheck.check { mu, lv, b in (mu.map { $0 / Float(b) }, lv.map { exp($0) / 2 / Float(b) }) }
    },
    WrongAnswer("kl-gradient", "the minus sign of −1/2 lost", hint: "sign") {
        KLGradientCheck.check { mu, lv, b in (mu.map { -$0 / Float(b) }, lv.map { (1 - exp($0)) / 2 / Float(b) }) }
    },
]
