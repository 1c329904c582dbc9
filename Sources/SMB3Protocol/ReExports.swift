@_exported import SMB3Wire
@_exported import SMB3ProcFS
