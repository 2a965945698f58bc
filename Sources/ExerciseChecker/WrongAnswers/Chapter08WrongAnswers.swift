import Foundation

/// DDIM's step as a learner writes it, with switches for the classic slips.
private func ddimStepWith(roots: Bool = true, noise: Bool = true, cleanWithS: Bool = false, nextWithT: Bool = false,
                          plus: Bool = false) -> ([Float], [Float], Float, Float) throws -> [Float] {
    { x, eps, alphaBarT, alphaBarS in
        func r(_ v: Float) -> Float { roots ? v.squareRoot() : v }
        let cleanAlpha = cleanWithS ? alphaBarS : alphaBarT, nextAlpha = nextWithT ? alphaBarT : alphaBarS
        return (0..<x.count).map { i in
            let clean = (x[i] + (plus ? 1 : -1) * r(1 - cleanAlpha) * eps[i]) / r(cleanAlpha)
            return r(nextAlpha) * clean + (noise ? r(1 - nextAlpha) * eps[i] : 0)
        }
    }
}

let chapter08WrongAnswers: [WrongAnswer] = [
    WrongAnswer("ddim-step", "ᾱ where √ᾱ belongs", hint: "square-roots") { DDIMStepCheck.check(ddimStepWith(roots: false)) },
    WrongAnswer("ddim-step", "x_s = √ᾱ_s x̂_0, the noise left out", hint: "noise-dropped") {
        DDIMStepCheck.check(ddimStepWith(noise: false))
    },
    WrongAnswer("ddim-step", "x_s made with t's ᾱ (x_t comes back)", hint: "wrong-level") {
        DDIMStepCheck.check(ddimStepWith(nextWithT: true))
    },
    WrongAnswer("ddim-step", "the two ᾱ swapped", hint: "wrong-level") {
        DDIMStepCheck.check(ddimStepWith(cleanWithS: true, nextWithT: true))
    },
    WrongAnswer("ddim-step", "the noise added to undo it", hint: "sign") { DDIMStepCheck.check(ddimStepWith(plus: true)) },
]
