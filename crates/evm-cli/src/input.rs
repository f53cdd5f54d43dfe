//! Reading CODE arguments: hex text (with or without 0x) or a file (STUB).
