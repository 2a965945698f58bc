import Backprop

// The chapters' training steps as one call each, for the benchmark and the tests. The chapters
// write the same steps out line by line in their main.swift (that is the lesson); a test trains
// a chapter program and these steps side by side and checks that they give the same weights, bit
// for bit, so that `bench` times exactly what a chapter runs.

/// Chapters 1 and 2: reconstruct `target` from `input` (the same batch in chapter 1, a damaged
/// copy in chapter 2) under the mean squared error, one optimiser step.
public final class AutoencoderStep {
    public let model: Layer
    public let optimizer: Optimizer
    let loss = MSELoss()

    public init(model: Layer, optimizer: Optimizer) {
        self.model = model
        self.optimizer = optimizer
    }

    /// One step; returns the batch's loss.
    public func callAsFunction(input: Tensor, target: Tensor) -> Float {
        optimizer.zeroGradients()
        let value = loss.forward(model.forward(input), target)
        _ = model.backward(loss.backward())
        optimizer.step()
        return value
    }
}

/// The numbers one GAN step reports: (D loss, G loss, mean D(x), mean D(G(z))).
public typealias GANStepResult = (discriminatorLoss: Double, generatorLoss: Double, realScore: Double, fakeScore: Double)

/// Chapter 3: D learns on real digits (target `realLabel`) and on fresh fakes, `discriminatorSteps`
/// times; then G learns, through a frozen D, from another fresh batch of z.
public final class DigitsGANStep {
    public let generator: Layer, discriminator: Layer
    public let generatorOptimizer: Optimizer, discriminatorOptimizer: Optimizer
    public let latent: Latent, latentSize: Int, realLabel: Float, discriminatorSteps: Int
    let rng: RandomGenerator
    let bce = BCEWithLogitsLoss()
    let z = Tensor(shape: [0]), realTargets = Tensor(shape: [0]), fakeTargets = Tensor(shape: [0]), generatorTargets = Tensor(shape: [0])

    public init(generator: Layer, discriminator: Layer, generatorOptimizer: Optimizer, discriminatorOptimizer: Optimizer,
                latent: Latent, latentSize: Int, realLabel: Float, discriminatorSteps: Int, rng: RandomGenerator) {
        self.generator = generator
        self.discriminator = discriminator
        self.generatorOptimizer = generatorOptimizer
        self.discriminatorOptimizer = discriminatorOptimizer
        self.latent = latent
        self.latentSize = latentSize
        self.realLabel = realLabel
        self.discriminatorSteps = discriminatorSteps
        self.rng = rng
    }

    public func callAsFunction(real: Tensor) -> GANStepResult {
        let b = real.rows
        realTargets.reshape(to: [b, 1]); realTargets.fill(realLabel)
        fakeTargets.reshape(to: [b, 1]); fakeTargets.fill(0)
        generatorTargets.reshape(to: [b, 1]); generatorTargets.fill(1)
        discriminator.isFrozen = false
        discriminator.needsInputGradient = false
        var dLoss = 0.0, realScore = 0.0, fakeScore = 0.0
        for _ in 0..<discriminatorSteps {
            discriminatorOptimizer.zeroGradients()
            let realLogits = discriminator.forward(real)
            realScore = meanProbability(realLogits)
            dLoss = Double(bce.forward(realLogits, realTargets))
            _ = discriminator.backward(bce.backward())
            latent.sample(z, count: b, size: latentSize, using: rng)
            let fakeLogits = discriminator.forward(generator.forward(z))
            fakeScore = meanProbability(fakeLogits)
            dLoss += Double(bce.forward(fakeLogits, fakeTargets))
            _ = discriminator.backward(bce.backward())
            discriminatorOptimizer.step()
        }
        discriminator.isFrozen = true
        discriminator.needsInputGradient = true
        generatorOptimizer.zeroGradients()
        latent.sample(z, count: b, size: latentSize, using: rng)
        let gLoss = Double(bce.forward(discriminator.forward(generator.forward(z)), generatorTargets))
        _ = generator.backward(discriminator.backward(bce.backward()))
        generatorOptimizer.step()
        return (dLoss, gLoss, realScore, fakeScore)
    }
}

/// Chapter 4: D learns with the loss (real + fake) / 2, labels 1 and 0; G then learns from the
/// same fakes through a frozen D (no second pass through G). With `discriminatorLossWeight` 1, D's
/// loss is real + fake, as `torch_ref.py dcgan` (chapter 6's networks in bench) has it.
public final class FacesGANStep {
    public let generator: Layer, discriminator: Layer
    public let generatorOptimizer: Optimizer, discriminatorOptimizer: Optimizer
    public let latentSize: Int
    let rng: RandomGenerator
    let bce = BCEWithLogitsLoss()
    let z = Tensor(shape: [0]), realTargets = Tensor(shape: [0]), fakeTargets = Tensor(shape: [0])

