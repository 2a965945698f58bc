/// An exponential moving average of a network's weights (Polyak averaging), kept beside the
/// weights that learn: after every step, average = d · average + (1 − d) · weight.
///
/// A diffusion model's weights jitter from step to step with the noise of its loss (every batch
/// draws other steps t and other noise); samples drawn with the average are steadier and better,
/// so sampling uses it (the DDPM paper: d = 0.9999; a short run: 0.999, a memory of about 1,000 steps).
public final class ExponentialMovingAverage {
    public let decay: Float
    let parameters: [Parameter]
    /// The averages, one per parameter, in the parameters' order (saved in checkpoints).
    public let averages: [Tensor]
    private let saved: [Tensor]

    public init(_ parameters: [Parameter], decay: Float = 0.999) {
        precondition(decay >= 0 && decay < 1, "the average's decay must be in [0, 1)")
        (self.parameters, self.decay) = (parameters, decay)
        averages = parameters.map { Tensor(copying: $0.value) }   // it starts at the first weights
        saved = parameters.map { Tensor(shape: $0.value.shape) }
    }

    /// average = d · average + (1 − d) · weight, for every value. `step`: how many steps the weights have
    /// taken (1 after the first); early on the decay is lowered to (1 + step) / (10 + step), so that the average
    /// forgets the random first weights quickly (after 2,000 steps at d = 0.999 they would still weigh 13%).
    public func update(step: Int? = nil) {
        let d = step.map { min(decay, Float(1 + $0) / Float(10 + $0)) } ?? decay
        for (average, parameter) in zip(averages, parameters) {
            let a = average.data, w = parameter.value.data
            for i in 0..<average.count { a[i] = d * a[i] + (1 - d) * w[i] }
        }
    }

    /// Runs `body` with the averages in the network's place, then puts the learning weights back.
    public func withAverages<T>(_ body: () throws -> T) rethrows -> T {
        for (keep, parameter) in zip(saved, parameters) { keep.copy(from: parameter.value) }
        for (average, parameter) in zip(averages, parameters) { parameter.value.copy(from: average) }
        defer { for (keep, parameter) in zip(saved, parameters) { parameter.value.copy(from: keep) } }
        return try body()
    }
}
