//! The examples of ctxmgr (`cargo run --example tour`); this library is
//! empty. See `Cargo.toml` for why they are a package of their own.
