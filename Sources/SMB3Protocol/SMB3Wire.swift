@_exported import SMB3Wire
