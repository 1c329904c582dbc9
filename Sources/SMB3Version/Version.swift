/// The toolkit's version, shared by every executable so `--version` agrees across them.
public enum SMB3KitVersion {
    public static let string = "0.1.0"
}
