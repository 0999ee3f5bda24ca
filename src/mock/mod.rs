//! An in-memory emulator of the Claid Storage API (being written).
