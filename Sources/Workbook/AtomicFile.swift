import Foundation

/// Writing a file so that a crash or a kill never leaves half of it: the bytes go to a temporary
/// file beside it, which is renamed over the old file only when complete.
enum AtomicFile {
    static func write(to url: URL, _ body: (FileHandle) throws -> Void) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).partial")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw WorkbookError("cannot create \(temporary.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            do { try body(handle); try handle.synchronize(); try handle.close() } catch { try? handle.close(); throw error }
            guard rename(temporary.path, url.path) == 0 else {
                throw WorkbookError("cannot rename \(temporary.path) to \(url.lastPathComponent): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}
