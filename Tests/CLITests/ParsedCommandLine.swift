import ArgumentParser
import Testing

/// A program's command line parsed as the program parses it (`parseAsRoot`), without running it.
enum ParsedCommandLine<Root: ParsableCommand> {
    /// The command `arguments` select, which must be a `Command`.
    static func parse<Command: ParsableCommand>(
        _ arguments: [String], as: Command.Type = Command.self
    ) throws -> Command {
        let parsed = try Root.parseAsRoot(arguments)
        return try #require(parsed as? Command, "\(arguments) parsed as \(type(of: parsed))")
    }

    /// What the program says and its ArgumentParser exit code when it rejects `arguments` (or
    /// answers them itself: `--version`); nil when they parse.
    static func rejection(_ arguments: [String]) -> (message: String, code: ExitCode)? {
        do {
            _ = try Root.parseAsRoot(arguments)
            return nil
        } catch {
            return (Root.message(for: error), Root.exitCode(for: error))
        }
    }
}
