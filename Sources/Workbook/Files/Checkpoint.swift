import Backprop
import CZlib
import Foundation

/// A training checkpoint: everything needed to continue a run exactly where it stopped.
///
/// The weights and the optimiser's moments (tensors), the optimisers' step counts, the random
/// generator's state, the epoch, the run's configuration, and the history the charts and report
/// are drawn from. Resuming from it gives, bit for bit, the run that was never interrupted.
///
/// File layout: the 8 bytes `GWCKPT01`; the header length (UInt64, little-endian); the header as
/// JSON; the tensors' values as little-endian Float32, one after another; a CRC-32 of everything
/// before it (UInt32), so a damaged file is recognised instead of loaded.
public struct Checkpoint {
    public var epoch: Int
    public var randomState: [UInt64]
    /// The run's configuration, as text (a resumed run must match it).
    public var configuration: [String: String]
    /// Counters, such as each optimiser's step count.
    public var counters: [String: Int]
    /// Series of numbers for the charts and the report.
    public var history: [String: [Double]]
    /// The tensors, by name, in a fixed order.
    public var tensors: [(name: String, tensor: Tensor)]

    public init(epoch: Int, randomState: [UInt64], configuration: [String: String], counters: [String: Int] = [:],
                history: [String: [Double]] = [:], tensors: [(name: String, tensor: Tensor)] = []) {
        self.epoch = epoch
        self.randomState = randomState
        self.configuration = configuration
        self.counters = counters
        self.history = history
        self.tensors = tensors
    }

    static let magic = Array("GWCKPT01".utf8)

    struct Header: Codable {
        var epoch: Int
        var randomState: [UInt64]
        var configuration: [String: String]
        var counters: [String: Int]
        var history: [String: [Double]]
        var tensors: [Entry]
        struct Entry: Codable { var name: String; var shape: [Int] }
    }

    // MARK: Naming the state of models and optimisers

    /// Adds a model's parameters (`NAME.0`, `NAME.1`, ...).
    public mutating func add(_ model: Layer, as name: String) {
        for (i, parameter) in model.parameters.enumerated() { tensors.append(("\(name).\(i)", parameter.value)) }
    }

    /// Adds an Adam optimiser's moments and step count.
    public mutating func add(_ adam: Adam, as name: String) {
        for (i, m) in adam.firstMoments.enumerated() { tensors.append(("\(name).m.\(i)", m)) }
        for (i, v) in adam.secondMoments.enumerated() { tensors.append(("\(name).v.\(i)", v)) }
        counters["\(name).steps"] = adam.stepCount
    }

    /// Copies the saved parameters back into `model`.
    public func restore(_ model: Layer, as name: String) throws {
        for (i, parameter) in model.parameters.enumerated() { try restore(parameter.value, named: "\(name).\(i)") }
    }