    public let discriminatorLossWeight: Float

    public init(generator: Layer, discriminator: Layer, generatorOptimizer: Optimizer, discriminatorOptimizer: Optimizer,
                latentSize: Int, discriminatorLossWeight: Float = 0.5, rng: RandomGenerator) {
        self.discriminatorLossWeight = discriminatorLossWeight
        self.generator = generator
        self.discriminator = discriminator
        self.generatorOptimizer = generatorOptimizer
        self.discriminatorOptimizer = discriminatorOptimizer
        self.latentSize = latentSize
        self.rng = rng
    }

    public func callAsFunction(real: Tensor) -> GANStepResult {
        let b = real.rows
        realTargets.reshape(to: [b, 1]); realTargets.fill(1)
        fakeTargets.reshape(to: [b, 1]); fakeTargets.fill(0)
        discriminator.isFrozen = false
        discriminator.needsInputGradient = false
        discriminatorOptimizer.zeroGradients()
        let realLogits = discriminator.forward(real)
        let realScore = meanProbability(realLogits)
        var dLoss = Double(bce.forward(realLogits, realTargets, weight: discriminatorLossWeight))
        _ = discriminator.backward(bce.backward())
        z.reshape(to: [b, latentSize])
        z.fillNormal(using: rng)
        let fake = generator.forward(z)
        let fakeLogits = discriminator.forward(fake)
        let fakeScore = meanProbability(fakeLogits)
        dLoss += Double(bce.forward(fakeLogits, fakeTargets, weight: discriminatorLossWeight))
        _ = discriminator.backward(bce.backward())
        discriminatorOptimizer.step()
        discriminator.isFrozen = true
        discriminator.needsInputGradient = true
        generatorOptimizer.zeroGradients()
        let gLoss = Double(bce.forward(discriminator.forward(fake), realTargets))
        _ = generator.backward(discriminator.backward(bce.backward()))
        generatorOptimizer.step()
        return (dLoss, gLoss, realScore, fakeScore)
    }
}

/// The mean of sigmoid(logit) over a batch: D's average probability that these images are real.
public func meanProbability(_ logits: Tensor) -> Double {
    (0..<logits.count).reduce(0.0) { $0 + Double(sigmoid(logits[$1])) } / Double(logits.count)
}

/// Chapter 5: one step of the variational autoencoder. Encode, sample z = μ + σ·ε, decode; the
/// loss is the reconstruction (binary cross-entropy summed over the pixels) plus β times the KL
/// divergence, both per image; back through both paths into μ and log σ², then the encoder.
public final class VAEStep {
    public let vae: VariationalAutoencoder
    public let optimizer: Optimizer
    public let beta: Float
    let bce = BCEWithLogitsLoss(), kl = KLDivergenceLoss()

    public init(vae: VariationalAutoencoder, optimizer: Optimizer, beta: Float) {
        self.vae = vae
        self.optimizer = optimizer
        self.beta = beta
    }

    /// One step on images in [0, 1] and their one-hot labels (read only when conditional).
    public func callAsFunction(images x: Tensor, labels: Tensor) -> VAELoss {
        optimizer.zeroGradients()
        let loss = gradients(images: x, labels: labels)
        optimizer.step()
        return loss
    }

    /// The forward pass alone: the batch's loss.
    public func loss(images x: Tensor, labels: Tensor) -> VAELoss {
        let h = vae.encoder.forward(vae.encoderInput(x, labels: labels))
        let mean = vae.meanHead.forward(h), logVariance = vae.logVarianceHead.forward(h)
        let z = vae.sampler.forward(mean: mean, logVariance: logVariance)
        let logits = vae.decoder.forward(vae.decoderInput(z, labels: labels))
        let reconstruction = bce.forward(logits, x, weight: Float(vae.imageSize))
        _ = kl.forward(mean: mean, logVariance: logVariance, weight: beta)
        return (Double(reconstruction), Double(kl.divergence), Double(reconstruction) + Double(beta) * Double(kl.divergence))
    }

    /// Forward and backward: adds the loss's gradient into every parameter's, and returns the loss.
    public func gradients(images x: Tensor, labels: Tensor) -> VAELoss {
        let value = loss(images: x, labels: labels)
        let dz = vae.codeGradient(vae.decoder.backward(bce.backward()))
        let (dMean, dLogVariance) = vae.sampler.backward(dz)
        let fromKL = kl.backward()
        dMean.add(fromKL.mean)
        dLogVariance.add(fromKL.logVariance)
        let dh = vae.meanHead.backward(dMean)
        dh.add(vae.logVarianceHead.backward(dLogVariance))
        _ = vae.encoder.backward(dh)
        return value
    }
}
