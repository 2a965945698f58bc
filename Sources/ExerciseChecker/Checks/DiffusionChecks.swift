import Foundation
import Models

// Chapter 8: the step that turns a noise predictor into a sampler.

/// `ddim-step`: against the formulas, in Double, on the linear schedule's ᾱ at four pairs of steps.
public enum DDIMStepCheck {
    public static let squareRoots = Hint(
        "square-roots",
        "x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε: the weights are the square roots of ᾱ and of 1 − ᾱ (the variances add to "
            + "1, not the weights).")
    public static let noiseDropped = Hint(
        "noise-dropped",
        "x_s is not the clean estimate itself: DDIM puts x̂_0 back at the noise level of s, and ε̂ is the noise it "
            + "uses: √(1 − ᾱ_s) ε̂ belongs in x_s.")
    public static let wrongLevel = Hint(
        "wrong-level",
        "Two levels meet in one step: x̂_0 is recovered with t's ᾱ (x_t was made with it), and x_s is made with "
            + "s's. Check which ᾱ each half uses.")
    public static let sign = Hint(
        "sign", "x_0 = (x_t − √(1 − ᾱ_t) ε) / √ᾱ_t: to undo the noise, subtract it.")

    public static func check(_ answer: ([Float], [Float], Float, Float) throws -> [Float]) -> Verdict {
        judge {
            let alphaBars = NoiseSchedule(.linear, steps: 1000).alphaBars
            for (index, (t, s)) in [(800, 780), (500, 400), (60, 40), (20, 0)].enumerated() {
                let numbers = CheckNumbers(seed: 81 + UInt64(index))
                let x = numbers.uniform(10, -2, 2), eps = numbers.uniform(10, -2, 2)
                let (at, as_) = (alphaBars[t - 1], s == 0 ? 1 : alphaBars[s - 1])
                func step(_ cleanAlpha: Double, _ nextAlpha: Double, root: Bool = true, noise: Bool = true,
                          sign: Double = 1) -> [Double] {
                    func r(_ v: Double) -> Double { root ? v.squareRoot() : v }
                    return zip(x.doubles, eps.doubles).map { x, e in
                        let clean = (x - sign * r(1 - cleanAlpha) * e) / r(cleanAlpha)
                        return r(nextAlpha) * clean + (noise ? r(1 - nextAlpha) * e : 0)
                    }
                }
                let got = try answer(x, eps, Float(at), Float(as_))
                try expectClose("x_s", got, step(at, as_), shape: [10], how: "DDIM's step from t to s",
                                tolerance: Tolerance(absolute: 1e-4, relative: 1e-4),
                                mistakes: [Mistake(squareRoots, step(at, as_, root: false)),
                                           Mistake(noiseDropped, step(at, as_, noise: false)),
                                           Mistake(wrongLevel, x.doubles),   // one ᾱ for both halves: x_t back
                                           Mistake(wrongLevel, step(as_, at)), Mistake(sign, step(at, as_, sign: -1))],
                                context: "t = \(t), s = \(s): ᾱ_t = \(Float(at)), ᾱ_s = \(Float(as_))")
            }
            return "x_s matches DDIM's step at four pairs of steps (t = 800 to 780, 500 to 400, 60 to 40, 20 to 0)"
        }
    }
}
