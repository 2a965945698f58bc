import Backprop
import Foundation
import Testing
@testable import Workbook

/// The one training loop, in process: it throws instead of ending the program, checkpoints any
/// optimiser, and resumes bit for bit.
@Suite("The training loop", .serialized)
struct TrainingLoopTests {
    struct Record: Codable, Equatable { var epoch: Int; var loss: Double }

    /// A tiny regression (y = x · w) trained with SGD and momentum on 40 fixed examples.
    final class Setup {
        let rng = RandomGenerator(seed: 4)
        let model: Sequential
        let optimizer: SGD
        let loss = MSELoss()
        let inputs = Tensor(shape: [40, 3]), targets = Tensor(shape: [40, 1])
        let loop: TrainingLoop<TrainingLoss, Record>

        init(folder: URL, epochs: Int) throws {
            model = Sequential(Linear(3, 4, rng: rng), Tanh(), Linear(4, 1, rng: rng))
            optimizer = SGD(model.parameters, learningRate: 0.05, momentum: 0.9)
            let data = RandomGenerator(seed: 5)
            inputs.fillNormal(using: data)
            targets.fillNormal(using: data)
            let run = try Run(chapter: "loop-test", options: try RunOptions.parse(["--output-dir", folder.path, "--threads", "1"]))
            loop = TrainingLoop(run: run, rng: rng, configuration: ["lr": "0.05"], models: [("model", model)],
                                optimizers: [("sgd", optimizer)], examples: 40, batchSize: 8, epochs: epochs, curvePointsPerEpoch: 5)
        }

        /// Trains the loop's remaining epochs; `poison` makes the loss of that (epoch, step) not a number.
        func train(poison: (Int, Int)? = nil) throws {
            let x = Tensor(shape: [0]), y = Tensor(shape: [0])
            for epoch in loop.epochsToTrain {
                for step in loop.beginEpoch(epoch) {
                    let rows = Array(loop.batch(step))
                    x.reshape(to: [rows.count, 3]); y.reshape(to: [rows.count, 1])
                    for (i, row) in rows.enumerated() {
                        for j in 0..<3 { x[i, j] = inputs[row, j] }
                        y[i, 0] = targets[row, 0]
                    }
                    optimizer.zeroGradients()
                    var value = Double(loss.forward(model.forward(x), y))
                    _ = model.backward(loss.backward())
                    optimizer.step()
                    if let poison, poison == (epoch, step) { value = .nan }
                    try loop.endStep(step, TrainingLoss(value), weight: Double(rows.count))
                }
                try loop.endEpoch(Record(epoch: epoch, loss: loop.epochMeans.loss))
            }
        }
    }

    func folder(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("loop-\(ProcessInfo.processInfo.processIdentifier)-\(name)")
    }

    @Test func resumingWithSGDGivesTheUninterruptedRunBitForBit() throws {
        let straight = try Setup(folder: folder("straight"), epochs: 4)
        try straight.train()
        let first = try Setup(folder: folder("resumed"), epochs: 2)
        try first.train()
        let second = try Setup(folder: folder("resumed"), epochs: 4)
        try second.loop.resume()
        #expect(second.optimizer.stepCount == 10)   // two epochs of five steps, momentum and all
        try second.train()
        #expect(second.loop.history == straight.loop.history && second.loop.history.count == 4)
        for (a, b) in zip(straight.model.parameters, second.model.parameters) {
            #expect(a.value.values.map(\.bitPattern) == b.value.values.map(\.bitPattern))
        }
        #expect(second.loop.curves[0].points.map(\.y) == straight.loop.curves[0].points.map(\.y))

        // Nothing left to train: not an error, but the end of the run (status 0), said in a sentence.
        let third = try Setup(folder: folder("resumed"), epochs: 4)
        #expect(throws: RunEnded("The checkpoint has already trained 4 epochs; pass --epochs above 4 to continue.", status: 0)) {
            try third.loop.resume()
        }
    }

    @Test func aLossThatIsNotANumberStopsTheLoopWithAnError() throws {
        let setup = try Setup(folder: folder("nan"), epochs: 3)
        do {
            try setup.train(poison: (2, 3))
            Issue.record("a NaN loss did not stop the loop")
        } catch let error as WorkbookError {
            #expect(error.message.contains("training diverged in epoch 2, step 4: loss nan"), "\(error.message)")
            #expect(error.message.contains("end of epoch 1"), "\(error.message)")
        }
        #expect(setup.loop.history.count == 1)
    }

    @Test func resumingWithOtherSettingsIsRefused() throws {
        let setup = try Setup(folder: folder("settings"), epochs: 1)
        try setup.train()
        let run = try Run(chapter: "loop-test", options: try RunOptions.parse(["--output-dir", folder("settings").path]))
        let other = TrainingLoop<TrainingLoss, Record>(run: run, rng: RandomGenerator(seed: 4), configuration: ["lr": "0.1"],
                                                       models: [("model", setup.model)], optimizers: [("sgd", setup.optimizer)],
                                                       examples: 40, batchSize: 8, epochs: 2, curvePointsPerEpoch: 5)
        #expect(throws: WorkbookError.self) { try other.resume() }
        do { try other.resume() } catch let error as WorkbookError { #expect(error.message.contains("lr: checkpoint 0.05, now 0.1")) }
    }

    @Test func checkpointsKeepBatchNormsRunningAverages() throws {
        let rng = RandomGenerator(seed: 8)
        let model = Sequential(Linear(3, 4, rng: rng), BatchNorm(4), Tanh())
        let x = Tensor(shape: [6, 3])
        x.fillNormal(using: rng)
        for _ in 0..<3 { _ = model.forward(x) }                       // the running averages move away from 0 and 1
        var checkpoint = Checkpoint(epoch: 1, randomState: rng.stateWords, configuration: [:], state: "")
        checkpoint.add(model, as: "model")
        #expect(checkpoint.tensors.map(\.name).suffix(2) == ["model.buffer.0", "model.buffer.1"])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("batchnorm-\(ProcessInfo.processInfo.processIdentifier).bin")
        defer { try? FileManager.default.removeItem(at: file) }
        try checkpoint.write(to: file)
        let saved = model.buffers.map(\.values)
        let fresh = Sequential(Linear(3, 4, rng: rng), BatchNorm(4), Tanh())
        try Checkpoint(contentsOf: file).restore(fresh, as: "model")
        #expect(fresh.buffers.map(\.values) == saved && saved[0].contains { $0 != 0 })
    }
}
