import Exercises

/// One exercise: where it is, what it asks, and how it is judged.
public struct Exercise: Sendable {
    public let id: String
    /// "Chapter 1", "Appendix A": where its text is.
    public let chapter: String
    public let title: String
    /// The file the learner writes in, from the repository's root.
    public let file: String
    /// Judges the learner's function (in Sources/Exercises).
    public let check: @Sendable () -> Verdict
    /// How it is judged, in a few words (for the list).
    public let judgedBy: String
}

/// Every exercise of the book, in the order of the chapters.
public let exercises: [Exercise] = [
    Exercise(id: "linear-backward", chapter: "Chapter 1", title: "Linear layer's backward pass",
             file: "Chapter01/LinearBackward.swift", check: { LinearBackwardCheck.check(linearBackward) },
             judgedBy: "central differences"),
    Exercise(id: "sigmoid-backward", chapter: "Chapter 1", title: "Sigmoid's backward pass",
             file: "Chapter01/SigmoidBackward.swift", check: { SigmoidBackwardCheck.check(sigmoidBackward) },
             judgedBy: "central differences"),
    Exercise(id: "adam-update", chapter: "Chapter 1", title: "One Adam update", file: "Chapter01/AdamUpdate.swift",
             check: { AdamCheck.check(adamUpdate) }, judgedBy: "the paper's formula"),
    Exercise(id: "tanh-backward", chapter: "Chapter 3", title: "Tanh's backward pass",
             file: "Chapter03/TanhBackward.swift", check: { TanhBackwardCheck.check(tanhBackward) },
             judgedBy: "central differences"),
    Exercise(id: "leaky-relu-backward", chapter: "Chapter 3", title: "LeakyReLU's backward pass",
             file: "Chapter03/LeakyReLUBackward.swift", check: { LeakyReLUBackwardCheck.check(leakyReLUBackward) },
             judgedBy: "central differences"),
    Exercise(id: "bce-logits", chapter: "Chapter 3", title: "Binary cross-entropy on logits, stable",
             file: "Chapter03/BinaryCrossEntropyOnLogits.swift",
             check: { BinaryCrossEntropyCheck.check(binaryCrossEntropyOnLogits) },
             judgedBy: "the definition, central differences"),
    Exercise(id: "discriminator-step", chapter: "Chapter 3", title: "D's training step",
             file: "Chapter03/DiscriminatorStep.swift", check: { DiscriminatorStepCheck.check(discriminatorStep) },
             judgedBy: "the library's step, same seed"),
    Exercise(id: "generator-step", chapter: "Chapter 3", title: "G's non-saturating step",
             file: "Chapter03/GeneratorStep.swift", check: { GeneratorStepCheck.check(generatorStep) },
             judgedBy: "the library's step, same seed"),
    Exercise(id: "reparameterize-backward", chapter: "Chapter 5", title: "The reparameterisation's backward pass",
             file: "Chapter05/ReparameterizeBackward.swift",
             check: { ReparameterizeBackwardCheck.check(reparameterizeBackward) }, judgedBy: "central differences"),
    Exercise(id: "kl-gradient", chapter: "Chapter 5", title: "The KL term's gradient",
             file: "Chapter05/KLDivergenceGradient.swift", check: { KLGradientCheck.check(klDivergenceGradient) },
             judgedBy: "central differences"),
    Exercise(id: "convolution-forward", chapter: "Chapter 6", title: "A naive convolution",
             file: "Chapter06/ConvolutionForward.swift", check: { ConvolutionForwardCheck.check(convolutionForward) },
             judgedBy: "the definition"),
    Exercise(id: "convolution-backward", chapter: "Chapter 6", title: "The convolution's backward pass",
             file: "Chapter06/ConvolutionBackward.swift",
             check: { ConvolutionBackwardCheck.check(convolutionBackward) }, judgedBy: "central differences"),
    Exercise(id: "transposed-convolution", chapter: "Chapter 6", title: "The transposed convolution",
             file: "Chapter06/TransposedConvolution.swift",
             check: { TransposedConvolutionCheck.check(transposedConvolution) }, judgedBy: "<conv(x), y> = <x, convᵀ(y)>"),
    Exercise(id: "batchnorm-backward", chapter: "Chapter 6", title: "Batch normalisation's backward pass",
             file: "Chapter06/BatchNormBackward.swift", check: { BatchNormBackwardCheck.check(batchNormBackward) },
             judgedBy: "central differences"),
    Exercise(id: "gradient-penalty", chapter: "Chapter 7", title: "Find the bug in this gradient penalty",
             file: "Chapter07/GradientPenalty.swift", check: { GradientPenaltyCheck.check(gradientPenalty) },
             judgedBy: "the definition, an exact critic"),
    Exercise(id: "ddim-step", chapter: "Chapter 8", title: "One DDIM step", file: "Chapter08/DDIMStep.swift",
             check: { DDIMStepCheck.check(ddimStep) }, judgedBy: "the formulas, the paper's schedule"),
    Exercise(id: "softmax-cross-entropy", chapter: "Appendix A", title: "Softmax cross-entropy, stable",
             file: "AppendixA/SoftmaxCrossEntropy.swift",
             check: { SoftmaxCrossEntropyCheck.check(softmaxCrossEntropy) }, judgedBy: "the definition, central differences"),
    Exercise(id: "minibatch-deviation", chapter: "Appendix C", title: "Minibatch standard deviation",
             file: "AppendixC/MinibatchDeviation.swift",
             check: { MinibatchDeviationCheck.check(minibatchDeviation) }, judgedBy: "the definition"),
]

/// The exercise with this id, or an error that lists them.
public func exercise(_ id: String) throws -> Exercise {
    guard let found = exercises.first(where: { $0.id == id }) else {
        throw CheckerError("there is no exercise \"\(id)\"; `swift run exercises` lists them: "
                           + exercises.map(\.id).joined(separator: ", "))
    }
    return found
}

/// An error of the checker's own (not of an answer).
public struct CheckerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
