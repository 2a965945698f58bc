import ArgumentParser

/// Throws a ValidationError with `message` unless `condition` holds: flag checks read as rules.
public func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw ValidationError(message()) }
}
