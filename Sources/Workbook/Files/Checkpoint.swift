import Backprop
import Foundation

/// A training checkpoint: everything needed to continue a run exactly where it stopped.
///
/// The weights and the optimisers' running tensors, their step counts, the random generator's
/// state, the epoch, the run's configuration, and the training loop's own record (its history,
/// curves and place inside an interrupted epoch, as JSON). Resuming from it gives, bit for bit,
/// the run that was never interrupted. Stored in the workbook's container format (`Container`):
/// signature `GWCKPT02`, a JSON header naming the tensors and their shapes, the tensors' values as
/// little-endian Float32, a CRC-32.
public struct Checkpoint {
    public var epoch: Int
    public var randomState: [UInt64]
    /// The run's configuration, as text (a resumed run must match it).
    public var configuration: [String: String]
    /// Counters, such as each optimiser's step count.
    public var counters: [String: Int]
    /// The training loop's record of the run (JSON; see `TrainingLoop`).
    public var state: String
    /// The tensors, by name, in a fixed order.
    public var tensors: [(name: String, tensor: Tensor)]

    public init(epoch: Int, randomState: [UInt64], configuration: [String: String], counters: [String: Int] = [:],
                state: String = "", tensors: [(name: String, tensor: Tensor)] = []) {
        self.epoch = epoch
        self.randomState = randomState
        self.configuration = configuration
        self.counters = counters
        self.state = state
        self.tensors = tensors
    }

    static let signature = "GWCKPT02"

    struct Header: Codable {
        var epoch: Int
        var randomState: [UInt64]
        var configuration: [String: String]
        var counters: [String: Int]
        var state: String
        var tensors: [Entry]
        struct Entry: Codable { var name: String; var shape: [Int] }
    }

    // MARK: Naming the state of models and optimisers

    /// Adds a model's parameters (`NAME.0`, `NAME.1`, ...) and buffers (`NAME.buffer.0`, ...: BatchNorm's running averages).
    public mutating func add(_ model: Layer, as name: String) {
        for (i, parameter) in model.parameters.enumerated() { tensors.append(("\(name).\(i)", parameter.value)) }
        for (i, buffer) in model.buffers.enumerated() { tensors.append(("\(name).buffer.\(i)", buffer)) }
    }

    /// Adds an optimiser's running tensors (`NAME.m.0`, ... for Adam) and its step count.
    public mutating func add(_ optimizer: Optimizer, as name: String) {
        for (key, tensor) in optimizer.state { tensors.append(("\(name).\(key)", tensor)) }
        counters["\(name).steps"] = optimizer.stepCount
    }

    /// Copies the saved parameters back into `model`.
    public func restore(_ model: Layer, as name: String) throws {
        for (i, parameter) in model.parameters.enumerated() { try restore(parameter.value, named: "\(name).\(i)") }
        for (i, buffer) in model.buffers.enumerated() { try restore(buffer, named: "\(name).buffer.\(i)") }
    }

    /// Copies the saved running tensors and step count back into `optimizer`.
    public func restore(_ optimizer: Optimizer, as name: String) throws {
        for (key, tensor) in optimizer.state { try restore(tensor, named: "\(name).\(key)") }
        guard let steps = counters["\(name).steps"] else {
            throw WorkbookError("the checkpoint has no step count for \(name)")
        }
        optimizer.stepCount = steps
    }

    /// Copies one saved tensor into `target`, which must have the same shape.
    public func restore(_ target: Tensor, named name: String) throws {
        guard let saved = tensors.first(where: { $0.name == name })?.tensor else {
            throw WorkbookError("the checkpoint has no tensor \(name): was it written by another model?")
        }
        guard saved.shape == target.shape else {
            throw WorkbookError("the checkpoint's \(name) has shape \(saved.shape), the model expects \(target.shape)")
        }
        target.copy(from: saved)
    }

    // MARK: Writing and reading

    /// Writes the checkpoint atomically, the tensors streamed one by one (chapter 4's checkpoint
    /// is 300 MB: no copy of it is ever assembled in memory).
    public func write(to url: URL, kind: Disk.Kind = .checkpoint) throws {
        let header = Header(epoch: epoch, randomState: randomState, configuration: configuration, counters: counters,
                            state: state, tensors: tensors.map { .init(name: $0.name, shape: $0.tensor.shape) })
        do {
            try Container.write(
                to: url, signature: Self.signature, header: header,
                payload: tensors.map { UnsafeRawBufferPointer(start: $0.tensor.data, count: $0.tensor.count * 4) },
                kind: kind)
        } catch let error as WorkbookError { throw error } catch {
            throw WorkbookError("cannot write the checkpoint \(url.path): \(error.localizedDescription)")
        }
    }

    /// Reads a checkpoint, refusing anything damaged with a message that says so.
    public init(contentsOf url: URL) throws {
        self = try Container.read(
            url, signature: Self.signature, kind: "checkpoint", as: Header.self, Self.init(header:payload:))
    }

    public init(decoding data: Data) throws {
        self = try Container.decode(
            data, signature: Self.signature, kind: "checkpoint", as: Header.self, Self.init(header:payload:))
    }

    init(header: Header, payload: UnsafeRawBufferPointer) throws {
        var offset = 0
        var tensors: [(name: String, tensor: Tensor)] = []
        for entry in header.tensors {
            guard entry.shape.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else {
                throw WorkbookError("tensor \(entry.name) has an impossible shape")
            }
            let (count, overflow) = entry.shape.reduce((1, false)) { partial, d in
                let (product, o) = partial.0.multipliedReportingOverflow(by: d); return (product, partial.1 || o)
            }
            guard !overflow, count <= (payload.count - offset) / 4 else {
                throw WorkbookError("tensor \(entry.name) runs past the end of the file")
            }
            let tensor = Tensor(shape: entry.shape)
            if count > 0 {
                UnsafeMutableRawPointer(tensor.data).copyMemory(
                    from: payload.baseAddress! + offset, byteCount: count * 4)
            }
            tensors.append((entry.name, tensor))
            offset += count * 4
        }
        guard offset == payload.count else { throw WorkbookError("it has \(payload.count - offset) unexpected bytes") }
        guard header.randomState.count == 4, header.randomState.contains(where: { $0 != 0 }) else {
            throw WorkbookError("its random generator state is invalid")
        }
        self.init(epoch: header.epoch, randomState: header.randomState, configuration: header.configuration,
                  counters: header.counters, state: header.state, tensors: tensors)
    }

    /// The settings in which `configuration` differs from this checkpoint's, as readable lines.
    public func differences(from configuration: [String: String]) -> [String] {
        Set(self.configuration.keys).union(configuration.keys).sorted().compactMap { key in
            let saved = self.configuration[key] ?? "(not set)", now = configuration[key] ?? "(not set)"
            return saved == now ? nil : "\(key): checkpoint \(saved), now \(now)"
        }
    }
}

public extension Checkpoint {
    /// Reads a trained model saved under `name` (to draw samples with `--generate`), refusing a
    /// checkpoint whose `keys` differ from this run's configuration (`hint` says which flags to pass).
    static func load(_ model: Layer, as name: String, from file: URL, configuration: [String: String],
                     mustMatch keys: [String], hint: String) throws -> Checkpoint {
        let saved = try Checkpoint(contentsOf: file)
        for key in keys where saved.configuration[key] != configuration[key] {
            throw WorkbookError("\(file.path) was trained with \(key) \(saved.configuration[key] ?? "?"); \(hint)")
        }
        try saved.restore(model, as: name)
        return saved
    }
}
