//! State root (MPT over RLP accounts) and logs hash (STUB: the statetest work fills this).
