import SMB3Protocol
import WitnessKit

/// libFuzzer entry point: witnessd.conf, decoded as smb3-witnessd reads it (UTF-8 with
/// replacement, at most 1 MiB). Parsing may throw but must never trap, must be deterministic,
/// and what it accepts keeps every number in its documented range and every value on one line:
/// a value must not swallow the lines after it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWitnessConfiguration(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    let text = String(decoding: bytes, as: UTF8.self)
    let configuration: WitnessConfiguration
    do {
        configuration = try WitnessConfiguration(parsing: text)
    } catch {
        precondition(error.line >= 1, "an error names line \(error.line)")
        precondition((try? WitnessConfiguration(parsing: text)) == nil, "parsing is not deterministic")
        return 0
    }
    precondition((try? WitnessConfiguration(parsing: text)) == configuration, "parsing is not deterministic")
    precondition((0...86400).contains(configuration.keepAliveTimeout))
    precondition((1...300).contains(configuration.connectTimeout))
    precondition((1...3600).contains(configuration.maximumBackoff))
    precondition(
        !configuration.kerberosService.isEmpty && !configuration.kerberosService.contains("@")
            && !configuration.kerberosService.contains("/"))
    let values = [
        configuration.clientName, configuration.controlSocket, configuration.eventsFile, configuration.kerberosService,
        configuration.kerberosCredentials.principal ?? "", configuration.kerberosCredentials.clientKeytab ?? "",
        configuration.kerberosCredentials.ccache ?? "",
    ]
    let blanks: Set<Unicode.Scalar> = [" ", "\t", "\r"]
    for value in values {
        precondition(
            !value.unicodeScalars.contains { $0 == "\n" || $0 == "#" }, "a value spans lines or holds a comment")
        precondition(
            !(value.unicodeScalars.first.map(blanks.contains) ?? false)
                && !(value.unicodeScalars.last.map(blanks.contains) ?? false), "a value is not trimmed")
    }
    return 0
}
