import Backprop

// The training step of chapter 8's diffusion model (Ho, Jain and Abbeel 2020, the "simplified"
// loss), and the one bench times: make a noisy image at a random step t in one jump, ask the
// network for the noise in it, and let it learn from the squared error.

public final class DiffusionStep {
    public let network: UNet, schedule: NoiseSchedule, optimizer: Adam, average: ExponentialMovingAverage
    /// Conditional: how often the label is dropped (a row of zeros), so that the one network also learns to
    /// predict without it, which classifier-free guidance needs at sampling time.
    public let labelDropout: Float
    let rng: RandomGenerator, loss = MSELoss()
    let noise = Tensor(shape: [0]), noisy = Tensor(shape: [0])
    private var steps: [Int] = []

    public init(network: UNet, schedule: NoiseSchedule, learningRate: Float = 2e-4, averageDecay: Float = 0.999,
                labelDropout: Float = 0.1, rng: RandomGenerator) {
        (self.network, self.schedule, self.rng, self.labelDropout) = (network, schedule, rng, labelDropout)
        optimizer = Adam(network.parameters, learningRate: learningRate)
        average = ExponentialMovingAverage(network.parameters, decay: averageDecay)
    }

    /// One step on clean images x_0 [B, S·S] in [−1, 1] (and, for a conditional network, their digits one-hot
    /// [B, 10]); returns the mean squared error.
    public func callAsFunction(images x0: Tensor, labels: Tensor? = nil) -> Double {
        let b = x0.rows
        if network.isConditional, let labels {                           // y, dropped 10% of the time: "no digit"
            network.labels.copy(from: labels)
            for i in 0..<b where rng.uniform() < labelDropout { for k in 0..<10 { network.labels[i, k] = 0 } }
        }
        // region: the step
        if steps.count != b { steps = [Int](repeating: 1, count: b) }
        for i in 0..<b { steps[i] = 1 + min(Int(rng.uniform() * Float(schedule.steps)), schedule.steps - 1) }  // t ~ U{1..T}
        noise.reshape(to: x0.shape)
        noise.fillNormal(using: rng)                                      // ε ~ N(0, 1): [B, S·S]
        schedule.noisy(x0, noise: noise, at: steps, into: noisy)         // x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε
        optimizer.zeroGradients()
        network.steps = steps
        let predicted = network.forward(noisy)                           // ε̂ = network(x_t, t): [B, S·S]
        let error = loss.forward(predicted, noise)                       // mean (ε̂ − ε)²
        _ = network.backward(loss.backward())
        optimizer.step()
        average.update(step: optimizer.stepCount)                        // the weights sampling will use
        // endregion
        return Double(error)
    }
}