    /// Copies the saved moments and step count back into `adam`.
    public func restore(_ adam: Adam, as name: String) throws {
        for (i, m) in adam.firstMoments.enumerated() { try restore(m, named: "\(name).m.\(i)") }
        for (i, v) in adam.secondMoments.enumerated() { try restore(v, named: "\(name).v.\(i)") }
        guard let steps = counters["\(name).steps"] else { throw WorkbookError("the checkpoint has no step count for \(name)") }
        adam.restore(stepCount: steps)
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

    /// The bytes before the tensors: signature, header length, header.
    func prefix() throws -> Data {
        let header = Header(epoch: epoch, randomState: randomState, configuration: configuration, counters: counters,
                            history: history, tensors: tensors.map { .init(name: $0.name, shape: $0.tensor.shape) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(header)
        var data = Data(Self.magic)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        return data
    }

    /// Writes the checkpoint atomically: to a temporary file first, then renamed over the old one.
    /// A crash or a kill at any moment leaves either the old checkpoint or the new one, never half.
    /// The tensors go to the file one by one (chapter 4's checkpoint is 300 MB: no copy of it is
    /// ever assembled in memory).
    public func write(to url: URL) throws {
        do {
            let head = try prefix()
            var crc = head.withUnsafeBytes { UInt32(crc32(0, $0.bindMemory(to: UInt8.self).baseAddress, UInt32($0.count))) }
            try AtomicFile.write(to: url) { handle in
                try handle.write(contentsOf: head)
                for (_, tensor) in tensors {
                    let bytes = UnsafeRawBufferPointer(start: tensor.data, count: tensor.count * 4)
                    crc = UInt32(crc32(UInt(crc), bytes.bindMemory(to: UInt8.self).baseAddress, UInt32(bytes.count)))
                    try handle.write(contentsOf: bytes)
                }
                try handle.write(contentsOf: withUnsafeBytes(of: crc.littleEndian) { Data($0) })
            }
        } catch let error as WorkbookError { throw error } catch {
            throw WorkbookError("cannot write the checkpoint \(url.path): \(error.localizedDescription)")
        }
    }

    /// Reads a checkpoint, refusing anything damaged with a message that says so.
    public init(contentsOf url: URL) throws {
        let data: Data
        // Mapped rather than read: the tensors are copied out of the file's pages, once.
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw WorkbookError("cannot read the checkpoint \(url.path): \(error.localizedDescription)")
        }
        do { try self.init(decoding: data) } catch let error as WorkbookError {
            throw WorkbookError("\(url.path) is not a usable checkpoint: \(error.message)")
        }
    }

    public init(decoding data: Data) throws {
        try self = data.withUnsafeBytes { raw in try Self.decode(raw.bindMemory(to: UInt8.self)) }
    }

    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws -> Checkpoint {
        guard bytes.count >= 20, Array(bytes[0..<8]) == Self.magic else {
            throw WorkbookError("it does not start with the checkpoint signature (wrong file, or not a workbook checkpoint)")
        }
        let stored = bytes[(bytes.count - 4)...].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        var actual = UInt32(crc32(0, nil, 0))
        for start in stride(from: 0, to: bytes.count - 4, by: 1 << 30) {   // zlib takes at most 4 GB at a time
            actual = UInt32(crc32(UInt(actual), bytes.baseAddress! + start, UInt32(min(1 << 30, bytes.count - 4 - start))))
        }
        guard stored == actual else {
            throw WorkbookError("its checksum does not match: the file is damaged or truncated (a copy cut short?)")
        }
        let headerLength = bytes[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength < UInt64(bytes.count), 16 + Int(headerLength) <= bytes.count - 4 else {
            throw WorkbookError("its header length is impossible")
        }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<(16 + Int(headerLength))])) } catch {
            throw WorkbookError("its header is not readable (\(error.localizedDescription))")
        }
        var offset = 16 + Int(headerLength)
        var tensors: [(name: String, tensor: Tensor)] = []
        for entry in header.tensors {
            guard entry.shape.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else { throw WorkbookError("tensor \(entry.name) has an impossible shape") }
            let (count, overflow) = entry.shape.reduce((1, false)) { partial, d in
                let (product, o) = partial.0.multipliedReportingOverflow(by: d); return (product, partial.1 || o)
            }
            guard !overflow, count <= (bytes.count - 4 - offset) / 4 else {
                throw WorkbookError("tensor \(entry.name) runs past the end of the file")
            }
            let tensor = Tensor(shape: entry.shape)
            UnsafeMutableRawPointer(tensor.data).copyMemory(from: bytes.baseAddress! + offset, byteCount: count * 4)
            tensors.append((entry.name, tensor))
            offset += count * 4
        }
        guard offset == bytes.count - 4 else { throw WorkbookError("it has \(bytes.count - 4 - offset) unexpected bytes") }
        guard header.randomState.count == 4, header.randomState.contains(where: { $0 != 0 }) else {
            throw WorkbookError("its random generator state is invalid")
        }
        return Checkpoint(epoch: header.epoch, randomState: header.randomState, configuration: header.configuration,
                          counters: header.counters, history: header.history, tensors: tensors)
    }

    /// The settings in which `configuration` differs from this checkpoint's, as readable lines.
    public func differences(from configuration: [String: String]) -> [String] {
        Set(self.configuration.keys).union(configuration.keys).sorted().compactMap { key in
            let saved = self.configuration[key] ?? "(not set)", now = configuration[key] ?? "(not set)"
            return saved == now ? nil : "\(key): checkpoint \(saved), now \(now)"
        }
    }
}
