//! proftui's engine: everything that is not the terminal.
//!
//! Data flows one way: a [`plugin`] is inspected and described, a
//! [`worker`] process runs it with checked [`params`], and the results come
//! back as plain values. This crate never draws and never reads a key.

pub mod analysis;
pub mod collect;
pub mod diff;
pub mod export;
pub mod import;
pub mod params;
pub mod plugin;
pub mod record;
pub mod report;
pub mod timing;
pub mod worker;
