import SMB3Wire

extension DebugData {
    /// An IPv4 or IPv6 address as DebugData prints it (`%pI4`, `%pI6`): the model's one ``SMB3Wire/IPAddress``.
    public typealias IPAddress = SMB3Wire.IPAddress
}
