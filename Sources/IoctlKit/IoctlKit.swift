/// The logic of smb3-ioctl, written against the platform seams it owns; no C imports.
public enum IoctlKit {}
