import Foundation
import Testing
@testable import Workbook

@Suite("The output folder's lock, in process")
struct OutputLockFileTests {
    @Test func anUnreadableLockIsHeldWhileFreshAndTakenOverWhenOld() throws {
        let folder = temporaryFolder()
        let file = folder.appendingPathComponent(OutputLock.fileName)
        try Data().write(to: file)                                         // another run, writing its lock this very moment
        expectError(containing: ["is being taken by another run"]) { try OutputLock.acquire(folder, command: "swift run x") }
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: file.path)
        let line = try OutputLock.acquire(folder, command: "swift run x")  // a run killed as it started: stale
        #expect(line?.contains("unreadable") == true)
        #expect(try OutputLock.acquire(folder, command: "swift run x") == nil, "this process holds it already")
        OutputLock.releaseAll()
        #expect(!FileManager.default.fileExists(atPath: file.path))
    }
}
