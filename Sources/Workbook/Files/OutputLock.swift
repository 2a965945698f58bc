import Foundation

/// One writer per output folder. A run that writes into a folder takes it for itself with a lock
/// file, `.run.lock`, naming its process, command and start time, held until the program ends. A
/// second run into the same folder is refused at once (two runs would leave a mix of both: one's
/// checkpoint, the other's pictures). A lock left by a run that could not remove it (kill -9, a
/// power cut) is recognised as stale, because its process is gone, and taken over with a line
/// saying so. Reading a finished folder, `compare` and `--generate` take no lock.
public enum OutputLock {
    public static let fileName = ".run.lock"

    /// What a lock file says about the run that holds the folder.
    struct Holder: Codable {
        var process: Int32
        var command: String
        var started: String
        /// The machine's boot (Linux): a process number from before a restart means nothing.
        var boot: String?
    }

    /// The locks this process holds, removed when it exits.
    nonisolated(unsafe) private static var held: [String] = []
    private static let lock = NSLock()

    /// Takes `folder` for this process, or throws naming the run that holds it. Returns a line to
    /// print when a stale lock was taken over.
    @discardableResult
    public static func acquire(_ folder: URL, command: String) throws -> String? {
        let file = folder.appendingPathComponent(fileName)
        let me = Holder(process: ProcessInfo.processInfo.processIdentifier, command: command,
                        started: ISO8601DateFormatter().string(from: Date()), boot: bootIdentifier)
        var tookOver: String?
        for _ in 0..<2 {
            if try create(file, me) {
                lock.withLock {
                    if held.isEmpty { atexit { OutputLock.releaseAll() } }
                    held.append(file.path)
                }
                return tookOver
            }
            guard let data = try? Data(contentsOf: file),
                let holder = try? JSONDecoder().decode(Holder.self, from: data)
            else {
                // Being written this very moment by another run: held. Unreadable for longer (a run
                // killed between creating and writing it): stale.
                let age = (try? FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date).map
                { -$0.timeIntervalSinceNow }
                guard let age, age > 10 else {
                    throw WorkbookError(
                        "the output folder \(folder.path) is being taken by another run (\(file.path) exists); "
                            + "choose another folder with --output-dir")
                }
                try? FileManager.default.removeItem(at: file)
                tookOver = "Taking over \(folder.path): its lock file was unreadable (a run killed as it started)."
                continue
            }
            if holder.process == me.process { return nil }   // this process holds it already
            if isAlive(holder) {
                throw WorkbookError("""
                    the output folder \(folder.path) is in use by another run \
                    (process \(holder.process), started \(holder.started)):
                      \(holder.command)
                    Two runs in one folder would mix their checkpoints, pictures and reports. Wait for that run to end, \
                    or give this one a folder of its own with --output-dir.
                    """)
            }
            try? FileManager.default.removeItem(at: file)
            tookOver =
                "Taking over \(folder.path): the run that held it (process \(holder.process), started "
                    + "\(holder.started)) "
                + "ended without letting go (killed, or the machine stopped)."
        }
        throw WorkbookError("cannot take the output folder \(folder.path): \(file.path) keeps coming back")
    }

    /// Creates the lock file only if there is none (O_EXCL: of two runs starting together, one wins).
    private static func create(_ file: URL, _ holder: Holder) throws -> Bool {
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else {
            if errno == EEXIST { return false }
            throw WorkbookError("cannot create \(file.path): \(String(cString: strerror(errno)))")
        }
        let data = (try? JSONEncoder().encode(holder)) ?? Data()
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == data.count else {
            unlink(file.path)
            throw WorkbookError("cannot write \(file.path) (the disk may be full)")
        }
        return true
    }

    /// Whether the run named by a lock still runs: the same boot, and a living process that is one
    /// of the workbook's programs (a process number can be reused by another program).
    static func isAlive(_ holder: Holder) -> Bool {
        if let boot = holder.boot, let now = bootIdentifier, boot != now { return false }
        guard kill(holder.process, 0) == 0 || errno == EPERM else { return false }
        #if os(Linux)
        if let line = try? String(contentsOfFile: "/proc/\(holder.process)/cmdline", encoding: .utf8) {
            let program = holder.command.split(separator: " ").dropFirst(2).first.map(String.init) ?? ""
            return program.isEmpty || line.contains(program)
        }
        #endif
        return true
    }

    /// Lets go of every folder this process holds (at exit; a test may call it too).
    public static func releaseAll() {
        lock.withLock {
            for path in held { unlink(path) }
            held.removeAll()
        }
    }

    static var bootIdentifier: String? {
        (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?.trimmingCharacters(
            in: .whitespacesAndNewlines)
    }
}
