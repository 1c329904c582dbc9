import SMB3Wire

/// Decodes UTF-16LE strictly: an odd byte count or a lone surrogate is an error.
func decodeUTF16LE(_ bytes: ArraySlice<UInt8>, _ field: @autoclosure () -> String) throws(CIFSABIError) -> String {
    guard bytes.count % 2 == 0 else {
        throw CIFSABIError(.invalidUTF16, "\(field()): odd UTF-16 byte count \(bytes.count)")
    }
    var units: [UInt16] = []
    units.reserveCapacity(bytes.count / 2)
    var reader = WireReader(bytes)
    while let unit = reader.readInteger(.little, as: UInt16.self) { units.append(unit) }
    guard let text = String(validating: units, as: UTF16.self) else {
        throw CIFSABIError(.invalidUTF16, "\(field()): not valid UTF-16")
    }
    return text
}
