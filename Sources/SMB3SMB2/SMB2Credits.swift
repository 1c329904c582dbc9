/// The client's credit window (MS-SMB2 3.2.4.1.5, 3.2.5.1.4): how many credits it holds and which
/// MessageId comes next. A request of CreditCharge n consumes n credits and n consecutive ids;
/// every response grants the credits in its header, an interim (PENDING) response included.
public struct SMB2Credits: Hashable, Sendable {
    /// The bytes one credit pays for (multi-credit requests, dialect 2.1 and later).
    public static let bytesPerCredit = 65_536
    /// The most credits this client holds; a server granting more is clamped, not trusted.
    public static let maximumBalance: UInt32 = 8192

    /// Credits held now.
    public private(set) var balance: UInt32
    /// The MessageId of the next request.
    public private(set) var nextMessageID: UInt64
    /// Whether multi-credit requests are allowed (SMB2_GLOBAL_CAP_LARGE_MTU negotiated).
    public var largeMTU: Bool

    /// A new connection: one credit, MessageId 0, for the NEGOTIATE.
    public init() {
        balance = 1
        nextMessageID = 0
        largeMTU = false
    }

    /// CreditCharge for a request or response of `payload` bytes: one per started 64 KiB, at least
    /// one (MS-SMB2 3.1.5.2). Without LARGE_MTU every request is charged one.
    public func charge(forPayload payload: Int) -> UInt16 {
        guard largeMTU, payload > Self.bytesPerCredit else { return 1 }
        let credits = (payload - 1) / Self.bytesPerCredit + 1
        return UInt16(clamping: credits)
    }

    /// The request of `charge` credits may go: takes the credits and returns its MessageId.
    public mutating func consume(charge: UInt16) throws -> UInt64 {
        let charge = max(charge, 1)
        guard UInt32(charge) <= balance else {
            throw SMB2Error.noCredits("\(charge) credit(s) needed, \(balance) held")
        }
        let (next, overflow) = nextMessageID.addingReportingOverflow(UInt64(charge))
        guard !overflow, next < SMB2Header.unsolicitedMessageID else {
            throw SMB2Error.noCredits("message ids exhausted")
        }
        let messageID = nextMessageID
        nextMessageID = next
        balance -= UInt32(charge)
        return messageID
    }

    /// A response granted `credits` (its header's CreditResponse).
    public mutating func grant(_ credits: UInt16) {
        balance = min(balance + UInt32(credits), Self.maximumBalance)
    }

    /// The CreditRequest to send with a request of `charge`: enough to come back to `target`
    /// credits after it, and never less than the charge (so the window does not shrink).
    public func creditRequest(charge: UInt16, target: UInt16 = 64) -> UInt16 {
        let afterRequest = balance > UInt32(charge) ? balance - UInt32(charge) : 0
        let wanted = UInt32(target) > afterRequest ? UInt32(target) - afterRequest : 0
        return UInt16(clamping: max(wanted, UInt32(max(charge, 1))))
    }
}
