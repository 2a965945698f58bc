import Foundation

/// Scratch memory for the kernels, one set per thread, kept from call to call: packing a panel
/// or transposing a batch then allocates nothing once the buffers have grown to size.
final class Scratch {
    private var buffers: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []
    private var integerBuffers: [(pointer: UnsafeMutablePointer<Int>, capacity: Int)] = []

    /// Buffer number `slot`, holding at least `count` floats. Its contents are unspecified.
    func buffer(_ slot: Int, count: Int) -> UnsafeMutablePointer<Float> { Self.grow(&buffers, slot, count) }

    /// Buffer number `slot` of integers (offsets into images), holding at least `count`.
    func integers(_ slot: Int, count: Int) -> UnsafeMutablePointer<Int> { Self.grow(&integerBuffers, slot, count) }

    private static func grow<T>(_ list: inout [(pointer: UnsafeMutablePointer<T>, capacity: Int)], _ slot: Int, _ count: Int) -> UnsafeMutablePointer<T> {
        while list.count <= slot { list.append((.allocate(capacity: 1), 1)) }
        if list[slot].capacity < count {
            list[slot].pointer.deallocate()
            list[slot] = (.allocate(capacity: count), count)
            Allocations.count(tensor: false)
        }
        return list[slot].pointer
    }

    deinit {
        buffers.forEach { $0.pointer.deallocate() }
        integerBuffers.forEach { $0.pointer.deallocate() }
    }

    /// The calling thread's scratch memory (made on first use, freed when the thread ends).
    static var forCurrentThread: Scratch {
        if let existing = pthread_getspecific(key) { return Unmanaged<Scratch>.fromOpaque(existing).takeUnretainedValue() }
        let scratch = Scratch()
        pthread_setspecific(key, Unmanaged.passRetained(scratch).toOpaque())
        return scratch
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            #if os(Linux)
            if let pointer { Unmanaged<Scratch>.fromOpaque(pointer).release() }
            #else
            Unmanaged<Scratch>.fromOpaque(pointer).release()
            #endif
        }
        return key
    }()
}
