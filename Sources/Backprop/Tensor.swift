import Foundation

/// A tensor: Float32 values in one contiguous block, row-major, with a shape.
///
/// `Tensor` is a class on purpose. Each layer owns the tensors it writes (its output, its input
/// gradient) and overwrites them on every step, as llm.c preallocates its activations: a training
/// step then allocates nothing. So a tensor returned by `forward` belongs to the layer that made it
/// and holds new values after the next `forward`; copy it (`Tensor(copying:)`) to keep it.
public final class Tensor {
    /// The size of each dimension, outermost first: `[batch, features]` for a batch of vectors.
    public private(set) var shape: [Int]
    /// The number of values, the product of `shape`.
    public private(set) var count: Int
    /// The values. Hot loops read and write through this pointer directly.
    public private(set) var data: UnsafeMutablePointer<Float>
    private var capacity: Int

    /// A tensor of the given shape with every value set to `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "a shape cannot have a negative dimension: \(shape)")
        self.shape = shape
        count = shape.reduce(1, *)
        capacity = max(count, 1)
        data = .allocate(capacity: capacity)
        data.initialize(repeating: value, count: capacity)
        Allocations.count()
    }

    /// A tensor holding `values`, which must have exactly `shape.reduce(1, *)` elements.
    public convenience init(shape: [Int], values: [Float]) {
        self.init(shape: shape)
        precondition(values.count == count, "\(values.count) values do not fill shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    /// An independent copy of `other`.
    public convenience init(copying other: Tensor) {
        self.init(shape: other.shape)
        data.update(from: other.data, count: count)
    }

    deinit { data.deallocate() }

    /// Gives the tensor a new shape, keeping its memory when it is large enough. The values are
    /// unspecified afterwards. Layers call this at the start of every forward, so a smaller last
    /// batch reuses the memory of the full ones.
    public func reshape(to newShape: [Int]) {
        if newShape == shape { return }
        let newCount = newShape.reduce(1, *)
        if newCount > capacity {
            data.deallocate()
            capacity = newCount
            data = .allocate(capacity: capacity)
            data.initialize(repeating: 0, count: capacity)
            Allocations.count()
        }
        shape = newShape
        count = newCount
    }

    /// The number of rows of a 2-D tensor `[rows, columns]`.
    public var rows: Int { shape[0] }
    /// The number of columns of a 2-D tensor, or the values per row of any tensor.
    public var columns: Int { shape.count > 1 ? count / max(shape[0], 1) : count }

    public subscript(index: Int) -> Float {
        get { data[index] }
        set { data[index] = newValue }
    }

    public subscript(row: Int, column: Int) -> Float {
        get { data[row * columns + column] }
        set { data[row * columns + column] = newValue }
    }

    /// The values as an array (a copy).
    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    public func fill(_ value: Float) { data.update(repeating: value, count: count) }

    /// Copies values (and shape) from `other`.
    public func copy(from other: Tensor) {
        reshape(to: other.shape)
        data.update(from: other.data, count: count)
    }

    /// Adds `other` to these values, one by one (the shapes must agree). Where two paths of a
    /// network meet (a VAE's μ feeds both the sample z and the KL term), their gradients add up.
    public func add(_ other: Tensor) {
        precondition(other.shape == shape, "add: shapes \(shape) and \(other.shape) differ")
        for i in 0..<count { data[i] += other.data[i] }
    }

    /// These values become a + b, one by one, on every thread (a residual block's output and its input
    /// gradient: one pass over memory where a copy and an add would take two).
    public func setSum(_ a: Tensor, _ b: Tensor) {
        precondition(a.shape == b.shape, "setSum: shapes \(a.shape) and \(b.shape) differ")
        reshape(to: a.shape)
        let (x, y, z) = (a.data, b.data, data)
        Parallel.forEachRange(count, unit: 256, work: count) { range in for i in range { z[i] = x[i] + y[i] } }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = values.prefix(8).map { String(format: "%.4f", $0) }.joined(separator: ", ")
        return "Tensor\(shape)[\(shown)\(count > 8 ? ", ..." : "")]"
    }
}

/// Counts the blocks of float memory the library allocates (tensors, and the kernels' scratch
/// buffers), so a test and the benchmark can show that a training step, once warmed up,
/// allocates none: every layer reuses its buffers.
public enum Allocations {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var total = 0

    /// How many float buffers (tensors and scratch) have been allocated so far, by every thread.
    public static var sinceStart: Int {
        lock.lock(); defer { lock.unlock() }
        return total
    }

    /// How many tensors this thread allocated (tests run side by side in one process, so a test
    /// counts its own thread's). Scratch buffers are left out here: which thread grows one depends
    /// on how the worker threads are shared with other tests at that moment.
    public static var tensorsOnThisThread: Int { Thread.current.threadDictionary[key] as? Int ?? 0 }
    private static let key = "Backprop.Allocations"

    static func count(tensor: Bool = true) {
        lock.lock(); total += 1; lock.unlock()
        if tensor { Thread.current.threadDictionary[key] = tensorsOnThisThread + 1 }
    }
}
