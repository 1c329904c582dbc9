/// A Windows FILETIME: 100-nanosecond intervals since 1601-01-01 00:00:00 UTC (MS-DTYP §2.3.3).
///
/// SMB carries it as a little-endian 64-bit value; the `snapshot=` mount option takes it raw.
public struct NTTime: RawRepresentable, Hashable, Sendable, Comparable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// 1970-01-01 in NT time.
    public static let unixEpoch: UInt64 = 116_444_736_000_000_000
    public static let ticksPerSecond: UInt64 = 10_000_000

    /// The NT time of a Unix time in seconds plus 100 ns ticks; nil if before 1601 or past 2^64 ticks.
    public init?(unixSeconds: Int64, ticks: UInt32 = 0) {
        guard ticks < UInt32(Self.ticksPerSecond) else { return nil }
        let (scaled, overflow) = unixSeconds.multipliedReportingOverflow(by: Int64(Self.ticksPerSecond))
        guard !overflow else { return nil }
        let (withTicks, overflow2) = scaled.addingReportingOverflow(Int64(ticks))
        guard !overflow2 else { return nil }
        if withTicks >= 0 {
            let (value, overflow3) = Self.unixEpoch.addingReportingOverflow(UInt64(withTicks))
            guard !overflow3 else { return nil }
            self.rawValue = value
        } else {
            let back = withTicks.magnitude
            guard back <= Self.unixEpoch else { return nil }
            self.rawValue = Self.unixEpoch - back
        }
    }

    /// Whole seconds since 1970 (negative before), rounding towards the past.
    public var unixSeconds: Int64 {
        // rawValue / 10^7 fits Int64 for every UInt64, so these conversions cannot trap.
        Int64(rawValue / Self.ticksPerSecond) - Int64(Self.unixEpoch / Self.ticksPerSecond)
    }

    /// The 100 ns ticks within the second (0 ..< 10^7).
    public var subsecondTicks: UInt32 { UInt32(rawValue % Self.ticksPerSecond) }

    /// UTC in ISO 8601 with the 100 ns fraction when there is one: `2024-05-01T12:34:56.1234567Z`.
    public var iso8601: String {
        let (date, time) = Self.civil(unixSeconds: unixSeconds)
        var text = "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))"
        text += "T\(pad(time.hour, 2)):\(pad(time.minute, 2)):\(pad(time.second, 2))"
        if subsecondTicks != 0 { text += "." + pad(Int64(subsecondTicks), 7) }
        return text + "Z"
    }

    /// The `@GMT-YYYY.MM.DD-HH.MM.SS` token that names a snapshot (MS-SMB2 §2.2.32.2), in whole seconds.
    public var gmtToken: String {
        let (date, time) = Self.civil(unixSeconds: unixSeconds)
        return "@GMT-\(pad(date.year, 4)).\(pad(date.month, 2)).\(pad(date.day, 2))-"
            + "\(pad(time.hour, 2)).\(pad(time.minute, 2)).\(pad(time.second, 2))"
    }

    /// Parses an `@GMT-YYYY.MM.DD-HH.MM.SS` token strictly (24 ASCII characters).
    public init?(gmtToken token: String) {
        let chars = Array(token.utf8)
        guard chars.count == 24, chars.starts(with: Array("@GMT-".utf8)) else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for c in chars[range] {
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(c - UInt8(ascii: "0"))
            }
            return value
        }
        let separators: [(Int, UInt8)] = [(9, 0x2E), (12, 0x2E), (15, 0x2D), (18, 0x2E), (21, 0x2E)]
        for (index, char) in separators where chars[index] != char { return nil }
        guard let year = number(5..<9), let month = number(10..<12), let day = number(13..<15),
            let hour = number(16..<18), let minute = number(19..<21), let second = number(22..<24),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        guard let time = NTTime(unixSeconds: days * 86400 + hour * 3600 + minute * 60 + second) else { return nil }
        // Reject dates like 02-31 that the day arithmetic would roll over.
        guard time.gmtToken == token else { return nil }
        self = time
    }

    public static func < (lhs: NTTime, rhs: NTTime) -> Bool { lhs.rawValue < rhs.rawValue }

    // Howard Hinnant's days_from_civil / civil_from_days, valid for the whole proleptic Gregorian range.
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civil(
        unixSeconds: Int64
    ) -> (
        date: (year: Int64, month: Int64, day: Int64), time: (hour: Int64, minute: Int64, second: Int64)
    ) {
        var days = unixSeconds / 86400
        var seconds = unixSeconds % 86400
        if seconds < 0 {
            seconds += 86400
            days -= 1
        }
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return ((year, month, day), (seconds / 3600, seconds % 3600 / 60, seconds % 60))
    }
}

extension NTTime: CustomStringConvertible {
    public var description: String { iso8601 }
}

private func pad(_ value: Int64, _ width: Int) -> String {
    let digits = String(value.magnitude)
    let sign = value < 0 ? "-" : ""
    return sign + String(repeating: "0", count: max(0, width - digits.count)) + digits
}
